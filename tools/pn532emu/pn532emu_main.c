/*
 * kiosk-pn532emu — an NXP PN532 on its HSU (UART) interface with the virtual
 * eMRTD card (tools/vcard, docs/card-image.md) in its field, for libnfc's
 * pn532_uart driver and the reader firmware.
 *
 * usage: kiosk-pn532emu --card DIR [--pty-link PATH | --socket PATH]
 *                       [--uid HEX] [--fault NAME=N]... [--verbose]
 *
 * With --pty-link the emulator creates a pseudo-terminal and symlinks its
 * slave to PATH (LIBNFC_DEVICE=pn532_uart:PATH); with --socket it listens on
 * a unix stream socket and serves one client at a time. It runs until
 * SIGTERM/SIGINT (exit 0). Exit 1 when the card image or the link cannot be
 * set up, 2 on a usage error. --verbose logs command codes and lengths,
 * never APDU contents.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt and friends */
#define _DEFAULT_SOURCE   /* cfmakeraw */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "pn532_chip.h"
#include "pn532_frame.h"
#include "vc_card.h"
#include "vc_os.h"
#include "emulink.h"

typedef struct options {
    const char *card_dir;
    const char *pty_link;
    const char *socket_path;
    uint8_t uid[7];
    size_t uid_len;
    long drop_frame;    /* 1-based command frame to ignore; 0: off */
    long corrupt_frame; /* 1-based command frame answered with a bad DCS; 0: off */
    long remove_after;  /* -1: off */
    long wtx;
    bool verbose;
} options;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: kiosk-pn532emu --card DIR [--pty-link PATH | --socket PATH]\n"
            "                      [--uid HEX] [--fault NAME=N]... [--verbose]\n"
            "  --pty-link PATH   create a pty and symlink its slave to PATH\n"
            "  --socket PATH     listen on a unix socket instead\n"
            "  --uid HEX         4- or 7-byte UID (default: random, 08 xx xx xx)\n"
            "  --fault drop-frame=N     do not answer the Nth command frame\n"
            "  --fault corrupt-frame=N  answer the Nth command frame with a bad DCS\n"
            "  --fault remove-after=N   the card leaves the field after N APDUs\n"
            "  --fault wtx=N            the card sends N S(WTX) before each answer\n"
            "                           (InCommunicateThru only)\n"
            "  --verbose         log command codes and lengths to stderr\n");
}

static bool parse_fault(options *o, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq)
        return false;
    size_t n = (size_t)(eq - spec);
    const char *arg = eq + 1;
    if (n == 10 && strncmp(spec, "drop-frame", n) == 0)
        return emulink_parse_count(arg, &o->drop_frame) && o->drop_frame > 0;
    if (n == 13 && strncmp(spec, "corrupt-frame", n) == 0)
        return emulink_parse_count(arg, &o->corrupt_frame) && o->corrupt_frame > 0;
    if (n == 12 && strncmp(spec, "remove-after", n) == 0)
        return emulink_parse_count(arg, &o->remove_after);
    if (n == 3 && strncmp(spec, "wtx", n) == 0)
        return emulink_parse_count(arg, &o->wtx) && o->wtx <= 100;
    return false;
}

