/*
 * uart.c — the native board's UARTs: ptys (posix_openpt), inherited
 * descriptors, existing paths or stdio, behind the same rings as the MCU.
 *
 * The board keeps each pty's slave side open itself, so the master never
 * sees EIO while no host program has the slave open, and a host that opens,
 * closes and reopens the tty (as pcscd does) keeps working. Receive is
 * lossless here: when a ring is full the board stops reading and the
 * kernel's buffer holds the rest.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "hal_time.h"
#include "native.h"

#define RING_MASK (HAL_UART_RING_SIZE - 1u)
#define PATH_CAP 128u
#define FLUSH_SETTLE_MS 20u

typedef struct ring {
    uint32_t head;
    uint32_t tail;
    uint8_t buf[HAL_UART_RING_SIZE];
} ring;

typedef struct port {
    native_link_kind kind;
    int rfd;        /* -1 when nothing can arrive */
    int wfd;        /* -1 when output is discarded */
    int slave_fd;   /* ptys: our own hold on the slave side */
    bool opened;    /* hal_uart_open was called */
    bool rx_eof;
    char path[PATH_CAP];
    ring rx;
    ring tx;
} port;

static port ports[HAL_UART_COUNT];

static const char *const port_names[HAL_UART_COUNT] = {
    [HAL_UART_HOST] = "host", [HAL_UART_NFC] = "nfc", [HAL_UART_QR] = "qr",
    [HAL_UART_DEBUG] = "debug", [HAL_UART_VENDOR] = "vendor",
};

const char *native_uart_name(hal_uart_port p)
{
    return (unsigned)p < HAL_UART_COUNT ? port_names[p] : "?";
}

static uint32_t ring_used(const ring *r)
{
    return r->head - r->tail;
}

static ks_status make_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return KS_ERR_IO;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t) == 0 ? KS_OK : KS_ERR_IO;
}

static ks_status set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return KS_ERR_IO;
    return KS_OK;
}

static ks_status open_pty(port *p)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0)
        return KS_ERR_IO;
    const char *name = NULL;
    if (grantpt(m) != 0 || unlockpt(m) != 0 || (name = ptsname(m)) == NULL ||
        strlen(name) >= sizeof p->path) {
        close(m);
        return KS_ERR_IO;
    }
    memcpy(p->path, name, strlen(name) + 1u);
    int s = open(p->path, O_RDWR | O_NOCTTY);
    if (s < 0 || make_raw(s) != KS_OK || set_nonblock(m) != KS_OK) {
        if (s >= 0)
            close(s);
        close(m);
        return KS_ERR_IO;
    }
    p->rfd = p->wfd = m;
    p->slave_fd = s;
    return KS_OK;
}

static ks_status parse_fd(const char *text, int *fd)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 0 || v > 65535)
        return KS_ERR_ARG;
    if (fcntl((int)v, F_GETFD) < 0)
        return KS_ERR_IO;
    *fd = (int)v;
    return KS_OK;
}

static ks_status connect_port(port *p, native_link_kind kind, const char *arg)
{
    p->kind = kind;
    p->rfd = p->wfd = p->slave_fd = -1;
    switch (kind) {
    case NATIVE_LINK_NONE:
        return KS_OK;
    case NATIVE_LINK_PTY:
        return open_pty(p);
    case NATIVE_LINK_STDIO:
        p->rfd = STDIN_FILENO;
        p->wfd = STDOUT_FILENO;
        break;
    case NATIVE_LINK_FD: {
        int fd;
        ks_status st = parse_fd(arg, &fd);
        if (st != KS_OK)
            return st;
        p->rfd = p->wfd = fd;
        break;
    }
    case NATIVE_LINK_PATH: {
        if (arg == NULL || strlen(arg) >= sizeof p->path)
            return KS_ERR_ARG;
        int fd = open(arg, O_RDWR | O_NOCTTY);
        if (fd < 0)
            return KS_ERR_IO;
        memcpy(p->path, arg, strlen(arg) + 1u);
        if (isatty(fd))
            (void)make_raw(fd);
        p->rfd = p->wfd = fd;
        break;
    }
    }
    if (set_nonblock(p->rfd) != KS_OK || set_nonblock(p->wfd) != KS_OK)
        return KS_ERR_IO;
    return KS_OK;
}

