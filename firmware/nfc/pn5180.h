/*
 * pn5180.h — NXP PN5180 over SPI as an nfc_frontend (transparent: the
 * firmware runs ISO 14443-3 in iso14443_3.c and T=CL in tcl.c).
 *
 * The chip is driven by host-interface instructions: WRITE_REGISTER (00),
 * WRITE_REGISTER_OR_MASK (01), WRITE_REGISTER_AND_MASK (02), READ_REGISTER
 * (04), SEND_DATA (09), READ_DATA (0A), LOAD_RF_CONFIG (11), RF_ON (16),
 * RF_OFF (17); registers are 32-bit little endian. A transceive sets the
 * Transceive command in SYSTEM_CONFIG, CRC and RX bit alignment, clears
 * IRQs, sends, polls IRQ_STATUS for RX_IRQ until the host-side deadline,
 * reads RX_STATUS (byte count, last bits, integrity/protocol error,
 * collision position) and READ_DATA.
 *
 * nfc_spi: write sends one NSS-framed instruction, read clocks in one
 * NSS-framed answer; the board's adapter waits for BUSY low between them.
 * Errors: as nfc_frontend.h; KS_ERR_TRANSPORT for an SPI failure.
 */
#ifndef PN5180_H
#define PN5180_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfc_frontend.h"
#include "status.h"

typedef struct nfc_spi {
    ks_status (*write)(void *ctx, const uint8_t *data, size_t len);
    ks_status (*read)(void *ctx, uint8_t *buf, size_t len);
    void *ctx;
} nfc_spi;

enum {
    PN5180_WRITE_REGISTER = 0x00,
    PN5180_WRITE_REGISTER_OR_MASK = 0x01,
    PN5180_WRITE_REGISTER_AND_MASK = 0x02,
    PN5180_READ_REGISTER = 0x04,
    PN5180_SEND_DATA = 0x09,
    PN5180_READ_DATA = 0x0A,
    PN5180_LOAD_RF_CONFIG = 0x11,
    PN5180_RF_ON = 0x16,
    PN5180_RF_OFF = 0x17
};

enum {
    PN5180_REG_SYSTEM_CONFIG = 0x00,
    PN5180_REG_IRQ_STATUS = 0x02,
    PN5180_REG_IRQ_CLEAR = 0x03,
    PN5180_REG_CRC_RX_CONFIG = 0x12,
    PN5180_REG_RX_STATUS = 0x13,
    PN5180_REG_CRC_TX_CONFIG = 0x19
};

#define PN5180_MAX_FRAME 260u

typedef struct pn5180 {
    nfc_frontend fe;     /* first member */
    nfc_spi spi;
    nfc_tech tech;       /* RF configuration currently loaded */
    bool tech_loaded;
    uint8_t buf[PN5180_MAX_FRAME + 2u];
} pn5180;

void pn5180_init(pn5180 *p, const nfc_spi *spi, const nfc_clock *clock);

ks_status pn5180_write_register(pn5180 *p, uint8_t reg, uint32_t value);
ks_status pn5180_read_register(pn5180 *p, uint8_t reg, uint32_t *value);
ks_status pn5180_load_rf_config(pn5180 *p, nfc_tech tech);

#endif