static bool parse_uid(const char *hex, uint8_t *out, size_t *len)
{
    size_t n = strlen(hex);
    if (n != 8 && n != 14)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
        char *end;
        v = (unsigned)strtoul(pair, &end, 16);
        if (*end)
            return false;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return true;
}

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->remove_after = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--card") == 0 && has_value) {
            o->card_dir = argv[++i];
        } else if (strcmp(a, "--pty-link") == 0 && has_value) {
            o->pty_link = argv[++i];
        } else if (strcmp(a, "--socket") == 0 && has_value) {
            o->socket_path = argv[++i];
        } else if (strcmp(a, "--uid") == 0 && has_value) {
            if (!parse_uid(argv[++i], o->uid, &o->uid_len)) {
                fprintf(stderr, "kiosk-pn532emu: --uid wants 8 or 14 hex digits\n");
                return 2;
            }
        } else if (strcmp(a, "--fault") == 0 && has_value) {
            const char *v = argv[++i];
            if (!parse_fault(o, v)) {
                fprintf(stderr, "kiosk-pn532emu: bad fault '%s'\n", v);
                usage(stderr);
                return 2;
            }
        } else if (strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else {
            fprintf(stderr, "kiosk-pn532emu: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o->card_dir || (!o->pty_link == !o->socket_path)) {
        fprintf(stderr, "kiosk-pn532emu: --card and one of --pty-link/--socket are required\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

static ks_status card_apdu(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
                           size_t *resp_len)
{
    return vc_os_process(ctx, apdu, len, resp, cap, resp_len);
}

static void card_reset(void *ctx)
{
    vc_os_reset(ctx);
}

static int open_listener(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path)
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

typedef struct emu {
    const options *opt;
    pn532_chip *chip;
    pn532_rx rx;
    unsigned long frames; /* command frames received */
    uint8_t last[PN532_MAX_FRAME]; /* last answer frame, for NACK */
    size_t last_len;
} emu;

/* One valid command frame: ACK, run it, answer (faults permitting). */
static bool on_frame(emu *e, int fd)
{
    e->frames++;
    if (e->opt->drop_frame > 0 && e->frames == (unsigned long)e->opt->drop_frame) {
        if (e->opt->verbose)
            fprintf(stderr, "kiosk-pn532emu: fault: dropping frame %lu\n", e->frames);
        return true;
    }
    if (!write_all(fd, pn532_ack_frame, sizeof pn532_ack_frame))
        return false;
    uint8_t resp[PN532_MAX_PAYLOAD];
    size_t rlen = 0;
    ks_status st = e->rx.len ? pn532_chip_command(e->chip, e->rx.data, e->rx.len, resp,
                                                  sizeof resp, &rlen)
                             : KS_ERR_UNSUPPORTED;
    if (e->opt->verbose)
        fprintf(stderr, "kiosk-pn532emu: cmd %02X (%zu bytes) -> %s, %zu bytes\n",
                e->rx.len ? e->rx.data[0] : 0, e->rx.len, ks_status_str(st), rlen);
    if (st == KS_OK)
        st = pn532_frame_encode(PN532_TFI_CHIP, resp, rlen, e->last, sizeof e->last,
                                &e->last_len);
    if (st != KS_OK) {
        memcpy(e->last, pn532_error_frame, sizeof pn532_error_frame);
        e->last_len = sizeof pn532_error_frame;
    }
    if (e->opt->corrupt_frame > 0 && e->frames == (unsigned long)e->opt->corrupt_frame) {
        uint8_t bad[PN532_MAX_FRAME];
        memcpy(bad, e->last, e->last_len);
        bad[e->last_len - 2] ^= 0x5A; /* the DCS */
        if (e->opt->verbose)
            fprintf(stderr, "kiosk-pn532emu: fault: corrupting answer to frame %lu\n", e->frames);
        return write_all(fd, bad, e->last_len);
    }
    return write_all(fd, e->last, e->last_len);
}

/* Serves one byte stream until it ends (false) or a stop is asked (true). */
static bool serve(emu *e, int fd)
{
    pn532_rx_init(&e->rx);
    uint8_t buf[512];
    while (!g_stop) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 200);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        for (ssize_t i = 0; i < n; i++) {
            switch (pn532_rx_feed(&e->rx, buf[i])) {
            case PN532_EV_FRAME:
                if (!on_frame(e, fd))
                    return false;
                break;
            case PN532_EV_NACK: /* the host asks for the last answer again */
                if (e->last_len && !write_all(fd, e->last, e->last_len))
                    return false;
                break;
            case PN532_EV_BAD:
                if (e->opt->verbose)
                    fprintf(stderr, "kiosk-pn532emu: bad frame ignored\n");
                break;
            default: /* ACK (abort) and partial frames need no answer */
                break;
            }
        }
    }
    return true;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run(const options *o, pn532_chip *chip)
{
    static emu e;
    memset(&e, 0, sizeof e);
    e.opt = o;
    e.chip = chip;
    if (o->pty_link) {
        int slave = -1;
        int m = emulink_open_pty(o->pty_link, &slave);
        if (m < 0) {
            fprintf(stderr, "kiosk-pn532emu: cannot create the pty link %s: %s\n", o->pty_link,
                    strerror(errno));
            return 1;
        }
        if (o->verbose)
            fprintf(stderr, "kiosk-pn532emu: serving on %s\n", o->pty_link);
        bool ok = serve(&e, m);
        close(slave);
        close(m);
        unlink(o->pty_link);
        return ok ? 0 : 1;
    }
    int l = open_listener(o->socket_path);
    if (l < 0) {
        fprintf(stderr, "kiosk-pn532emu: cannot listen on %s\n", o->socket_path);
        return 1;
    }
    while (!g_stop) {
        struct pollfd p = {.fd = l, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int c = accept(l, NULL, NULL);
        if (c < 0)
            continue;
        serve(&e, c);
        close(c);
    }
    close(l);
    unlink(o->socket_path);
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    int pr = parse_args(argc, argv, &o);
    if (pr == 1)
        return 0;
    if (pr != 0)
        return 2;
    if (o.uid_len == 0) {
        o.uid[0] = 0x08; /* ISO/IEC 14443-3: 08 marks a random single-size UID */
        if (RAND_bytes(o.uid + 1, 3) != 1)
            return 1;
        o.uid_len = 4;
    }

    static vc_card card;
    char err[512] = "";
    if (vc_card_load(&card, o.card_dir, err, sizeof err) != KS_OK) {
        fprintf(stderr, "kiosk-pn532emu: %s\n", err[0] ? err : "cannot load the card image");
        return 1;
    }
    /* A PN532 carries at most 264 bytes a frame: the card runs with short APDUs. */
    static vc_os os;
    if (vc_os_init(&os, &card, false) != KS_OK) {
        fprintf(stderr, "kiosk-pn532emu: cannot start the card\n");
        vc_card_free(&card);
        return 1;
    }
    vc_os_reset(&os);
    static pn532_chip chip;
    if (pn532_chip_init(&chip, o.uid, o.uid_len, card_apdu, &os) != KS_OK) {
        vc_os_free(&os);
        vc_card_free(&card);
        return 1;
    }
    pn532_chip_set_card_reset(&chip, card_reset);
    chip.remove_after = o.remove_after;
    chip.picc.wtx_per_apdu = (unsigned)o.wtx;
    install_signals();
    int rc = run(&o, &chip);
    vc_os_free(&os);
    vc_card_free(&card);
    return rc;
}
