/*
 * app.c — the main loop. See app.h for the contract.
 */
#include "app.h"

#include <string.h>

#include "hal_system.h"
#include "hal_time.h"
#include "hal_uart.h"
#include "hal_watchdog.h"

#define CONSOLE_WRITE_MS 100u
#define BANNER_MAX 96u

app_frame_counts app_frames;

static void console_puts(const char *s)
{
    (void)hal_uart_write_all(HAL_UART_DEBUG, (const uint8_t *)s, strlen(s), CONSOLE_WRITE_MS);
}

/* Formats v in decimal into buf (cap >= 11); returns buf. */
static const char *u32_text(uint32_t v, char *buf)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u && n < sizeof tmp);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1u - i];
    buf[n] = '\0';
    return buf;
}

static bool parse_small_uint(const char *s, size_t len, int *out)
{
    if (len == 0u || len > 3u)
        return false;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 255)
        return false;
    *out = v;
    return true;
}

static bool word_is(const char *line, size_t len, const char *word)
{
    size_t wl = strlen(word);
    return len == wl && memcmp(line, word, wl) == 0;
}

ks_status app_console_parse(const char *line, size_t len, app_cmd *out)
{
    if (out == NULL || (line == NULL && len > 0u))
        return KS_ERR_ARG;
    out->kind = APP_CMD_NONE;
    out->exit_code = 0;
    while (len > 0u && line[len - 1u] == ' ')
        len--;
    while (len > 0u && line[0] == ' ') {
        line++;
        len--;
    }
    if (len == 0u)
        return KS_OK;
    if (word_is(line, len, "ping")) {
        out->kind = APP_CMD_PING;
    } else if (word_is(line, len, "version")) {
        out->kind = APP_CMD_VERSION;
    } else if (word_is(line, len, "uptime")) {
        out->kind = APP_CMD_UPTIME;
    } else if (word_is(line, len, "stats")) {
        out->kind = APP_CMD_STATS;
    } else if (len >= 4u && memcmp(line, "exit", 4u) == 0 && (len == 4u || line[4] == ' ')) {
        size_t i = 4u;
        while (i < len && line[i] == ' ')
            i++;
        if (!parse_small_uint(line + i, len - i, &out->exit_code))
            return KS_ERR_MALFORMED;
        out->kind = APP_CMD_EXIT;
    } else {
        out->kind = APP_CMD_UNKNOWN;
    }
    return KS_OK;
}

ks_status app_banner(char *buf, size_t cap, size_t *len)
{
    if (buf == NULL || len == NULL)
        return KS_ERR_ARG;
    const char *parts[] = {"kiosk-reader ", KS_FW_VERSION, " board=", hal_system_board(), "\r\n"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t pl = strlen(parts[i]);
        if (pl >= cap - n)
            return KS_ERR_TOO_LARGE;
        memcpy(buf + n, parts[i], pl);
        n += pl;
    }
    buf[n] = '\0';
    *len = n;
    return KS_OK;
}

static void console_run(app *a, const app_cmd *cmd)
{
    char num[11];
    switch (cmd->kind) {
    case APP_CMD_NONE:
        break;
    case APP_CMD_PING:
        console_puts("pong\r\n");
        break;
    case APP_CMD_VERSION: {
        char banner[BANNER_MAX];
        size_t n;
        if (app_banner(banner, sizeof banner, &n) == KS_OK)
            console_puts(banner);
        break;
    }
    case APP_CMD_UPTIME:
        console_puts("uptime ");
        console_puts(u32_text(hal_time_ms(), num));
        console_puts("\r\n");
        break;
    case APP_CMD_STATS: {
        static const char *const names[HAL_UART_COUNT] = {" host=", " nfc=", " qr=", " debug=",
                                                          " vendor="};
        /* frames first: a reader of the console that stops at the stats
         * line has both by then */
        console_puts("frames ccid=");
        console_puts(u32_text(app_frames.ccid, num));
        console_puts(" pn532=");
        console_puts(u32_text(app_frames.pn532, num));
        console_puts("\r\nstats rx_dropped");
        for (size_t i = 0; i < HAL_UART_COUNT; i++) {
            console_puts(names[i]);
            console_puts(u32_text(hal_uart_rx_dropped((hal_uart_port)i), num));
        }
        console_puts("\r\n");
        break;
    }
    case APP_CMD_EXIT:
        console_puts("bye\r\n");
        a->stop = true;
        a->exit_code = cmd->exit_code;
        break;
    case APP_CMD_UNKNOWN:
        console_puts("error: unknown command\r\n");
        break;
    }
}

