/*
 * kiosk-vcard — serves a virtual eMRTD card image to pcscd through the vpcd
 * driver, as a real chip behind a contactless reader would answer.
 *
 * usage: kiosk-vcard --card DIR [--vpcd HOST:PORT] [--no-extended]
 *                    [--fault NAME[=ARG]]... [--reconnect] [--verbose]
 *
 * Exit status: 0 when pcscd closed the connection (without --reconnect), on
 * SIGTERM/SIGINT and after --fault remove-after; 1 when the card image is
 * unusable or vpcd cannot be reached within 10 s at start; 2 on a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vc_atr.h"
#include "vc_card.h"
#include "vc_link.h"
#include "vc_os.h"
#include "emulink.h"

#define RETRY_MS 200
#define START_TIMEOUT_MS 10000

typedef struct options {
    const char *card_dir;
    char host[256];
    char port[8];
    bool no_extended;
    bool reconnect;
    bool verbose;
    long remove_after;  /* -1: off */
    long silent_after;  /* -1: off */
    bool corrupt_sm;
    bool clone;         /* AA signs with a key unlike DG15's */
    bool ca_fail;       /* CA switches to keys from a wrong secret */
} options;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static bool should_stop(void) { return g_stop != 0; }

static void usage(FILE *to)
{
    fprintf(to,
            "usage: kiosk-vcard --card DIR [--vpcd HOST:PORT] [--no-extended]\n"
            "                   [--fault NAME[=ARG]]... [--reconnect] [--verbose]\n"
            "  --vpcd HOST:PORT  vpcd endpoint (default " VC_LINK_DEFAULT_HOST
            ":" VC_LINK_DEFAULT_PORT ")\n"
            "  --no-extended     refuse extended-length APDUs (6700)\n"
            "  --fault remove-after=N  close the link after answering N APDUs, exit 0\n"
            "  --fault silent-after=N  stop answering after N APDUs, keep the link\n"
            "  --fault corrupt-sm      corrupt DO'8E of protected answers after the first\n"
            "  --fault clone           Active Authentication signs with a key unlike DG15's\n"
            "  --fault ca-fail         Chip Authentication answers 9000 but switches to\n"
            "                          keys from a wrong secret\n"
            "  --reconnect       reconnect every 200 ms when vpcd goes away\n"
            "  --verbose         log APDU headers and status words to stderr\n");
}

static bool parse_fault(options *o, const char *spec)
{
    const char *eq = strchr(spec, '=');
    size_t nlen = eq ? (size_t)(eq - spec) : strlen(spec);
    const char *arg = eq ? eq + 1 : NULL;
    if (nlen == 12 && strncmp(spec, "remove-after", nlen) == 0)
        return emulink_parse_count(arg, &o->remove_after);
    if (nlen == 12 && strncmp(spec, "silent-after", nlen) == 0)
        return emulink_parse_count(arg, &o->silent_after);
    if (nlen == 10 && strncmp(spec, "corrupt-sm", nlen) == 0 && !arg) {
        o->corrupt_sm = true;
        return true;
    }
    if (nlen == 5 && strncmp(spec, "clone", nlen) == 0 && !arg) {
        o->clone = true;
        return true;
    }
    if (nlen == 7 && strncmp(spec, "ca-fail", nlen) == 0 && !arg) {
        o->ca_fail = true;
        return true;
    }
    return false;
}

