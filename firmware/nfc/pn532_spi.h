/*
 * pn532_spi.h — the PN532's SPI interface as an nfc_link, so the PN532
 * driver (pn532.h) runs unchanged over HSU (UART) or SPI.
 *
 * On SPI every exchange is one NSS-framed transfer that starts with a
 * direction byte (UM0701-02, 6.2.5): 0x01 data write (host frame follows),
 * 0x02 status read (one status byte comes back; bit 0 set = a frame is
 * ready), 0x03 data read (the chip's frame comes back). The chip shifts
 * bytes LSB first; a bus that can only shift MSB first sets
 * `reverse_bits` and the adapter mirrors every byte.
 *
 * read() polls the status until a frame is ready or timeout_ms passes
 * (KS_ERR_TIMEOUT), then reads one frame's worth of bytes; the PN532
 * driver's frame decoder skips what follows the frame. Errors:
 * KS_ERR_TRANSPORT when the bus fails.
 */
#ifndef PN532_SPI_H
#define PN532_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfc_frontend.h"
#include "pn532.h"
#include "status.h"

typedef struct pn532_spi_bus {
    /* One NSS-framed transfer: tx_len bytes out, then rx_len bytes in. */
    ks_status (*xfer)(void *ctx, const uint8_t *tx, size_t tx_len, uint8_t *rx, size_t rx_len);
    void *ctx;
} pn532_spi_bus;

typedef struct pn532_spi {
    pn532_spi_bus bus;
    nfc_clock clock;
    bool reverse_bits;
    uint32_t poll_interval_ms; /* between status reads; 0 polls back to back */
    void (*sleep_ms)(void *ctx, uint32_t ms); /* optional, with clock.ctx */
    uint8_t buf[PN532_MAX_FRAME + 1];
} pn532_spi;

#define PN532_SPI_DATA_WRITE 0x01u
#define PN532_SPI_STATUS_READ 0x02u
#define PN532_SPI_DATA_READ 0x03u

void pn532_spi_init(pn532_spi *s, pn532_spi_bus bus, nfc_clock clock, bool reverse_bits);

/* The nfc_link whose ctx is s. */
nfc_link pn532_spi_link(pn532_spi *s);

#endif
