#define _DEFAULT_SOURCE /* cfmakeraw */
#include "qr_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "qr_line.h"
#include "vendor_link.h"

struct qr_serial {
    char *device;
    bool vendor;     /* the reader firmware's vendor channel, not a module */
    qr_serial_fn on_text;
    void *ctx;
    pthread_t thread;
    atomic_int stop;
    atomic_size_t dropped;
    qr_rx rx;
};

static const unsigned char TRIGGER[] = {QR_SYN, 'T', '\r'};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_raw(const char *device)
{
    int fd = open(device, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        cfsetispeed(&tio, B9600); /* the modules' factory default */
        cfsetospeed(&tio, B9600);
        tcsetattr(fd, TCSANOW, &tio);
    }
    return fd;
}

static void pause_ms(qr_serial *q, long ms)
{
    for (long waited = 0; waited < ms && !atomic_load(&q->stop); waited += 100)
        usleep(100 * 1000);
}

static void deliver(qr_serial *q, const uint8_t *text, size_t len)
{
    char line[QR_TEXT_MAX + 1];
    if (len > QR_TEXT_MAX)
        return; /* the firmware never sends more; a longer frame is not a CCCD QR */
    memcpy(line, text, len);
    line[len] = '\0';
    q->on_text(q->ctx, line, len);
    memset(line, 0, sizeof line);
}

static bool on_vendor_frame(const vendor_frame *f, void *ctx, int *rc)
{
    qr_serial *q = ctx;
    if (f->type == VENDOR_QR_TEXT) {
        deliver(q, f->payload, f->len);
        *rc = VLINK_OK;
        return true;
    }
    if (f->type == VENDOR_QR_ERROR) {
        if (f->len >= 1 && f->payload[0] != QR_ERR_TIMEOUT)
            atomic_fetch_add(&q->dropped, 1); /* a bad line; "nothing in view" is normal */
        *rc = VLINK_FAIL;
        return true;
    }
    return false;
}

/* The reader firmware scans when asked (QR_SCAN) and answers QR_TEXT or,
 * after its scan timeout, QR_ERROR: ask again at once, so it keeps
 * scanning; after a code, pause as the module loop does. */
static void vendor_loop(qr_serial *q)
{
    vlink l;
    bool open = false;
    while (!atomic_load(&q->stop)) {
        if (!open) {
            if (vlink_open(&l, q->device) != 0) {
                pause_ms(q, 1000);
                continue;
            }
            l.stop = &q->stop;
            open = true;
        }
        int rc = vlink_transact(&l, vlink_now_ms() + 8000, VENDOR_QR_SCAN, NULL, 0, on_vendor_frame, q);
        if (rc == VLINK_TTY) {
            vlink_close(&l);
            open = false;
            pause_ms(q, 1000);
        } else if (rc == VLINK_OK) {
            pause_ms(q, QR_SERIAL_RETRIGGER_MS);
        }
    }
    if (open)
        vlink_close(&l);
}

static void *qr_thread(void *arg)
{
    qr_serial *q = arg;
    if (q->vendor) {
        vendor_loop(q);
        return NULL;
    }
    int fd = -1;
    long long last_trigger = 0;
    while (!atomic_load(&q->stop)) {
        if (fd < 0) {
            fd = open_raw(q->device);
            if (fd < 0) {
                usleep(1000 * 1000);
                continue;
            }
            qr_rx_reset(&q->rx);
            last_trigger = 0;
        }
        if (now_ms() - last_trigger >= QR_SERIAL_RETRIGGER_MS) {
            if (write(fd, TRIGGER, sizeof TRIGGER) < 0 && errno != EAGAIN) {
                close(fd);
                fd = -1;
                continue;
            }
            last_trigger = now_ms();
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 200);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        unsigned char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0 || (p.revents & (POLLHUP | POLLERR))) {
            if (n < 0 && errno == EINTR)
                continue;
            close(fd); /* the module went away: reopen it */
            fd = -1;
            continue;
        }
        for (ssize_t i = 0; i < n; i++) {
            qr_error err = QR_ERR_NONE;
            qr_event ev = qr_rx_byte(&q->rx, buf[i], &err);
            if (ev == QR_EV_TEXT) {
                size_t len = 0;
                const uint8_t *text = qr_rx_text(&q->rx, &len);
                deliver(q, text, len);
                last_trigger = now_ms(); /* the next scan after the usual pause */
            } else if (ev == QR_EV_ERROR) {
                atomic_fetch_add(&q->dropped, 1);
            }
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static ks_status start(const char *device, bool vendor, qr_serial_fn on_text, void *ctx,
                       qr_serial **out)
{
    if (!device || !on_text || !out)
        return KS_ERR_ARG;
    qr_serial *q = calloc(1, sizeof *q);
    if (!q)
        return KS_ERR_NO_MEMORY;
    q->vendor = vendor;
    q->device = strdup(device);
    q->on_text = on_text;
    q->ctx = ctx;
    qr_rx_init(&q->rx);
    if (!q->device || pthread_create(&q->thread, NULL, qr_thread, q) != 0) {
        free(q->device);
        free(q);
        return KS_ERR_NO_MEMORY;
    }
    *out = q;
    return KS_OK;
}

ks_status qr_serial_start(const char *device, qr_serial_fn on_text, void *ctx, qr_serial **out)
{
    return start(device, false, on_text, ctx, out);
}

ks_status qr_serial_start_vendor(const char *device, qr_serial_fn on_text, void *ctx,
                                 qr_serial **out)
{
    return start(device, true, on_text, ctx, out);
}

void qr_serial_stop(qr_serial *q)
{
    if (!q)
        return;
    atomic_store(&q->stop, 1);
    pthread_join(q->thread, NULL);
    qr_rx_reset(&q->rx);
    free(q->device);
    free(q);
}

size_t qr_serial_dropped(const qr_serial *q)
{
    return atomic_load(&((qr_serial *)q)->dropped);
}
