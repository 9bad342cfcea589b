/*
 * hal_watchdog.h — the independent watchdog.
 *
 * Once started it cannot be stopped (IWDG on the MCU); the main loop must
 * kick it more often than the timeout. On the native board it is a
 * counter: a missed deadline ends the process with HAL_WATCHDOG_EXIT_CODE
 * so a hung loop fails a test instead of hanging it.
 * Under QEMU the IWDG is not emulated, so the start is harmless there.
 */
#ifndef HAL_WATCHDOG_H
#define HAL_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#define HAL_WATCHDOG_EXIT_CODE 86

/* timeout_ms is clamped to what the hardware can do (IWDG: 1..32768 ms). */
void hal_watchdog_start(uint32_t timeout_ms);

void hal_watchdog_kick(void);

/* True when the last reset was caused by the watchdog (MCU); false on native. */
bool hal_watchdog_caused_reset(void);

#endif
