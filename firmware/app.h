/*
 * app.h — the reader firmware's main loop, independent of the board.
 *
 * app_init() opens the UARTs, starts the watchdog and sends the banner
 * ("kiosk-reader <version> board=<name>\r\n") on the debug UART (and on the
 * host UART too when APP_HOST_BANNER is 1).
 * app_step() is one pass of the loop: it runs every registered module's
 * poll, serves the debug console and kicks the watchdog; it never blocks
 * for long (modules must return within APP_POLL_BUDGET_MS).
 * app_run() loops app_step() until something asks the firmware to stop and
 * returns the exit code for hal_system_exit().
 *
 * Hook points: the CCID slot (host UART), the NFC card (NFC UART/SPI), the
 * QR scanner and the vendor channel plug in as app_module entries built in
 * main.c — app.c itself needs no change to add one.
 *
 * Debug console (HAL_UART_DEBUG, text lines ending in \n or \r):
 *   "ping"     -> "pong"
 *   "version"  -> the banner line
 *   "uptime"   -> "uptime <ms>"
 *   "stats"    -> "frames ccid=N pn532=N" (app_frames: CCID messages
 *                 answered, frames written to the PN532 — for benchmarks),
 *                 then "stats rx_dropped host=N nfc=N qr=N debug=N vendor=N"
 *                 (bytes each UART lost to a full ring or an overrun)
 *   "exit N"   -> the firmware ends with code N (0..255): semihosting exit
 *                 under QEMU, exit() on native; used by tests.
 * Anything else -> "error: unknown command". Long lines are refused.
 */
#ifndef KS_FW_APP_H
#define KS_FW_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Frame counters the modules bump and "stats" reports (wrap at 2^32). */
typedef struct app_frame_counts {
    uint32_t ccid;  /* CCID messages answered (any transport) */
    uint32_t pn532; /* frames written to the PN532 (commands, ACK/NACK, wake-up) */
} app_frame_counts;
extern app_frame_counts app_frames;

#ifndef KS_FW_VERSION
#define KS_FW_VERSION "0.1.0"
#endif

/* The CCID slot owns the host UART (main.c): a banner there would reach
 * libccidtwin as a broken frame whenever the host opened the tty before the
 * firmware started, so it goes to the debug UART only. */
#ifndef APP_HOST_BANNER
#define APP_HOST_BANNER 0
#endif

#define APP_HOST_BAUD 115200u
#define APP_NFC_BAUD 115200u  /* PN532 HSU default */
#define APP_QR_BAUD 9600u     /* common scanner module default */
#define APP_DEBUG_BAUD 115200u
#define APP_VENDOR_BAUD 115200u
#define APP_WATCHDOG_MS 2000u
#define APP_POLL_BUDGET_MS 250u
#define APP_CONSOLE_LINE_MAX 48u
#define APP_MODULES_MAX 8u

/* A part of the firmware driven by the loop (CCID slot, NFC card, scanner,
 * vendor channel). init may be NULL; poll returns true when it did work
 * (so the loop does not idle-wait before the next pass). */
typedef struct app_module {
    const char *name;
    ks_status (*init)(void *ctx);
    bool (*poll)(void *ctx, uint32_t now_ms);
    void *ctx;
} app_module;

typedef enum app_cmd_kind {
    APP_CMD_NONE = 0, /* empty line */
    APP_CMD_PING,
    APP_CMD_VERSION,
    APP_CMD_UPTIME,
    APP_CMD_STATS,
    APP_CMD_EXIT,
    APP_CMD_UNKNOWN
} app_cmd_kind;

typedef struct app_cmd {
    app_cmd_kind kind;
    int exit_code; /* APP_CMD_EXIT only */
} app_cmd;

typedef struct app {
    const app_module *modules;
    size_t module_count;
    bool module_enabled[APP_MODULES_MAX];
    char line[APP_CONSOLE_LINE_MAX];
    size_t line_len;
    bool line_overflow;
    bool stop;
    int exit_code;
} app;

/* Parses one console line (without its terminator). KS_ERR_ARG for NULL,
 * KS_ERR_MALFORMED for "exit" with a missing or out-of-range code. */
ks_status app_console_parse(const char *line, size_t len, app_cmd *out);

/* Formats the banner into buf (NUL-terminated); KS_ERR_TOO_LARGE if short. */
ks_status app_banner(char *buf, size_t cap, size_t *len);

/* modules: caller-owned array that must outlive the app; at most
 * APP_MODULES_MAX. A module whose init fails is reported on the debug
 * console and left out of the loop, so one dead peripheral does not stop
 * the reader from answering the host. */
ks_status app_init(app *a, const app_module *modules, size_t count);

/* One loop pass; false once the firmware should stop (see app_run). */
bool app_step(app *a);

int app_run(app *a);

#endif
