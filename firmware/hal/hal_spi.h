/*
 * hal_spi.h — the SPI master toward an SPI front-end (PN5180: mode 0,
 * MSB first, up to 7 MHz). One bus, one device; chip select is manual so a
 * driver can frame a command across several transfers.
 *
 * hal_spi_transfer() clocks len bytes out of tx (0xFF when tx is NULL) and
 * stores the bytes clocked in into rx (discarded when rx is NULL); each byte
 * is bounded by timeout_ms overall, giving KS_ERR_TIMEOUT instead of a hang.
 * Under QEMU the SPI block exists but nothing is wired to it (reads 0).
 * The native board has no SPI device: hal_spi_open gives KS_ERR_UNSUPPORTED.
 */
#ifndef HAL_SPI_H
#define HAL_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Sets up SPI1 as master at the fastest rate not above max_hz. */
ks_status hal_spi_open(uint32_t max_hz);

/* Drives chip select: true = selected (NSS low). */
void hal_spi_select(bool selected);

ks_status hal_spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len, uint32_t timeout_ms);

#endif
