/* keyfile.c — see keyfile.h. */
#include "keyfile.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define KEYFILE_MAX_BYTES (64 * 1024)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* One non-comment line "<id> <hex>" (already NUL-terminated, no newline). */
static ks_status parse_line(const char *line, keyfile_key *k)
{
    const char *p = line;
    uint32_t id = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
        id = id * 10u + (uint32_t)(*p - '0');
        if (++digits > 5)
            return KS_ERR_MALFORMED;
        p++;
    }
    if (digits == 0 || id == 0 || id > 65535 || (*p != ' ' && *p != '\t'))
        return KS_ERR_MALFORMED;
    while (*p == ' ' || *p == '\t')
        p++;
    for (size_t i = 0; i < KEYFILE_KEY_LEN; i++) {
        int hi = hex_digit_value(p[2 * i]);
        int lo = hi < 0 ? -1 : hex_digit_value(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return KS_ERR_MALFORMED;
        k->key[i] = (uint8_t)(hi << 4 | lo);
    }
    p += 2 * KEYFILE_KEY_LEN;
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    if (*p != '\0')
        return KS_ERR_MALFORMED;
    k->id = id;
    return KS_OK;
}

static ks_status parse_text(char *text, keyfile *out, char *err, size_t errlen)
{
    size_t line_no = 0;
    char *save = NULL;
    for (char *line = text;; line = NULL) {
        char *tok = strtok_r(line, "\n", &save);
        if (!tok)
            break;
        line_no++;
        const char *p = tok;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (out->count == KEYFILE_MAX_KEYS) {
            set_err(err, errlen, "key file holds more than %d keys", KEYFILE_MAX_KEYS);
            return KS_ERR_TOO_LARGE;
        }
        keyfile_key *k = &out->keys[out->count];
        if (parse_line(p, k) != KS_OK) {
            set_err(err, errlen,
                    "key file line %zu is not \"<id 1..65535> <64 hex digits>\"", line_no);
            return KS_ERR_MALFORMED;
        }
        if (keyfile_find(out, k->id)) {
            set_err(err, errlen, "key file has key id %u twice", (unsigned)k->id);
            return KS_ERR_MALFORMED;
        }
        if (out->count == 0 || k->id > out->keys[out->current].id)
            out->current = out->count;
        out->count++;
    }
    if (out->count == 0) {
        set_err(err, errlen, "key file holds no key");
        return KS_ERR_NOT_FOUND;
    }
    return KS_OK;
}

/* Reads the whole file after checking who may read it. */
static ks_status read_private_file(const char *path, char **text, char *err,
                                   size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            set_err(err, errlen, "key file %s does not exist", path);
            return KS_ERR_NOT_FOUND;
        }
        set_err(err, errlen, "cannot open key file %s: %s", path, strerror(e));
        return e == EACCES || e == ELOOP ? KS_ERR_ACCESS : KS_ERR_IO;
    }
    struct stat st;
    ks_status st_rc = KS_OK;
    if (fstat(fd, &st) != 0) {
        set_err(err, errlen, "cannot stat key file %s", path);
        st_rc = KS_ERR_IO;
    } else if (!S_ISREG(st.st_mode)) {
        set_err(err, errlen, "key file %s is not a regular file", path);
        st_rc = KS_ERR_ACCESS;
    } else if ((st.st_mode & 0077) != 0) {
        set_err(err, errlen,
                "key file %s has mode %04o; it must be 0600 (readable by its owner only)",
                path, (unsigned)(st.st_mode & 07777));
        st_rc = KS_ERR_ACCESS;
    } else if (st.st_uid != geteuid()) {
        set_err(err, errlen, "key file %s is not owned by the user running the store", path);
        st_rc = KS_ERR_ACCESS;
    } else if (st.st_size > KEYFILE_MAX_BYTES) {
        set_err(err, errlen, "key file %s is larger than 64 KiB", path);
        st_rc = KS_ERR_TOO_LARGE;
    }
    if (st_rc != KS_OK) {
        close(fd);
        return st_rc;
    }
    size_t cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return KS_ERR_NO_MEMORY;
    }
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            OPENSSL_clear_free(buf, cap);
            close(fd);
            set_err(err, errlen, "cannot read key file %s", path);
            return KS_ERR_IO;
        }
        if (r == 0 || len + (size_t)r == cap - 1) {
            len += (size_t)r;
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *text = buf;
    return KS_OK;
}

ks_status keyfile_load(const char *path, keyfile *out, char *err, size_t errlen)
{
    if (!path || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    char *text = NULL;
    ks_status rc = read_private_file(path, &text, err, errlen);
    if (rc != KS_OK)
        return rc;
    size_t n = strlen(text);
    rc = parse_text(text, out, err, errlen);
    OPENSSL_clear_free(text, n + 1);
    if (rc != KS_OK)
        keyfile_wipe(out);
    return rc;
}

const keyfile_key *keyfile_find(const keyfile *kf, uint32_t id)
{
    if (!kf)
        return NULL;
    for (size_t i = 0; i < kf->count; i++)
        if (kf->keys[i].id == id)
            return &kf->keys[i];
    return NULL;
}

const keyfile_key *keyfile_current(const keyfile *kf)
{
    return kf && kf->count ? &kf->keys[kf->current] : NULL;
}

void keyfile_wipe(keyfile *kf)
{
    if (kf)
        OPENSSL_cleanse(kf, sizeof *kf);
}

ks_status keyfile_add_key(const char *path, uint32_t *new_id, char *err,
                          size_t errlen)
{
    if (!path)
        return KS_ERR_ARG;
    uint32_t id = 1;
    keyfile kf;
    ks_status rc = keyfile_load(path, &kf, err, errlen);
    if (rc == KS_OK) {
        id = keyfile_current(&kf)->id + 1;
        keyfile_wipe(&kf);
        if (id > 65535) {
            set_err(err, errlen, "key file has no key id left");
            return KS_ERR_TOO_LARGE;
        }
    } else if (rc != KS_ERR_NOT_FOUND || access(path, F_OK) == 0) {
        return rc; /* an existing but unusable file is never appended to */
    }
    uint8_t key[KEYFILE_KEY_LEN];
    if (RAND_bytes(key, sizeof key) != 1)
        return KS_ERR_CRYPTO;
    char line[16 + 2 * KEYFILE_KEY_LEN];
    int n = snprintf(line, sizeof line, "%u ", (unsigned)id);
    for (size_t i = 0; i < sizeof key; i++)
        n += snprintf(line + n, sizeof line - (size_t)n, "%02x", key[i]);
    line[n++] = '\n';
    OPENSSL_cleanse(key, sizeof key);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        OPENSSL_cleanse(line, sizeof line);
        set_err(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
        return KS_ERR_IO;
    }
    ssize_t w = write(fd, line, (size_t)n);
    int sync_rc = fsync(fd);
    close(fd);
    OPENSSL_cleanse(line, sizeof line);
    if (w != n || sync_rc != 0) {
        set_err(err, errlen, "cannot write key file %s", path);
        return KS_ERR_IO;
    }
    if (new_id)
        *new_id = id;
    return KS_OK;
}
