#include "mkc_util.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/objects.h>

static char last_error[512];

ks_status mkc_bytes_alloc(mkc_bytes *b, size_t len)
{
    b->data = calloc(1, len ? len : 1);
    b->len = 0;
    if (!b->data)
        return mkc_fail(KS_ERR_NO_MEMORY, "cannot allocate %zu bytes", len);
    b->len = len;
    return KS_OK;
}

void mkc_bytes_free(mkc_bytes *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

ks_status mkc_bytes_from_writer(const tlv_writer *w, mkc_bytes *out)
{
    ks_status st = tlv_writer_status(w);
    if (st != KS_OK)
        return mkc_fail(st, "encoding overflowed its buffer");
    st = mkc_bytes_alloc(out, w->len);
    if (st == KS_OK)
        memcpy(out->data, w->buf, w->len);
    return st;
}

static void vrecord(const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

ks_status mkc_fail(ks_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(fmt, ap);
    va_end(ap);
    return st;
}

ks_status mkc_fail_ssl(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(fmt, ap);
    va_end(ap);
    /* The newest error is usually the most specific one. */
    unsigned long e, newest = 0;
    while ((e = ERR_get_error()) != 0)
        newest = e;
    if (newest) {
        char reason[200];
        ERR_error_string_n(newest, reason, sizeof reason);
        size_t used = strlen(last_error);
        snprintf(last_error + used, sizeof last_error - used, " (%s)", reason);
    }
    return KS_ERR_CRYPTO;
}

const char *mkc_last_error(void)
{
    return last_error;
}

void mkc_clear_error(void)
{
    last_error[0] = '\0';
}

ks_status mkc_read_file(const char *path, size_t max, mkc_bytes *out)
{
    out->data = NULL;
    out->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mkc_fail(KS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return mkc_fail(KS_ERR_IO, "%s is not a regular file", path);
    }
    if (sb.st_size < 0 || (uintmax_t)sb.st_size > max) {
        close(fd);
        return mkc_fail(KS_ERR_TOO_LARGE, "%s is larger than %zu bytes", path, max);
    }
    size_t size = (size_t)sb.st_size;
    ks_status st = mkc_bytes_alloc(out, size);
    if (st != KS_OK) {
        close(fd);
        return st;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, out->data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            mkc_bytes_free(out);
            return mkc_fail(KS_ERR_IO, "cannot read %s", path);
        }
        got += (size_t)n;
    }
    close(fd);
    return KS_OK;
}

static ks_status join_path(const char *dir, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return mkc_fail(KS_ERR_TOO_LARGE, "path too long");
    return KS_OK;
}

ks_status mkc_write_file(const char *dir, const char *name, const uint8_t *data,
                         size_t len, mode_t mode)
{
    char path[4096];
    ks_status st = join_path(dir, name, path, sizeof path);
    if (st != KS_OK)
        return st;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return mkc_fail(KS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    /* An existing file keeps its old mode through O_CREAT; secrets must not. */
    if (fchmod(fd, mode) != 0) {
        close(fd);
        return mkc_fail(KS_ERR_IO, "cannot set the mode of %s", path);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return mkc_fail(KS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        }
        done += (size_t)n;
    }
    if (close(fd) != 0)
        return mkc_fail(KS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return KS_OK;
}

ks_status mkc_remove_file(const char *dir, const char *name)
{
    char path[4096];
    ks_status st = join_path(dir, name, path, sizeof path);
    if (st != KS_OK)
        return st;
    if (unlink(path) != 0 && errno != ENOENT)
        return mkc_fail(KS_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    return KS_OK;
}

static ks_status mkdir_one(const char *path)
{
    if (mkdir(path, 0755) == 0)
        return KS_OK;
    struct stat sb;
    if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return KS_OK;
    return mkc_fail(KS_ERR_IO, "cannot create directory %s: %s", path, strerror(errno));
}

ks_status mkc_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return mkc_fail(KS_ERR_ARG, "bad directory path");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        ks_status st = mkdir_one(buf);
        buf[i] = '/';
        if (st != KS_OK)
            return st;
    }
    return mkdir_one(buf);
}

void mkc_put_oid(tlv_writer *w, const char *dotted)
{
    if (w->status != KS_OK)
        return;
    ASN1_OBJECT *obj = OBJ_txt2obj(dotted, 1);
    unsigned char *der = NULL;
    int n = obj ? i2d_ASN1_OBJECT(obj, &der) : -1;
    if (n <= 0)
        w->status = KS_ERR_CRYPTO;
    else
        tlv_put_raw(w, der, (size_t)n);
    OPENSSL_free(der);
    ASN1_OBJECT_free(obj);
}

void mkc_put_uint(tlv_writer *w, uint32_t v)
{
    uint8_t be[5];
    size_t n = 0;
    /* Big-endian, minimal, with a leading zero when the top bit would be set. */
    for (int shift = 24; shift >= 0; shift -= 8) {
        uint8_t byte = (uint8_t)(v >> shift);
        if (n == 0 && byte == 0 && shift != 0)
            continue;
        if (n == 0 && (byte & 0x80u))
            be[n++] = 0;
        be[n++] = byte;
    }
    tlv_put(w, 0x02, be, n);
}

bool mkc_utf8_valid(const char *s)
{
    /* Profile text: UTF-8 without control characters. */
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return false;
    return utf8_valid((const uint8_t *)s, n);
}
