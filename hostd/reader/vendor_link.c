#define _DEFAULT_SOURCE /* cfmakeraw */
#include "vendor_link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

long vlink_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int vlink_open(vlink *l, const char *tty)
{
    memset(l, 0, sizeof *l);
    vendor_rx_init(&l->rx);
    l->seq = (uint8_t)(vlink_now_ms() & 0xFF); /* a fresh seq is never taken for a repeat */
    l->fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (l->fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(l->fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, B115200);
        cfsetospeed(&t, B115200);
        (void)tcsetattr(l->fd, TCSANOW, &t);
    }
    return 0;
}

void vlink_close(vlink *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            (void)poll(&pf, 1, 50);
            continue;
        }
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool send_frame(vlink *l, uint8_t type, uint8_t seq, const uint8_t *p, size_t len)
{
    uint8_t buf[VENDOR_MAX_FRAME];
    size_t n = 0;
    return vendor_build(type, seq, p, len, buf, sizeof buf, &n) == KS_OK && write_all(l->fd, buf, n);
}

static bool stopped(const vlink *l)
{
    return l->stop && atomic_load(l->stop);
}

int vlink_next(vlink *l, long wait_ms, vendor_frame *f)
{
    long until = vlink_now_ms() + wait_ms;
    for (;;) {
        long left = until - vlink_now_ms();
        if (left <= 0 || stopped(l))
            return 0;
        struct pollfd pf = {.fd = l->fd, .events = POLLIN};
        int r = poll(&pf, 1, (int)(left < 200 ? left : 200)); /* notice stop within 200 ms */
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        uint8_t b;
        ssize_t n = read(l->fd, &b, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return -1;
        if (vendor_rx_byte(&l->rx, b) != VENDOR_RX_FRAME || vendor_rx_frame(&l->rx, f) != KS_OK)
            continue;
        if (f->type != VENDOR_ACK) {
            const uint8_t ack[2] = {f->seq, 0};
            if (!send_frame(l, VENDOR_ACK, l->seq++, ack, sizeof ack))
                return -1;
        }
        return 1;
    }
}

int vlink_transact(vlink *l, long deadline_ms, uint8_t type, const uint8_t *payload, size_t len,
                   vlink_frame_fn cb, void *ctx)
{
    uint8_t seq = l->seq++;
    bool acked = false;
    long resend = 0;
    for (;;) {
        long t = vlink_now_ms();
        if (stopped(l))
            return VLINK_STOPPED;
        if (t >= deadline_ms)
            return VLINK_TIMEOUT;
        if (!acked && t >= resend) {
            if (!send_frame(l, type, seq, payload, len))
                return VLINK_TTY;
            resend = t + VLINK_RETRY_MS;
        }
        long wait = (acked ? deadline_ms : (resend < deadline_ms ? resend : deadline_ms)) - t;
        vendor_frame f;
        int r = vlink_next(l, wait > 0 ? wait : 1, &f);
        if (r < 0)
            return VLINK_TTY;
        if (r == 0)
            continue;
        if (f.type == VENDOR_ACK && f.len >= 2 && f.payload[0] == seq && !acked) {
            acked = true;
            if (f.payload[1] != 0) {
                l->refused = f.payload[1];
                return VLINK_FAIL;
            }
            if (cb == NULL)
                return VLINK_OK;
            continue;
        }
        int rc = VLINK_OK;
        if (acked && cb != NULL && cb(&f, ctx, &rc))
            return rc;
    }
}

const char *vlink_qr_reason(uint8_t why)
{
    switch (why) {
    case 1: return "no code decoded in time";
    case 2: return "the scanner sent an overlong line";
    case 3: return "the scanner sent text that is not UTF-8";
    case 4: return "the scanner's line had no suffix";
    case 5: return "the scanner link failed";
    default: return "unknown reason";
    }
}
