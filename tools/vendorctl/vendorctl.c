/*
 * kiosk-vendorctl — the host end of the reader's vendor channel on a tty.
 *
 * usage: kiosk-vendorctl --tty PATH [--timeout S] COMMAND
 *   wait-qr [--no-trigger]   ask for a scan (QR_SCAN) unless --no-trigger,
 *                            print the QR text (one line) on stdout
 *   led ID MODE [PERIOD]     ID 0 ready, 1 busy, 2 error; MODE off|on|blink;
 *                            PERIOD in 10 ms units (blink)
 *   buzzer MS [HZ]
 *   status                   print "card_present=0|1 card_active=... scanner_ok=...
 *                            nfc_ok=... version=MAJOR.MINOR"
 * Every frame the reader sends is acknowledged; our commands are repeated
 * every 200 ms until the reader acknowledges them (same seq).
 * Exit: 0 ok, 1 the reader reported a failure (scan error, refused command),
 * 2 usage, 3 timeout, 4 tty error. The QR text is personal data: it goes to
 * stdout only, never to stderr.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vendor.h"

/* Types beyond common/vendor.h; see docs/vendor-channel.md. */
#define VC_QR_ERROR 0x06u
#define VC_QR_SCAN 0x07u
#define RETRY_MS 200
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_TIMEOUT 3
#define EXIT_TTY 4

