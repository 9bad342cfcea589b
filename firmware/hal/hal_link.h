/*
 * hal_link.h — a byte link as a struct of function pointers, so protocol
 * modules (CCID serial, PN532 HSU, scanner, vendor channel) never call the
 * HAL directly and can be driven by a fake link in host unit tests.
 *
 * hal_link_uart() binds a link to a HAL UART port. The link struct is
 * caller-owned; it holds no buffers of its own.
 *
 * Semantics match hal_uart.h: write is non-blocking and returns how many
 * bytes were accepted; read waits at most timeout_ms for the first byte.
 */
#ifndef HAL_LINK_H
#define HAL_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "hal_uart.h"
#include "status.h"

typedef struct hal_link hal_link;

struct hal_link_ops {
    size_t (*write)(hal_link *l, const uint8_t *data, size_t len);
    ks_status (*read)(hal_link *l, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms);
    void (*rx_flush)(hal_link *l);
};

struct hal_link {
    const struct hal_link_ops *ops;
    void *ctx;           /* for the implementation; a fake keeps its state here */
    hal_uart_port port;  /* used by the UART binding */
};

/* Fills *l so that it talks to the given UART port (which must be opened
 * with hal_uart_open separately). */
void hal_link_uart(hal_link *l, hal_uart_port port);

#endif
