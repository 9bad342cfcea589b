/*
 * native.h — shared between the native board's files (not part of the HAL).
 */
#ifndef NATIVE_BOARD_H
#define NATIVE_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "hal_uart.h"
#include "status.h"

#define NATIVE_RESET_EXIT_CODE 87

/* How a UART is connected, from the command line. */
typedef enum native_link_kind {
    NATIVE_LINK_PTY = 0, /* default: a fresh pty, slave path reported */
    NATIVE_LINK_NONE,    /* unconnected: writes vanish, nothing arrives */
    NATIVE_LINK_FD,      /* an inherited descriptor, read and write */
    NATIVE_LINK_PATH,    /* an existing tty, fifo or socket path */
    NATIVE_LINK_STDIO    /* stdin for input, stdout for output */
} native_link_kind;

/* Connects every port as configured; writes "NAME PATH" lines for the ptys
 * to pty_file when it is not NULL. */
ks_status native_uart_setup(const native_link_kind kinds[HAL_UART_COUNT],
                            const char *const args[HAL_UART_COUNT], const char *pty_file);

const char *native_uart_name(hal_uart_port port);

/* Moves bytes between the descriptors and the rings, waiting at most
 * timeout_ms for something to happen. */
void native_uart_pump(uint32_t timeout_ms);

/* Best effort: pushes out pending transmit bytes, at most timeout_ms. */
void native_uart_flush_all(uint32_t timeout_ms);

#endif