/* 0 on success, 1 for --help, 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->remove_after = -1;
    o->silent_after = -1;
    snprintf(o->host, sizeof o->host, "%s", VC_LINK_DEFAULT_HOST);
    snprintf(o->port, sizeof o->port, "%s", VC_LINK_DEFAULT_PORT);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--card") == 0 && has_value) {
            o->card_dir = argv[++i];
        } else if (strcmp(a, "--vpcd") == 0 && has_value) {
            const char *v = argv[++i];
            if (vc_link_parse_endpoint(v, o->host, sizeof o->host, o->port, sizeof o->port) !=
                KS_OK) {
                fprintf(stderr, "kiosk-vcard: --vpcd wants HOST:PORT\n");
                return 2;
            }
        } else if (strcmp(a, "--fault") == 0 && has_value) {
            const char *v = argv[++i];
            if (!parse_fault(o, v)) {
                fprintf(stderr, "kiosk-vcard: unknown fault '%s'\n", v);
                usage(stderr);
                return 2;
            }
        } else if (strcmp(a, "--no-extended") == 0) {
            o->no_extended = true;
        } else if (strcmp(a, "--reconnect") == 0) {
            o->reconnect = true;
        } else if (strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else {
            fprintf(stderr, "kiosk-vcard: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o->card_dir) {
        fprintf(stderr, "kiosk-vcard: --card DIR is required\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short, which is what we want */
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Connects, retrying every 200 ms for up to timeout_ms (< 0: forever); -1 on timeout/stop. */
static int connect_with_retry(const options *o, long timeout_ms)
{
    long start = now_ms();
    while (!g_stop) {
        int fd;
        if (vc_link_connect(o->host, o->port, &fd) == KS_OK)
            return fd;
        if (timeout_ms >= 0 && now_ms() - start >= timeout_ms)
            break;
        sleep_ms(RETRY_MS);
    }
    return -1;
}

typedef enum serve_end {
    SERVE_PEER_CLOSED,
    SERVE_STOPPED,
    SERVE_FAULT_REMOVED,
    SERVE_ERROR,
} serve_end;

typedef struct server {
    const options *opt;
    vc_os *os;
    uint8_t atr[VC_ATR_MAX];
    size_t atr_len;
    unsigned long answered; /* command APDUs answered since start */
    bool silent;
    uint8_t in[VC_LINK_MAX_FRAME];
    uint8_t out[VC_LINK_MAX_FRAME];
} server;

static void log_apdu(const vc_os_trace *t)
{
    if (t->secured)
        fprintf(stderr,
                "kiosk-vcard: %02X %02X %02X %02X nc=%zu ne=%zu%s sm{%02X %02X %02X nc=%zu "
                "ne=%zu} -> %04X (%zu bytes)\n",
                t->cla, t->ins, t->p1, t->p2, t->nc, t->ne, t->extended ? " ext" : "",
                t->in_ins, t->in_p1, t->in_p2, t->in_nc, t->in_ne, t->sw, t->resp_len);
    else
        fprintf(stderr, "kiosk-vcard: %02X %02X %02X %02X nc=%zu ne=%zu%s -> %04X (%zu bytes)\n",
                t->cla, t->ins, t->p1, t->p2, t->nc, t->ne, t->extended ? " ext" : "", t->sw,
                t->resp_len);
}

static ks_status on_control(server *s, int fd, uint8_t code)
{
    switch (code) {
    case VC_LINK_POWER_OFF:
    case VC_LINK_POWER_ON:
    case VC_LINK_RESET:
        vc_os_reset(s->os);
        if (s->opt->verbose)
            fprintf(stderr, "kiosk-vcard: %s\n",
                    code == VC_LINK_POWER_OFF ? "power off"
                    : code == VC_LINK_POWER_ON ? "power on"
                                               : "reset");
        return KS_OK;
    case VC_LINK_GET_ATR:
        if (s->opt->verbose)
            fprintf(stderr, "kiosk-vcard: ATR requested\n");
        return vc_link_write(fd, s->atr, s->atr_len);
    default:
        if (s->opt->verbose)
            fprintf(stderr, "kiosk-vcard: ignoring control code %u\n", code);
        return KS_OK;
    }
}

