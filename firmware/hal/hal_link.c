/*
 * hal_link.c — binds the generic byte link to a HAL UART port. Portable:
 * it only calls hal_uart.h, so every board gets it for free.
 */
#include "hal_link.h"

static size_t uart_link_write(hal_link *l, const uint8_t *data, size_t len)
{
    return hal_uart_write(l->port, data, len);
}

static ks_status uart_link_read(hal_link *l, uint8_t *buf, size_t cap, size_t *got,
                                uint32_t timeout_ms)
{
    return hal_uart_read(l->port, buf, cap, got, timeout_ms);
}

static void uart_link_rx_flush(hal_link *l)
{
    hal_uart_rx_flush(l->port);
}

static const struct hal_link_ops uart_link_ops = {
    .write = uart_link_write,
    .read = uart_link_read,
    .rx_flush = uart_link_rx_flush,
};

void hal_link_uart(hal_link *l, hal_uart_port port)
{
    if (l == NULL)
        return;
    l->ops = &uart_link_ops;
    l->ctx = NULL;
    l->port = port;
}
