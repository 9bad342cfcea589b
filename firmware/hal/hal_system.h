/*
 * hal_system.h — board bring-up and the ways out.
 *
 * hal_system_init() brings up clocks, the tick, the pins and the interrupt
 * controller; the UARTs are opened separately (hal_uart_open). argc/argv
 * carry the native board's command line (see boards/native/system.c); the MCU
 * passes 0/NULL and ignores them.
 *
 * hal_system_exit(code) ends the firmware: semihosting SYS_EXIT_EXTENDED
 * under QEMU (QEMU exits with code), exit(code) on native, and a system reset
 * on real hardware (where no debugger is attached to catch the exit).
 * hal_system_idle() waits for "something to happen" (WFI on the MCU, a short
 * poll() on native) so the main loop does not spin a host CPU.
 */
#ifndef HAL_SYSTEM_H
#define HAL_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

ks_status hal_system_init(int argc, char **argv);

_Noreturn void hal_system_exit(int code);

_Noreturn void hal_system_reset(void);

void hal_system_idle(void);

/* A short constant name of the board, for the banner: "stm32f405", "native". */
const char *hal_system_board(void);

/* True when the board's environment asked the firmware to stop (native:
 * SIGTERM/SIGINT; MCU: never). The main loop then exits with code 0. */
bool hal_system_stop_requested(void);

#endif