static serve_end serve(server *s, int fd)
{
    vc_os_reset(s->os);
    for (;;) {
        size_t n = 0;
        ks_status st = vc_link_read(fd, s->in, sizeof s->in, &n, should_stop);
        if (st == KS_ERR_TIMEOUT)
            return SERVE_STOPPED;
        if (st == KS_ERR_REMOVED)
            return SERVE_PEER_CLOSED;
        if (st != KS_OK) {
            fprintf(stderr, "kiosk-vcard: vpcd link: %s\n", ks_status_str(st));
            return SERVE_ERROR;
        }
        if (s->silent)
            continue; /* the fault: a chip that went quiet, still in the field */
        if (n == 1) {
            st = on_control(s, fd, s->in[0]);
        } else if (n > 1) {
            if (s->opt->remove_after == 0)
                return SERVE_FAULT_REMOVED;
            size_t out_len = 0;
            st = vc_os_process(s->os, s->in, n, s->out, sizeof s->out, &out_len);
            if (st == KS_OK)
                st = vc_link_write(fd, s->out, out_len);
            if (s->opt->verbose)
                log_apdu(&s->os->trace);
            s->answered++;
            if (s->opt->remove_after > 0 && s->answered >= (unsigned long)s->opt->remove_after)
                return SERVE_FAULT_REMOVED;
            if (s->opt->silent_after >= 0 && s->answered >= (unsigned long)s->opt->silent_after)
                s->silent = true;
        }
        if (st == KS_ERR_REMOVED)
            return SERVE_PEER_CLOSED;
        if (st != KS_OK) {
            fprintf(stderr, "kiosk-vcard: vpcd link: %s\n", ks_status_str(st));
            return SERVE_ERROR;
        }
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run(const options *o, vc_os *os, bool extended)
{
    static server s; /* two 64 KiB frame buffers: not on the stack */
    memset(&s, 0, sizeof s);
    s.opt = o;
    s.os = os;
    if (vc_atr_build(extended, s.atr, sizeof s.atr, &s.atr_len) != KS_OK)
        return 1;
    if (o->silent_after == 0)
        s.silent = true;

    int fd = connect_with_retry(o, START_TIMEOUT_MS);
    if (fd < 0) {
        if (g_stop)
            return 0;
        fprintf(stderr,
                "kiosk-vcard: cannot connect to vpcd at %s:%s for 10 s (is pcscd running "
                "with the vpcd driver?)\n",
                o->host, o->port);
        return 1;
    }
    for (;;) {
        if (o->verbose)
            fprintf(stderr, "kiosk-vcard: connected to %s:%s (card inserted)\n", o->host,
                    o->port);
        serve_end end = serve(&s, fd);
        vc_link_close(fd);
        vc_os_reset(os);
        switch (end) {
        case SERVE_STOPPED:
        case SERVE_FAULT_REMOVED:
            return 0;
        case SERVE_ERROR:
            if (!o->reconnect)
                return 1;
            break;
        case SERVE_PEER_CLOSED:
            if (!o->reconnect)
                return 0;
            break;
        }
        if (o->verbose)
            fprintf(stderr, "kiosk-vcard: vpcd closed the link; reconnecting\n");
        fd = connect_with_retry(o, -1);
        if (fd < 0)
            return 0; /* only a signal ends the endless retry */
    }
}

int main(int argc, char **argv)
{
    options o;
    int pr = parse_args(argc, argv, &o);
    if (pr == 1)
        return 0;
    if (pr != 0)
        return 2;

    static vc_card card;
    char err[512] = "";
    if (vc_card_load(&card, o.card_dir, err, sizeof err) != KS_OK) {
        fprintf(stderr, "kiosk-vcard: %s\n", err[0] ? err : "cannot load the card image");
        return 1;
    }
    bool extended = card.extended_length && !o.no_extended;
    vc_os os;
    if (vc_os_init(&os, &card, extended) != KS_OK) {
        fprintf(stderr, "kiosk-vcard: cannot start the card\n");
        vc_card_free(&card);
        return 1;
    }
    vc_os_set_corrupt_sm(&os, o.corrupt_sm);
    vc_os_set_fault_ca_fail(&os, o.ca_fail);
    if (vc_os_set_fault_clone(&os, o.clone) != KS_OK) {
        fprintf(stderr, "kiosk-vcard: cannot generate the clone key\n");
        vc_os_free(&os);
        vc_card_free(&card);
        return 1;
    }
    install_signals();
    int rc = run(&o, &os, extended);
    vc_os_free(&os);
    vc_card_free(&card);
    return rc;
}
