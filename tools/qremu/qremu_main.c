/*
 * kiosk-qremu — a serial 2D scanner module with one QR code in front of it,
 * on a pseudo-terminal, for the reader firmware and host tests. The serial
 * protocol is described in qremu_proto.h.
 *
 * usage: kiosk-qremu --pty-link PATH --text-file F [--suffix CR|LF|CRLF]
 *                    [--trigger-mode host|auto] [--fault garbage|overlong|no-suffix]
 *                    [--verbose]
 *
 * The text file holds the QR's content, UTF-8 (one trailing LF is dropped so
 * `echo TEXT > F` works; at most 4096 bytes). In host mode a scan happens on
 * each SYN T CR; in auto (presentation) mode the code is sent once at start
 * and again on each SIGUSR1 (the card presented anew). Runs until SIGTERM or
 * SIGINT (exit 0); 1 when the text or the pty is unusable, 2 on usage errors.
 * --verbose logs events and lengths, never the text (it is personal data).
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
#include <termios.h>
#include <unistd.h>

#include "qremu_proto.h"
#include "emulink.h"

#define DECODE_DELAY_MS 40 /* how long a "scan" takes before the data goes out */

typedef struct options {
    const char *pty_link;
    const char *text_file;
    qremu_suffix suffix;
    bool trigger_auto;
    qremu_fault fault;
    bool verbose;
} options;

static volatile sig_atomic_t g_stop, g_present;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        g_present = 1;
    else
        g_stop = 1;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: kiosk-qremu --pty-link PATH --text-file F [--suffix CR|LF|CRLF]\n"
                "                   [--trigger-mode host|auto]\n"
                "                   [--fault garbage|overlong|no-suffix] [--verbose]\n");
}

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--verbose") == 0) {
            o->verbose = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (!v) {
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--pty-link") == 0)
            o->pty_link = v;
        else if (strcmp(a, "--text-file") == 0)
            o->text_file = v;
        else if (strcmp(a, "--suffix") == 0 && strcmp(v, "CR") == 0)
            o->suffix = QREMU_SUFFIX_CR;
        else if (strcmp(a, "--suffix") == 0 && strcmp(v, "LF") == 0)
            o->suffix = QREMU_SUFFIX_LF;
        else if (strcmp(a, "--suffix") == 0 && strcmp(v, "CRLF") == 0)
            o->suffix = QREMU_SUFFIX_CRLF;
        else if (strcmp(a, "--trigger-mode") == 0 && strcmp(v, "host") == 0)
            o->trigger_auto = false;
        else if (strcmp(a, "--trigger-mode") == 0 && strcmp(v, "auto") == 0)
            o->trigger_auto = true;
        else if (strcmp(a, "--fault") == 0 && strcmp(v, "garbage") == 0)
            o->fault = QREMU_FAULT_GARBAGE;
        else if (strcmp(a, "--fault") == 0 && strcmp(v, "overlong") == 0)
            o->fault = QREMU_FAULT_OVERLONG;
        else if (strcmp(a, "--fault") == 0 && strcmp(v, "no-suffix") == 0)
            o->fault = QREMU_FAULT_NO_SUFFIX;
        else {
            fprintf(stderr, "kiosk-qremu: bad argument '%s %s'\n", a, v);
            usage(stderr);
            return 2;
        }
    }
    if (!o->pty_link || !o->text_file) {
        fprintf(stderr, "kiosk-qremu: --pty-link and --text-file are required\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

static bool load_text(const char *path, uint8_t *buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(buf, 1, QREMU_TEXT_MAX + 1, f);
    bool ok = !ferror(f);
    fclose(f);
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (!ok || n > QREMU_TEXT_MAX || !qremu_utf8_valid(buf, n))
        return false;
    *len = n;
    return true;
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

typedef struct scanner {
    options opt;
    uint8_t text[QREMU_TEXT_MAX + 1];
    size_t text_len;
    uint8_t out[QREMU_OVERLONG + 2];
    qremu_parser parser;
    int scan_due_ms; /* < 0: no scan pending */
} scanner;

static bool send_scan(scanner *s, int fd)
{
    size_t n = 0;
    if (qremu_build_output(s->text, s->text_len, s->opt.suffix, s->opt.fault, s->out,
                           sizeof s->out, &n) != KS_OK)
        return false;
    if (s->opt.verbose)
        fprintf(stderr, "kiosk-qremu: scan sent (%zu bytes)\n", n);
    return write_all(fd, s->out, n);
}

static bool on_byte(scanner *s, int fd, uint8_t b)
{
    switch (qremu_cmd_feed(&s->parser, b)) {
    case QREMU_EV_TRIGGER:
        if (s->opt.verbose)
            fprintf(stderr, "kiosk-qremu: trigger\n");
        s->scan_due_ms = DECODE_DELAY_MS;
        return true;
    case QREMU_EV_UNTRIGGER:
        if (s->opt.verbose)
            fprintf(stderr, "kiosk-qremu: untrigger\n");
        s->scan_due_ms = -1;
        return true;
    case QREMU_EV_MENU: {
        uint8_t ans[QREMU_MENU_MAX + 32];
        size_t n = 0;
        if (qremu_menu_answer(&s->parser, &s->opt.trigger_auto, &s->opt.suffix, ans, sizeof ans,
                              &n) != KS_OK)
            return true;
        if (s->opt.verbose)
            fprintf(stderr, "kiosk-qremu: menu command %s%c\n", s->parser.menu,
                    s->parser.menu_term);
        return write_all(fd, ans, n);
    }
    default:
        return true;
    }
}

static int serve(scanner *s, int fd)
{
    const int step = 10;
    s->scan_due_ms = s->opt.trigger_auto ? 100 : -1;
    uint8_t buf[256];
    while (!g_stop) {
        if (g_present) {
            g_present = 0;
            if (s->opt.trigger_auto)
                s->scan_due_ms = DECODE_DELAY_MS;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, step);
        if (r < 0 && errno != EINTR)
            return 1;
        if (r > 0) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno != EINTR && errno != EAGAIN)
                return 1;
            for (ssize_t i = 0; i < n; i++)
                if (!on_byte(s, fd, buf[i]))
                    return 1;
        }
        if (s->scan_due_ms >= 0) {
            s->scan_due_ms -= step;
            if (s->scan_due_ms < 0 && !send_scan(s, fd))
                return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static scanner s;
    int pr = parse_args(argc, argv, &s.opt);
    if (pr == 1)
        return 0;
    if (pr != 0)
        return 2;
    if (!load_text(s.opt.text_file, s.text, &s.text_len)) {
        fprintf(stderr, "kiosk-qremu: %s is unreadable, longer than %u bytes or not UTF-8\n",
                s.opt.text_file, QREMU_TEXT_MAX);
        return 1;
    }
    qremu_parser_init(&s.parser);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int slave = -1;
    int m = emulink_open_pty(s.opt.pty_link, &slave);
    if (m < 0) {
        fprintf(stderr, "kiosk-qremu: cannot create the pty link %s\n", s.opt.pty_link);
        return 1;
    }
    int rc = serve(&s, m);
    close(slave);
    close(m);
    unlink(s.opt.pty_link);
    return rc;
}
