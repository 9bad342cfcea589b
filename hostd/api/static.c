/*
 * static.c — the kiosk screen's files.
 *
 * Only plain names are served: every path segment is [A-Za-z0-9._-] and
 * does not start with '.', so "..", "." and dotfiles never reach the file
 * system. Each segment is opened with openat(O_NOFOLLOW) from the screen
 * directory, so no symlink is followed (in or out) and nothing can name a
 * file above the directory, whatever happens to the tree meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"

#define STATIC_FILE_MAX ((off_t)16 * 1024 * 1024)
#define STATIC_DEPTH_MAX 8
#define SEGMENT_MAX 255

static const char PLACEHOLDER[] = "{{SCREEN_TOKEN}}";

static const struct {
    const char *ext;
    const char *type;
} CONTENT_TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".woff2", "font/woff2"},
};

static const char *content_type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof CONTENT_TYPES / sizeof CONTENT_TYPES[0]; i++)
        if (strcmp(dot, CONTENT_TYPES[i].ext) == 0)
            return CONTENT_TYPES[i].type;
    return NULL;
}

static bool plain_segment(const char *s, size_t len)
{
    if (len == 0 || len > SEGMENT_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

static void not_found(api_reply *out)
{
    api_reply_error(out, 404, "not_found", "no such resource");
}

/* Walks the directories of rel (segments separated by '/') and opens the
 * last one as a file; -1 when anything is not plain, absent or a symlink. */
static int open_beneath(int root_fd, const char *rel, const char **leaf)
{
    int dir = root_fd;
    const char *p = rel;
    for (int depth = 0;; depth++) {
        if (depth == STATIC_DEPTH_MAX)
            break;
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (!plain_segment(p, len))
            break;
        char seg[SEGMENT_MAX + 1];
        memcpy(seg, p, len);
        seg[len] = '\0';
        int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (slash ? O_DIRECTORY : O_NONBLOCK);
        int fd = openat(dir, seg, flags);
        if (dir != root_fd)
            close(dir);
        if (fd < 0)
            return -1;
        if (!slash) {
            *leaf = p;
            return fd;
        }
        dir = fd;
        p = slash + 1;
    }
    if (dir != root_fd)
        close(dir);
    return -1;
}

static bool read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

static const char *find(const char *hay, size_t len, const char *needle, size_t nlen)
{
    for (size_t i = 0; len >= nlen && i <= len - nlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    return NULL;
}

/* Replaces every placeholder with token ("" removes it). */
static char *substitute_token(const char *text, size_t len, const char *token, size_t *out_len)
{
    const size_t plen = sizeof PLACEHOLDER - 1, tlen = strlen(token);
    size_t count = 0;
    for (const char *p = text; (p = find(p, len - (size_t)(p - text), PLACEHOLDER, plen));
         p += plen)
        count++;
    size_t n = len - count * plen + count * tlen;
    char *res = malloc(n + 1);
    if (!res)
        return NULL;
    char *w = res;
    const char *p = text, *end = text + len;
    for (;;) {
        const char *hit = find(p, (size_t)(end - p), PLACEHOLDER, plen);
        size_t chunk = hit ? (size_t)(hit - p) : (size_t)(end - p);
        memcpy(w, p, chunk);
        w += chunk;
        if (!hit)
            break;
        memcpy(w, token, tlen);
        w += tlen;
        p = hit + plen;
    }
    *w = '\0';
    *out_len = n;
    return res;
}

void api_static_serve(int root_fd, const char *path, const char *index_token, api_reply *out)
{
    if (root_fd < 0 || path[0] != '/') {
        not_found(out);
        return;
    }
    const char *rel = strcmp(path, "/") == 0 ? "index.html" : path + 1;
    const char *leaf = NULL;
    int fd = open_beneath(root_fd, rel, &leaf);
    const char *type = leaf ? content_type_of(leaf) : NULL;
    struct stat st;
    if (fd < 0 || !type || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > STATIC_FILE_MAX) {
        if (fd >= 0)
            close(fd);
        not_found(out);
        return;
    }
    size_t size = (size_t)st.st_size;
    char *body = malloc(size + 1);
    if (!body || !read_all(fd, body, size)) {
        free(body);
        close(fd);
        api_reply_error(out, 500, "internal", "cannot read the file");
        return;
    }
    close(fd);
    body[size] = '\0';
    if (strcmp(rel, "index.html") == 0) {
        size_t n = 0;
        char *page = substitute_token(body, size, index_token ? index_token : "", &n);
        free(body);
        if (!page) {
            api_reply_error(out, 500, "internal", "out of memory");
            return;
        }
        body = page;
        size = n;
    }
    out->status = 200;
    out->body = body;
    out->len = size;
    out->content_type = type;
}