static ks_status write_pty_file(const char *file)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", file);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return KS_ERR_ARG;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return KS_ERR_IO;
    for (unsigned i = 0; i < HAL_UART_COUNT; i++) {
        if (ports[i].kind == NATIVE_LINK_PTY)
            fprintf(f, "%s %s\n", port_names[i], ports[i].path);
    }
    /* Renamed into place so a waiting test never reads half a file. */
    if (fclose(f) != 0 || rename(tmp, file) != 0)
        return KS_ERR_IO;
    return KS_OK;
}

ks_status native_uart_setup(const native_link_kind kinds[HAL_UART_COUNT],
                            const char *const args[HAL_UART_COUNT], const char *pty_file)
{
    for (unsigned i = 0; i < HAL_UART_COUNT; i++) {
        ks_status st = connect_port(&ports[i], kinds[i], args[i]);
        if (st != KS_OK) {
            fprintf(stderr, "kiosk-reader-native: cannot connect uart %s: %s\n", port_names[i],
                    ks_status_str(st));
            return st;
        }
        if (kinds[i] == NATIVE_LINK_PTY)
            fprintf(stderr, "uart %s %s\n", port_names[i], ports[i].path);
    }
    if (pty_file != NULL)
        return write_pty_file(pty_file);
    return KS_OK;
}

static void tx_push(port *p)
{
    while (ring_used(&p->tx) > 0u && p->wfd >= 0) {
        uint32_t start = p->tx.tail & RING_MASK;
        uint32_t chunk = ring_used(&p->tx);
        if (chunk > HAL_UART_RING_SIZE - start)
            chunk = HAL_UART_RING_SIZE - start;
        ssize_t n = write(p->wfd, p->tx.buf + start, chunk);
        if (n > 0) {
            p->tx.tail += (uint32_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        p->tx.tail = p->tx.head; /* the link is gone: output is discarded */
        return;
    }
    if (p->wfd < 0)
        p->tx.tail = p->tx.head;
}

static void rx_pull(port *p)
{
    while (!p->rx_eof && ring_used(&p->rx) < HAL_UART_RING_SIZE) {
        uint32_t start = p->rx.head & RING_MASK;
        uint32_t room = HAL_UART_RING_SIZE - ring_used(&p->rx);
        if (room > HAL_UART_RING_SIZE - start)
            room = HAL_UART_RING_SIZE - start;
        ssize_t n = read(p->rfd, p->rx.buf + start, room);
        if (n > 0) {
            p->rx.head += (uint32_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            p->rx_eof = true; /* end of input: stop polling this descriptor */
        return;
    }
}

void native_uart_pump(uint32_t timeout_ms)
{
    struct pollfd fds[2u * HAL_UART_COUNT];
    port *owners[2u * HAL_UART_COUNT];
    nfds_t n = 0;
    for (unsigned i = 0; i < HAL_UART_COUNT; i++) {
        port *p = &ports[i];
        tx_push(p);
        if (p->rfd >= 0 && !p->rx_eof && ring_used(&p->rx) < HAL_UART_RING_SIZE) {
            fds[n] = (struct pollfd){.fd = p->rfd, .events = POLLIN};
            owners[n++] = p;
        }
        if (p->wfd >= 0 && ring_used(&p->tx) > 0u) {
            fds[n] = (struct pollfd){.fd = p->wfd, .events = POLLOUT};
            owners[n++] = p;
        }
    }
    int timeout = timeout_ms > 1000u ? 1000 : (int)timeout_ms;
    int ready = poll(fds, n, timeout);
    if (ready <= 0)
        return;
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].revents == 0)
            continue;
        if (fds[i].events & POLLIN)
            rx_pull(owners[i]);
        else
            tx_push(owners[i]);
    }
}

/* Bytes written to a pty but not yet read by the program on its slave side:
 * they would be lost when the process exits and the master closes. */
static bool pty_unread(const port *p)
{
    int queued = 0;
    return p->slave_fd >= 0 && ioctl(p->slave_fd, FIONREAD, &queued) == 0 && queued > 0;
}

void native_uart_flush_all(uint32_t timeout_ms)
{
    uint32_t start = hal_time_ms();
    unsigned quiet_checks = 0u;
    for (;;) {
        bool pending = false;
        for (unsigned i = 0; i < HAL_UART_COUNT; i++) {
            tx_push(&ports[i]);
            pending |= ring_used(&ports[i].tx) > 0u || pty_unread(&ports[i]);
        }
        if (hal_time_elapsed(start, timeout_ms))
            return;
        /* The kernel moves pty data to the slave's queue asynchronously, so
         * "nothing unread" must hold twice, a little apart. */
        if (!pending && ++quiet_checks >= 2u)
            return;
        if (pending)
            quiet_checks = 0u;
        native_uart_pump(pending ? 5u : 0u);
        if (!pending)
            hal_time_delay_ms(FLUSH_SETTLE_MS);
    }
}

static port *port_get(hal_uart_port p)
{
    if ((unsigned)p >= HAL_UART_COUNT || !ports[p].opened)
        return NULL;
    return &ports[p];
}

ks_status hal_uart_open(hal_uart_port p, uint32_t baud)
{
    if ((unsigned)p >= HAL_UART_COUNT || baud == 0u)
        return KS_ERR_ARG;
    /* The baud rate means nothing on a pty; the rings are emptied as on the MCU. */
    memset(&ports[p].rx, 0, sizeof ports[p].rx);
    memset(&ports[p].tx, 0, sizeof ports[p].tx);
    ports[p].opened = true;
    return KS_OK;
}

size_t hal_uart_write(hal_uart_port pn, const uint8_t *data, size_t len)
{
    port *p = port_get(pn);
    if (p == NULL || (data == NULL && len > 0u))
        return 0u;
    size_t room = HAL_UART_RING_SIZE - ring_used(&p->tx);
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++) {
        p->tx.buf[p->tx.head & RING_MASK] = data[i];
        p->tx.head++;
    }
    tx_push(p);
    return n;
}

