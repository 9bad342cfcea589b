#include "vc_link.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#define POLL_SLICE_MS 200

ks_status vc_link_parse_endpoint(const char *s, char *host, size_t host_cap, char *port,
                                 size_t port_cap)
{
    if (!s || !host || !port)
        return KS_ERR_ARG;
    const char *h = s, *colon;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return KS_ERR_MALFORMED;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || strchr(s, ':') != colon)
            return KS_ERR_MALFORMED;
        hlen = (size_t)(colon - s);
    }
    const char *p = colon + 1;
    size_t plen = strlen(p);
    if (hlen == 0 || plen == 0 || plen > 5 || hlen >= host_cap || plen >= port_cap)
        return KS_ERR_MALFORMED;
    unsigned long v = 0;
    for (size_t i = 0; i < plen; i++) {
        if (p[i] < '0' || p[i] > '9')
            return KS_ERR_MALFORMED;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return KS_ERR_MALFORMED;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return KS_OK;
}

ks_status vc_link_connect(const char *host, const char *port, int *fd)
{
    if (!host || !port || !fd)
        return KS_ERR_ARG;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return KS_ERR_ARG;
    ks_status st = KS_ERR_IO;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (s < 0)
            continue;
        /* A connect to a silent remote host must not hang the retry loop. */
        struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(s, a->ai_addr, a->ai_addrlen) == 0) {
            int one = 1;
            setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            *fd = s;
            st = KS_OK;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    return st;
}

/* Reads exactly n bytes, waiting in slices so should_stop() is honoured. */
static ks_status read_exact(int fd, uint8_t *buf, size_t n, bool (*should_stop)(void))
{
    size_t got = 0;
    while (got < n) {
        if (should_stop && should_stop())
            return KS_ERR_TIMEOUT;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, POLL_SLICE_MS);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            return KS_ERR_IO;
        }
        if (pr == 0)
            continue;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r == 0)
            return KS_ERR_REMOVED;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return errno == ECONNRESET ? KS_ERR_REMOVED : KS_ERR_IO;
        }
        got += (size_t)r;
    }
    return KS_OK;
}

ks_status vc_link_read(int fd, uint8_t *buf, size_t cap, size_t *len, bool (*should_stop)(void))
{
    if (fd < 0 || !buf || !len)
        return KS_ERR_ARG;
    uint8_t hdr[2];
    ks_status st = read_exact(fd, hdr, 2, should_stop);
    if (st != KS_OK)
        return st;
    size_t n = ((size_t)hdr[0] << 8) | hdr[1];
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    st = read_exact(fd, buf, n, should_stop);
    if (st == KS_OK)
        *len = n;
    return st;
}

static ks_status write_all(int fd, const uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(fd, buf + done, n - done, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return (errno == EPIPE || errno == ECONNRESET) ? KS_ERR_REMOVED : KS_ERR_IO;
        }
        done += (size_t)w;
    }
    return KS_OK;
}

ks_status vc_link_write(int fd, const uint8_t *buf, size_t len)
{
    if (fd < 0 || (len && !buf) || len > VC_LINK_MAX_FRAME)
        return KS_ERR_ARG;
    uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    ks_status st = write_all(fd, hdr, 2);
    if (st == KS_OK && len)
        st = write_all(fd, buf, len);
    return st;
}

void vc_link_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
