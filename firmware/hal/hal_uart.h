/*
 * hal_uart.h — the byte-serial ports of the reader board.
 *
 * Offers: open a port at a baud rate, queue bytes for transmission without
 * blocking, read received bytes with a timeout, and a few queue queries.
 * Every port has a receive ring and a transmit ring owned by the board
 * (static storage, no heap). On the MCU the rings are filled/drained by the
 * USART interrupt; on the native board by a pty or file descriptor.
 *
 * Port map (STM32F405 / QEMU netduinoplus2: the n-th -serial is USARTn):
 *   HAL_UART_HOST   USART1  serial CCID toward the host (libccidtwin)
 *   HAL_UART_NFC    USART2  PN532 HSU
 *   HAL_UART_QR     USART3  QR scanner module
 *   HAL_UART_DEBUG  UART4   test/debug console (text lines; see app.h)
 *   HAL_UART_VENDOR USART6  vendor channel (QR events, LEDs)
 *
 * Errors: KS_ERR_ARG for an unknown port or zero baud, KS_ERR_TIMEOUT when a
 * bounded wait expires, KS_ERR_IO when the native board's link fails.
 * Received bytes that do not fit the ring are dropped and counted
 * (hal_uart_rx_dropped) so a slow consumer shows up instead of corrupting.
 */
#ifndef HAL_UART_H
#define HAL_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum hal_uart_port {
    HAL_UART_HOST = 0,
    HAL_UART_NFC,
    HAL_UART_QR,
    HAL_UART_DEBUG,
    HAL_UART_VENDOR,
    HAL_UART_COUNT
} hal_uart_port;

/* Ring sizes; a power of two. 512 holds one full 271-byte CCID message plus
 * framing and a PN532 extended frame with room to spare. */
#define HAL_UART_RING_SIZE 512u

/* Configures the port (8N1, no flow control) and empties both rings.
 * May be called again to change the baud rate (PN532 HSU speed change). */
ks_status hal_uart_open(hal_uart_port port, uint32_t baud);

/* Queues up to len bytes; returns how many were accepted (0..len). Never
 * blocks. Returns 0 for an unopened or unknown port. */
size_t hal_uart_write(hal_uart_port port, const uint8_t *data, size_t len);

/* Queues all len bytes, waiting for ring space at most timeout_ms. */
ks_status hal_uart_write_all(hal_uart_port port, const uint8_t *data, size_t len,
                             uint32_t timeout_ms);

/* Copies up to cap received bytes into buf and stores the count in *got.
 * Waits at most timeout_ms for the first byte (0 = just poll), then takes
 * whatever else is already buffered. KS_ERR_TIMEOUT when nothing arrived. */
ks_status hal_uart_read(hal_uart_port port, uint8_t *buf, size_t cap, size_t *got,
                        uint32_t timeout_ms);

/* Bytes waiting in the receive ring. */
size_t hal_uart_rx_available(hal_uart_port port);

/* Discards everything received so far (e.g. before a PN532 command). */
void hal_uart_rx_flush(hal_uart_port port);

/* True once every queued byte has left the transmit ring. */
bool hal_uart_tx_idle(hal_uart_port port);

/* Waits until the transmit ring is empty, at most timeout_ms. */
ks_status hal_uart_tx_drain(hal_uart_port port, uint32_t timeout_ms);

/* Received bytes lost because the ring was full (or a hardware overrun). */
uint32_t hal_uart_rx_dropped(hal_uart_port port);

#endif
