/*
 * tokens.c — client tokens and the role a presented token grants.
 *
 * Tokens are kept only as SHA-256 digests: comparing fixed-size digests with
 * CRYPTO_memcmp takes the same time whatever the presented token's length or
 * content, and a core dump holds no usable token.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "api_internal.h"

#define TOKENS_FILE_MAX (64 * 1024)
#define TOKENS_MAX 256
#define TOKEN_MIN_LEN 16
#define TOKEN_MAX_LEN 512
#define TOKEN_NAME_MAX 64

struct api_tokens {
    size_t n;
    unsigned char digest[TOKENS_MAX][API_DIGEST_LEN];
};

bool api_token_digest(const char *token, size_t len, unsigned char out[API_DIGEST_LEN])
{
    unsigned int outlen = 0;
    return EVP_Digest(token, len, out, &outlen, EVP_sha256(), NULL) == 1 &&
           outlen == API_DIGEST_LEN;
}

static bool visible_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

static ks_status read_small_file(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    for (;;) {
        if (n == cap)
            return KS_ERR_TOO_LARGE;
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return KS_ERR_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return KS_OK;
}

/* One line: blank, a '#' comment, or exactly "NAME TOKEN". */
static ks_status parse_line(char *line, api_tokens *t)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#')
        return KS_OK;
    char *fields[3] = {NULL, NULL, NULL};
    size_t nf = 0;
    while (*p != '\0') {
        if (nf == 3)
            return KS_ERR_MALFORMED;
        fields[nf++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        if (*p != '\0')
            *p++ = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (nf != 2)
        return KS_ERR_MALFORMED;
    size_t name_len = strlen(fields[0]), tok_len = strlen(fields[1]);
    if (name_len > TOKEN_NAME_MAX || !visible_ascii(fields[0], name_len))
        return KS_ERR_MALFORMED;
    if (tok_len < TOKEN_MIN_LEN || tok_len > TOKEN_MAX_LEN || !visible_ascii(fields[1], tok_len))
        return KS_ERR_MALFORMED;
    if (t->n == TOKENS_MAX)
        return KS_ERR_TOO_LARGE;
    if (!api_token_digest(fields[1], tok_len, t->digest[t->n]))
        return KS_ERR_CRYPTO;
    t->n++;
    return KS_OK;
}

static ks_status parse_tokens(char *text, size_t len, api_tokens *t, size_t *bad_line)
{
    size_t line_no = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        line_no++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl ? nl : end;
        if (line_end > p && line_end[-1] == '\r')
            line_end--;
        if (memchr(p, '\0', (size_t)(line_end - p))) {
            *bad_line = line_no;
            return KS_ERR_MALFORMED;
        }
        *line_end = '\0';
        ks_status st = parse_line(p, t);
        if (st != KS_OK) {
            *bad_line = line_no;
            return st;
        }
        p = nl ? nl + 1 : end;
    }
    return KS_OK;
}

ks_status api_tokens_load(const char *path, api_tokens **out, char *err, size_t err_cap)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot open the tokens file: %s", strerror(errno));
        return KS_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, err_cap, "the tokens file is not a regular file");
        return KS_ERR_ARG;
    }
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        close(fd);
        snprintf(err, err_cap, "the tokens file must not be readable or writable by others "
                               "(chmod o-rw)");
        return KS_ERR_ARG;
    }
    char *text = malloc(TOKENS_FILE_MAX + 1);
    api_tokens *t = calloc(1, sizeof *t);
    if (!text || !t) {
        free(text);
        free(t);
        close(fd);
        return KS_ERR_NO_MEMORY;
    }
    size_t len = 0;
    ks_status rs = read_small_file(fd, text, TOKENS_FILE_MAX, &len);
    close(fd);
    if (rs != KS_OK) {
        snprintf(err, err_cap, rs == KS_ERR_TOO_LARGE ? "the tokens file is larger than 64 KiB"
                                                      : "cannot read the tokens file");
        OPENSSL_cleanse(text, TOKENS_FILE_MAX);
        free(text);
        free(t);
        return rs == KS_ERR_TOO_LARGE ? KS_ERR_ARG : KS_ERR_IO;
    }
    text[len] = '\0';
    size_t bad_line = 0;
    ks_status ps = parse_tokens(text, len, t, &bad_line);
    OPENSSL_cleanse(text, len);
    free(text);
    if (ps != KS_OK) {
        /* The line number only: the line itself may hold a token. */
        if (ps == KS_ERR_CRYPTO)
            snprintf(err, err_cap, "tokens file: SHA-256 unavailable");
        else if (ps == KS_ERR_TOO_LARGE)
            snprintf(err, err_cap, "tokens file: more than %d tokens", TOKENS_MAX);
        else
            snprintf(err, err_cap,
                     "tokens file line %zu: expected \"NAME TOKEN\" with a token of %d..%d "
                     "visible ASCII characters",
                     bad_line, TOKEN_MIN_LEN, TOKEN_MAX_LEN);
        free(t);
        return ps == KS_ERR_CRYPTO ? KS_ERR_CRYPTO : KS_ERR_ARG;
    }
    *out = t;
    return KS_OK;
}

void api_tokens_free(api_tokens *t)
{
    if (!t)
        return;
    OPENSSL_cleanse(t, sizeof *t);
    free(t);
}

/* The token of "Bearer TOKEN" (scheme case-insensitive, RFC 7235), or NULL. */
static const char *bearer_token(const char *authorization, size_t *len)
{
    if (!authorization || strncasecmp(authorization, "Bearer", 6) != 0)
        return NULL;
    const char *p = authorization + 6;
    if (*p != ' ')
        return NULL;
    while (*p == ' ')
        p++;
    size_t n = strnlen(p, TOKEN_MAX_LEN + 1);
    while (n > 0 && p[n - 1] == ' ')
        n--;
    if (n == 0 || n > TOKEN_MAX_LEN || !visible_ascii(p, n))
        return NULL;
    *len = n;
    return p;
}

api_role api_tokens_role(const api_tokens *clients, const unsigned char screen[API_DIGEST_LEN],
                         const char *authorization)
{
    size_t len = 0;
    const char *tok = bearer_token(authorization, &len);
    if (!tok)
        return API_ROLE_NONE;
    unsigned char d[API_DIGEST_LEN];
    if (!api_token_digest(tok, len, d))
        return API_ROLE_NONE;
    /* No early exit: the time taken says nothing about which token matched. */
    int client = 0;
    for (size_t i = 0; clients && i < clients->n; i++)
        client |= CRYPTO_memcmp(d, clients->digest[i], API_DIGEST_LEN) == 0;
    int is_screen = screen && CRYPTO_memcmp(d, screen, API_DIGEST_LEN) == 0;
    OPENSSL_cleanse(d, sizeof d);
    if (client)
        return API_ROLE_CLIENT;
    return is_screen ? API_ROLE_SCREEN : API_ROLE_NONE;
}