typedef struct chan {
    int fd;
    uint8_t seq;
    vendor_rx rx;
    long deadline_ms;
} chan;

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int usage(void)
{
    fputs("usage: kiosk-vendorctl --tty PATH [--timeout S] COMMAND\n"
          "  wait-qr [--no-trigger] | led ID off|on|blink [PERIOD] | buzzer MS [HZ] | status\n",
          stderr);
    return EXIT_USAGE;
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

static bool send_frame(chan *c, uint8_t type, uint8_t seq, const uint8_t *p, size_t len)
{
    uint8_t buf[VENDOR_MAX_FRAME];
    size_t n = 0;
    return vendor_build(type, seq, p, len, buf, sizeof buf, &n) == KS_OK && write_all(c->fd, buf, n);
}

/* Waits up to wait_ms for one good frame from the reader; acknowledges it
 * unless it is an ACK. 1: frame, 0: nothing in time, -1: tty error. */
static int next_frame(chan *c, long wait_ms, vendor_frame *f)
{
    long until = now_ms() + wait_ms;
    for (;;) {
        long left = until - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pf = {.fd = c->fd, .events = POLLIN};
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        uint8_t b;
        ssize_t n = read(c->fd, &b, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return -1;
        if (vendor_rx_byte(&c->rx, b) != VENDOR_RX_FRAME || vendor_rx_frame(&c->rx, f) != KS_OK)
            continue;
        if (f->type != VENDOR_ACK) {
            const uint8_t ack[2] = {f->seq, 0};
            if (!send_frame(c, VENDOR_ACK, c->seq++, ack, sizeof ack))
                return -1;
        }
        return 1;
    }
}

typedef bool (*frame_cb)(const vendor_frame *f, void *ctx, int *rc);

/* Sends a command until acknowledged, then (when cb is given) waits for the
 * frame cb accepts. Frames before the ACK also go to cb. */
static int transact(chan *c, uint8_t type, const uint8_t *p, size_t len, frame_cb cb, void *ctx)
{
    uint8_t seq = c->seq++;
    bool acked = false;
    long resend = 0;
    for (;;) {
        long t = now_ms();
        if (t >= c->deadline_ms)
            return EXIT_TIMEOUT;
        if (!acked && t >= resend) {
            if (!send_frame(c, type, seq, p, len))
                return EXIT_TTY;
            resend = t + RETRY_MS;
        }
        long wait = (acked ? c->deadline_ms : (resend < c->deadline_ms ? resend : c->deadline_ms)) - t;
        vendor_frame f;
        int r = next_frame(c, wait > 0 ? wait : 1, &f);
        if (r < 0)
            return EXIT_TTY;
        if (r == 0)
            continue;
        if (f.type == VENDOR_ACK && f.len >= 2 && f.payload[0] == seq && !acked) {
            acked = true;
            if (f.payload[1] != 0) {
                fprintf(stderr, "kiosk-vendorctl: the reader refused the command (result %u)\n",
                        f.payload[1]);
                return EXIT_FAIL;
            }
            if (cb == NULL)
                return 0;
            continue;
        }
        int rc = 0;
        if (acked && cb != NULL && cb(&f, ctx, &rc))
            return rc;
    }
}

static const char *qr_reason(uint8_t why)
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

static bool on_qr(const vendor_frame *f, void *ctx, int *rc)
{
    (void)ctx;
    if (f->type == VENDOR_QR_TEXT) {
        fwrite(f->payload, 1, f->len, stdout);
        fputc('\n', stdout);
        *rc = fflush(stdout) == 0 ? 0 : EXIT_FAIL;
        return true;
    }
    if (f->type == VC_QR_ERROR) {
        fprintf(stderr, "kiosk-vendorctl: scan failed: %s\n",
                qr_reason(f->len >= 1 ? f->payload[0] : 0));
        *rc = EXIT_FAIL;
        return true;
    }
    return false;
}

static bool on_status(const vendor_frame *f, void *ctx, int *rc)
{
    (void)ctx;
    if (f->type != VENDOR_STATUS || f->len < 3)
        return false;
    uint8_t fl = f->payload[0];
    printf("card_present=%d card_active=%d scanner_ok=%d nfc_ok=%d version=%u.%u\n", fl & 1,
           (fl >> 1) & 1, (fl >> 2) & 1, (fl >> 3) & 1, f->payload[1], f->payload[2]);
    *rc = 0;
    return true;
}

/* Waits for a QR without triggering: only frames matter. */
static int wait_qr_passive(chan *c)
{
    for (;;) {
        long left = c->deadline_ms - now_ms();
        if (left <= 0)
            return EXIT_TIMEOUT;
        vendor_frame f;
        int r = next_frame(c, left, &f);
        if (r < 0)
            return EXIT_TTY;
        int rc = 0;
        if (r > 0 && on_qr(&f, NULL, &rc))
            return rc;
    }
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    if (s == NULL || *s == '\0' || *s == '-')
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static int open_tty(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, B115200);
        cfsetospeed(&t, B115200);
        (void)tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

int main(int argc, char **argv)
{
    const char *tty = NULL;
    unsigned long timeout_s = 10;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--tty") == 0 && i + 1 < argc) {
            tty = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            if (!parse_uint(argv[++i], 86400, &timeout_s))
                return usage();
        } else {
            return usage();
        }
    }
    if (tty == NULL || i >= argc)
        return usage();
    const char *cmd = argv[i++];
    int nargs = argc - i;
    char **args = argv + i;

    chan c;
    memset(&c, 0, sizeof c);
    vendor_rx_init(&c.rx);
    c.seq = (uint8_t)(now_ms() & 0xFF); /* a fresh seq is never taken for a repeat */
    c.fd = open_tty(tty);
    if (c.fd < 0) {
        fprintf(stderr, "kiosk-vendorctl: cannot open %s: %s\n", tty, strerror(errno));
        return EXIT_TTY;
    }
    c.deadline_ms = now_ms() + (long)timeout_s * 1000L;

    int rc;
    if (strcmp(cmd, "wait-qr") == 0) {
        bool trigger = true;
        if (nargs == 1 && strcmp(args[0], "--no-trigger") == 0)
            trigger = false;
        else if (nargs != 0)
            return usage();
        rc = trigger ? transact(&c, VC_QR_SCAN, NULL, 0, on_qr, NULL) : wait_qr_passive(&c);
    } else if (strcmp(cmd, "led") == 0) {
        unsigned long id, period = 50;
        uint8_t mode;
        if (nargs < 2 || nargs > 3 || !parse_uint(args[0], 2, &id))
            return usage();
        if (strcmp(args[1], "off") == 0)
            mode = 0;
        else if (strcmp(args[1], "on") == 0)
            mode = 1;
        else if (strcmp(args[1], "blink") == 0)
            mode = 2;
        else
            return usage();
        if (nargs == 3 && !parse_uint(args[2], 255, &period))
            return usage();
        const uint8_t p[3] = {(uint8_t)id, mode, (uint8_t)period};
        rc = transact(&c, VENDOR_LED_SET, p, sizeof p, NULL, NULL);
    } else if (strcmp(cmd, "buzzer") == 0) {
        unsigned long ms, hz = 0;
        if (nargs < 1 || nargs > 2 || !parse_uint(args[0], 65535, &ms) ||
            (nargs == 2 && !parse_uint(args[1], 65535, &hz)))
            return usage();
        const uint8_t p[4] = {(uint8_t)ms, (uint8_t)(ms >> 8), (uint8_t)hz, (uint8_t)(hz >> 8)};
        rc = transact(&c, VENDOR_BUZZER, p, sizeof p, NULL, NULL);
    } else if (strcmp(cmd, "status") == 0) {
        if (nargs != 0)
            return usage();
        rc = transact(&c, VENDOR_STATUS, NULL, 0, on_status, NULL);
    } else {
        return usage();
    }
    if (rc == EXIT_TIMEOUT)
        fprintf(stderr, "kiosk-vendorctl: no answer from the reader in %lu s\n", timeout_s);
    else if (rc == EXIT_TTY)
        fprintf(stderr, "kiosk-vendorctl: %s failed\n", tty);
    close(c.fd);
    return rc;
}