static void console_line(app *a)
{
    if (a->line_overflow) {
        console_puts("error: line too long\r\n");
        return;
    }
    app_cmd cmd;
    if (app_console_parse(a->line, a->line_len, &cmd) != KS_OK) {
        console_puts("error: bad arguments\r\n");
        return;
    }
    console_run(a, &cmd);
}

/* Returns true when bytes arrived. */
static bool console_poll(app *a)
{
    uint8_t buf[32];
    size_t got = 0;
    if (hal_uart_read(HAL_UART_DEBUG, buf, sizeof buf, &got, 0) != KS_OK)
        return false;
    for (size_t i = 0; i < got && !a->stop; i++) {
        char c = (char)buf[i];
        if (c == '\n' || c == '\r') {
            if (a->line_len > 0u || a->line_overflow)
                console_line(a);
            a->line_len = 0u;
            a->line_overflow = false;
        } else if (a->line_len < sizeof a->line) {
            a->line[a->line_len++] = c;
        } else {
            a->line_overflow = true;
        }
    }
    return true;
}

ks_status app_init(app *a, const app_module *modules, size_t count)
{
    if (a == NULL || (modules == NULL && count > 0u) || count > APP_MODULES_MAX)
        return KS_ERR_ARG;
    memset(a, 0, sizeof *a);
    a->modules = modules;
    a->module_count = count;

    static const struct { hal_uart_port port; uint32_t baud; } uarts[] = {
        {HAL_UART_HOST, APP_HOST_BAUD}, {HAL_UART_NFC, APP_NFC_BAUD},
        {HAL_UART_QR, APP_QR_BAUD},     {HAL_UART_DEBUG, APP_DEBUG_BAUD},
        {HAL_UART_VENDOR, APP_VENDOR_BAUD},
    };
    for (size_t i = 0; i < sizeof uarts / sizeof uarts[0]; i++) {
        ks_status st = hal_uart_open(uarts[i].port, uarts[i].baud);
        if (st != KS_OK)
            return st;
    }
    hal_watchdog_start(APP_WATCHDOG_MS);

    char banner[BANNER_MAX];
    size_t n;
    ks_status st = app_banner(banner, sizeof banner, &n);
    if (st != KS_OK)
        return st;
    if (APP_HOST_BANNER)
        (void)hal_uart_write_all(HAL_UART_HOST, (const uint8_t *)banner, n, CONSOLE_WRITE_MS);
    console_puts(banner);
    if (hal_watchdog_caused_reset())
        console_puts("note: restarted by the watchdog\r\n");

    for (size_t i = 0; i < count; i++) {
        a->module_enabled[i] = modules[i].init == NULL || modules[i].init(modules[i].ctx) == KS_OK;
        if (!a->module_enabled[i]) {
            console_puts("error: module failed to start: ");
            console_puts(modules[i].name != NULL ? modules[i].name : "?");
            console_puts("\r\n");
        }
    }
    return KS_OK;
}

bool app_step(app *a)
{
    bool busy = false;
    uint32_t now = hal_time_ms();
    /* HOOK(ccid, nfc, qr, vendor): each registered module runs here, in the
     * order main.c lists them. */
    for (size_t i = 0; i < a->module_count && !a->stop; i++) {
        if (a->module_enabled[i] && a->modules[i].poll != NULL)
            busy |= a->modules[i].poll(a->modules[i].ctx, now);
    }
    busy |= console_poll(a);
    hal_watchdog_kick();
    if (hal_system_stop_requested() && !a->stop) {
        a->stop = true;
        a->exit_code = 0;
    }
    if (a->stop)
        return false;
    if (!busy)
        hal_system_idle();
    return true;
}

int app_run(app *a)
{
    while (app_step(a)) {
    }
    (void)hal_uart_tx_drain(HAL_UART_HOST, CONSOLE_WRITE_MS);
    (void)hal_uart_tx_drain(HAL_UART_DEBUG, CONSOLE_WRITE_MS);
    return a->exit_code;
}