ks_status hal_uart_write_all(hal_uart_port pn, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    port *p = port_get(pn);
    if (p == NULL || (data == NULL && len > 0u))
        return KS_ERR_ARG;
    uint32_t start = hal_time_ms();
    size_t done = 0u;
    while (done < len) {
        done += hal_uart_write(pn, data + done, len - done);
        if (done == len)
            break;
        if (hal_time_elapsed(start, timeout_ms))
            return KS_ERR_TIMEOUT;
        native_uart_pump(1u);
    }
    return KS_OK;
}

ks_status hal_uart_read(hal_uart_port pn, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms)
{
    if (got != NULL)
        *got = 0u;
    port *p = port_get(pn);
    if (p == NULL || buf == NULL || got == NULL || cap == 0u)
        return KS_ERR_ARG;
    uint32_t start = hal_time_ms();
    if (ring_used(&p->rx) == 0u && p->rfd >= 0)
        rx_pull(p);
    while (ring_used(&p->rx) == 0u) {
        uint32_t spent = hal_time_ms() - start;
        if (spent >= timeout_ms)
            return KS_ERR_TIMEOUT;
        native_uart_pump(timeout_ms - spent);
    }
    size_t n = 0u;
    while (n < cap && ring_used(&p->rx) > 0u) {
        buf[n++] = p->rx.buf[p->rx.tail & RING_MASK];
        p->rx.tail++;
    }
    *got = n;
    return KS_OK;
}

size_t hal_uart_rx_available(hal_uart_port pn)
{
    port *p = port_get(pn);
    if (p == NULL)
        return 0u;
    if (p->rfd >= 0)
        rx_pull(p);
    return ring_used(&p->rx);
}

void hal_uart_rx_flush(hal_uart_port pn)
{
    port *p = port_get(pn);
    if (p == NULL)
        return;
    if (p->rfd >= 0)
        rx_pull(p);
    p->rx.tail = p->rx.head;
}

bool hal_uart_tx_idle(hal_uart_port pn)
{
    port *p = port_get(pn);
    if (p == NULL)
        return true;
    tx_push(p);
    return ring_used(&p->tx) == 0u;
}

ks_status hal_uart_tx_drain(hal_uart_port pn, uint32_t timeout_ms)
{
    uint32_t start = hal_time_ms();
    while (!hal_uart_tx_idle(pn)) {
        if (hal_time_elapsed(start, timeout_ms))
            return KS_ERR_TIMEOUT;
        native_uart_pump(1u);
    }
    return KS_OK;
}

uint32_t hal_uart_rx_dropped(hal_uart_port pn)
{
    (void)pn;
    return 0u; /* lossless: a full ring leaves bytes in the kernel */
}
