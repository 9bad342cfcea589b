/*
 * system.c — the native board: command line, time, watchdog, pins, exit.
 *
 * Command line (every option optional):
 *   --uart NAME=SPEC   NAME: host nfc qr debug vendor
 *                      SPEC: pty (default) | none | stdio | fd:N | PATH
 *   --pty-file FILE    write "NAME /dev/pts/N" lines for the ptys to FILE
 *                      (atomically, once all are ready)
 *   --trace-gpio       print pin changes ("gpio LED_READY 1") on stderr
 * The pty paths are also printed on stderr as "uart NAME PATH".
 *
 * The watchdog is a real-time interval timer: a loop that stops kicking
 * it ends the process with HAL_WATCHDOG_EXIT_CODE. SIGTERM and SIGINT
 * ask the loop to stop (exit 0). A "reset" ends the process with
 * NATIVE_RESET_EXIT_CODE so a supervising test can restart it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hal_gpio.h"
#include "hal_spi.h"
#include "hal_system.h"
#include "hal_time.h"
#include "hal_watchdog.h"
#include "native.h"

#define EXIT_FLUSH_MS 500u /* lets a test read the last reply before the pty closes */
#define IDLE_WAIT_MS 5u
#define USAGE_EXIT 2

static struct timespec t0;
static volatile sig_atomic_t stop_flag;
static bool trace_gpio;
static bool gpio_level[HAL_GPIO_COUNT];
static uint32_t watchdog_ms;

static const char *const gpio_names[HAL_GPIO_COUNT] = {
    [HAL_GPIO_LED_READY] = "LED_READY", [HAL_GPIO_LED_BUSY] = "LED_BUSY",
    [HAL_GPIO_LED_ERROR] = "LED_ERROR", [HAL_GPIO_BUZZER] = "BUZZER",
    [HAL_GPIO_NFC_RESET] = "NFC_RESET", [HAL_GPIO_NFC_IRQ] = "NFC_IRQ",
    [HAL_GPIO_NFC_BUSY] = "NFC_BUSY",
};

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void on_watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "kiosk-reader-native: watchdog expired\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1u);
    (void)ignored;
    _exit(HAL_WATCHDOG_EXIT_CODE);
}

static void usage(void)
{
    fputs("usage: kiosk-reader-native [--uart NAME=pty|none|stdio|fd:N|PATH]... "
          "[--pty-file FILE] [--trace-gpio]\n"
          "  NAME: host nfc qr debug vendor\n",
          stderr);
}

static ks_status parse_uart_option(const char *opt, native_link_kind kinds[HAL_UART_COUNT],
                                   const char *args[HAL_UART_COUNT])
{
    const char *eq = strchr(opt, '=');
    if (eq == NULL)
        return KS_ERR_ARG;
    size_t name_len = (size_t)(eq - opt);
    for (unsigned i = 0; i < HAL_UART_COUNT; i++) {
        const char *name = native_uart_name((hal_uart_port)i);
        if (strlen(name) != name_len || memcmp(opt, name, name_len) != 0)
            continue;
        const char *spec = eq + 1;
        args[i] = NULL;
        if (strcmp(spec, "pty") == 0) {
            kinds[i] = NATIVE_LINK_PTY;
        } else if (strcmp(spec, "none") == 0) {
            kinds[i] = NATIVE_LINK_NONE;
        } else if (strcmp(spec, "stdio") == 0) {
            kinds[i] = NATIVE_LINK_STDIO;
        } else if (strncmp(spec, "fd:", 3) == 0) {
            kinds[i] = NATIVE_LINK_FD;
            args[i] = spec + 3;
        } else if (spec[0] != '\0') {
            kinds[i] = NATIVE_LINK_PATH;
            args[i] = spec;
        } else {
            return KS_ERR_ARG;
        }
        return KS_OK;
    }
    return KS_ERR_ARG;
}

ks_status hal_system_init(int argc, char **argv)
{
    clock_gettime(CLOCK_MONOTONIC, &t0);
    native_link_kind kinds[HAL_UART_COUNT] = {0};
    const char *args[HAL_UART_COUNT] = {0};
    const char *pty_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--uart") == 0 && i + 1 < argc) {
            if (parse_uart_option(argv[++i], kinds, args) != KS_OK) {
                fprintf(stderr, "kiosk-reader-native: bad --uart value\n");
                usage();
                exit(USAGE_EXIT);
            }
        } else if (strcmp(argv[i], "--pty-file") == 0 && i + 1 < argc) {
            pty_file = argv[++i];
        } else if (strcmp(argv[i], "--trace-gpio") == 0) {
            trace_gpio = true;
        } else {
            usage();
            exit(USAGE_EXIT);
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_watchdog;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL); /* a vanished peer is an I/O error, not death */

    hal_gpio_write(HAL_GPIO_NFC_RESET, true);
    return native_uart_setup(kinds, args, pty_file);
}

_Noreturn void hal_system_exit(int code)
{
    native_uart_flush_all(EXIT_FLUSH_MS);
    exit(code);
}

_Noreturn void hal_system_reset(void)
{
    fputs("kiosk-reader-native: reset requested\n", stderr);
    hal_system_exit(NATIVE_RESET_EXIT_CODE);
}

void hal_system_idle(void)
{
    native_uart_pump(IDLE_WAIT_MS);
}

const char *hal_system_board(void)
{
    return "native";
}

bool hal_system_stop_requested(void)
{
    return stop_flag != 0;
}

uint32_t hal_time_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
    return (uint32_t)ms; /* wraps like the MCU tick */
}

void hal_time_delay_ms(uint32_t ms)
{
    struct timespec req = {.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&req, &req) != 0 && errno == EINTR) {
    }
}

static void watchdog_arm(void)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)(watchdog_ms / 1000u);
    it.it_value.tv_usec = (suseconds_t)(watchdog_ms % 1000u) * 1000;
    setitimer(ITIMER_REAL, &it, NULL);
}

void hal_watchdog_start(uint32_t timeout_ms)
{
    if (timeout_ms < 1u)
        timeout_ms = 1u;
    if (timeout_ms > 32768u)
        timeout_ms = 32768u;
    watchdog_ms = timeout_ms;
    watchdog_arm();
}

void hal_watchdog_kick(void)
{
    if (watchdog_ms != 0u)
        watchdog_arm();
}

bool hal_watchdog_caused_reset(void)
{
    return false;
}

void hal_gpio_write(hal_gpio_pin pin, bool high)
{
    if ((unsigned)pin >= HAL_GPIO_COUNT || pin == HAL_GPIO_NFC_IRQ || pin == HAL_GPIO_NFC_BUSY)
        return;
    if (trace_gpio && gpio_level[pin] != high)
        fprintf(stderr, "gpio %s %d\n", gpio_names[pin], high ? 1 : 0);
    gpio_level[pin] = high;
}

bool hal_gpio_read(hal_gpio_pin pin)
{
    if ((unsigned)pin >= HAL_GPIO_COUNT)
        return false;
    return gpio_level[pin];
}

ks_status hal_spi_open(uint32_t max_hz)
{
    (void)max_hz;
    return KS_ERR_UNSUPPORTED;
}

void hal_spi_select(bool selected)
{
    (void)selected;
}

ks_status hal_spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len, uint32_t timeout_ms)
{
    (void)tx;
    (void)rx;
    (void)len;
    (void)timeout_ms;
    return KS_ERR_UNSUPPORTED;
}
