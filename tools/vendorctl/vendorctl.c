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
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vendor_link.h"

#define EXIT_USAGE 2

static int usage(void)
{
    fputs("usage: kiosk-vendorctl --tty PATH [--timeout S] COMMAND\n"
          "  wait-qr [--no-trigger] | led ID off|on|blink [PERIOD] | buzzer MS [HZ] | status\n",
          stderr);
    return EXIT_USAGE;
}

static bool on_qr(const vendor_frame *f, void *ctx, int *rc)
{
    (void)ctx;
    if (f->type == VENDOR_QR_TEXT) {
        fwrite(f->payload, 1, f->len, stdout);
        fputc('\n', stdout);
        *rc = fflush(stdout) == 0 ? VLINK_OK : VLINK_FAIL;
        return true;
    }
    if (f->type == VENDOR_QR_ERROR) {
        fprintf(stderr, "kiosk-vendorctl: scan failed: %s\n",
                vlink_qr_reason(f->len >= 1 ? f->payload[0] : 0));
        *rc = VLINK_FAIL;
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
    *rc = VLINK_OK;
    return true;
}

/* Waits for a QR without triggering: only frames matter. */
static int wait_qr_passive(vlink *c, long deadline_ms)
{
    for (;;) {
        long left = deadline_ms - vlink_now_ms();
        if (left <= 0)
            return VLINK_TIMEOUT;
        vendor_frame f;
        int r = vlink_next(c, left, &f);
        if (r < 0)
            return VLINK_TTY;
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

    vlink c;
    if (vlink_open(&c, tty) != 0) {
        fprintf(stderr, "kiosk-vendorctl: cannot open %s: %s\n", tty, strerror(errno));
        return VLINK_TTY;
    }
    long deadline = vlink_now_ms() + (long)timeout_s * 1000L;

    int rc;
    if (strcmp(cmd, "wait-qr") == 0) {
        bool trigger = true;
        if (nargs == 1 && strcmp(args[0], "--no-trigger") == 0)
            trigger = false;
        else if (nargs != 0)
            return usage();
        rc = trigger ? vlink_transact(&c, deadline, VENDOR_QR_SCAN, NULL, 0, on_qr, NULL)
                     : wait_qr_passive(&c, deadline);
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
        rc = vlink_transact(&c, deadline, VENDOR_LED_SET, p, sizeof p, NULL, NULL);
    } else if (strcmp(cmd, "buzzer") == 0) {
        unsigned long ms, hz = 0;
        if (nargs < 1 || nargs > 2 || !parse_uint(args[0], 65535, &ms) ||
            (nargs == 2 && !parse_uint(args[1], 65535, &hz)))
            return usage();
        const uint8_t p[4] = {(uint8_t)ms, (uint8_t)(ms >> 8), (uint8_t)hz, (uint8_t)(hz >> 8)};
        rc = vlink_transact(&c, deadline, VENDOR_BUZZER, p, sizeof p, NULL, NULL);
    } else if (strcmp(cmd, "status") == 0) {
        if (nargs != 0)
            return usage();
        rc = vlink_transact(&c, deadline, VENDOR_STATUS, NULL, 0, on_status, NULL);
    } else {
        return usage();
    }
    if (rc == VLINK_TIMEOUT)
        fprintf(stderr, "kiosk-vendorctl: no answer from the reader in %lu s\n", timeout_s);
    else if (rc == VLINK_TTY)
        fprintf(stderr, "kiosk-vendorctl: %s failed\n", tty);
    else if (rc == VLINK_FAIL && c.refused)
        fprintf(stderr, "kiosk-vendorctl: the reader refused the command (result %u)\n", c.refused);
    vlink_close(&c);
    return rc;
}
