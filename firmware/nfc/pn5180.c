/*
 * pn5180.c — PN5180 host interface and transparent front-end.
 */
#include "pn5180.h"

#include <string.h>

#include "iso14443_3.h"

#define SYSCFG_COMMAND_MASK 0x00000007u
#define SYSCFG_TRANSCEIVE 0x00000003u
#define IRQ_RX 0x00000001u
#define IRQ_GENERAL_ERROR 0x00020000u
#define IRQ_ALL 0x000FFFFFu
#define CRC_ENABLE 0x00000001u
#define RX_BIT_ALIGN_SHIFT 6u
#define RX_BIT_ALIGN_MASK 0x000001C0u
#define RXS_BYTES(v) ((v) & 0x1FFu)
#define RXS_LAST_BITS(v) (((v) >> 13) & 0x7u)
#define RXS_INTEGRITY_ERROR 0x00010000u
#define RXS_PROTOCOL_ERROR 0x00020000u
#define RXS_COLLISION 0x00040000u
#define RXS_COLL_POS(v) (((v) >> 19) & 0x7Fu)
/* Host-side polling: slack over the RF timeout and a bound if the clock stalls. */
#define POLL_SLACK_MS 2u
#define POLL_LIMIT 100000u

static pn5180 *from_fe(nfc_frontend *fe)
{
    return (pn5180 *)(void *)fe;
}

static ks_status spi_write(pn5180 *p, const uint8_t *d, size_t n)
{
    return p->spi.write(p->spi.ctx, d, n) == KS_OK ? KS_OK : KS_ERR_TRANSPORT;
}

static ks_status spi_read(pn5180 *p, uint8_t *d, size_t n)
{
    return p->spi.read(p->spi.ctx, d, n) == KS_OK ? KS_OK : KS_ERR_TRANSPORT;
}

static ks_status reg_op(pn5180 *p, uint8_t op, uint8_t reg, uint32_t v)
{
    uint8_t tx[6] = {op, reg, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 24)};
    return spi_write(p, tx, sizeof tx);
}

ks_status pn5180_write_register(pn5180 *p, uint8_t reg, uint32_t value)
{
    return reg_op(p, PN5180_WRITE_REGISTER, reg, value);
}

ks_status pn5180_read_register(pn5180 *p, uint8_t reg, uint32_t *value)
{
    uint8_t tx[2] = {PN5180_READ_REGISTER, reg}, rx[4];
    ks_status st = spi_write(p, tx, sizeof tx);
    if (st == KS_OK)
        st = spi_read(p, rx, sizeof rx);
    if (st == KS_OK)
        *value = (uint32_t)rx[0] | (uint32_t)rx[1] << 8 | (uint32_t)rx[2] << 16 |
                 (uint32_t)rx[3] << 24;
    return st;
}

ks_status pn5180_load_rf_config(pn5180 *p, nfc_tech tech)
{
    /* ISO 14443 A / B at 106 kbit/s: TX config, RX config */
    uint8_t tx[3] = {PN5180_LOAD_RF_CONFIG, tech == NFC_TECH_A ? 0x00 : 0x04,
                     tech == NFC_TECH_A ? 0x80 : 0x84};
    ks_status st = spi_write(p, tx, sizeof tx);
    if (st == KS_OK) {
        p->tech = tech;
        p->tech_loaded = true;
    }
    return st;
}

static ks_status go_idle(pn5180 *p)
{
    return reg_op(p, PN5180_WRITE_REGISTER_AND_MASK, PN5180_REG_SYSTEM_CONFIG,
                  ~SYSCFG_COMMAND_MASK);
}

static ks_status prepare(pn5180 *p, nfc_tech tech, bool crc, size_t align)
{
    ks_status st = KS_OK;
    if (!p->tech_loaded || p->tech != tech)
        st = pn5180_load_rf_config(p, tech);
    if (st == KS_OK)
        st = go_idle(p);
    if (st == KS_OK)
        st = reg_op(p, PN5180_WRITE_REGISTER_OR_MASK, PN5180_REG_SYSTEM_CONFIG, SYSCFG_TRANSCEIVE);
    if (st == KS_OK)
        st = reg_op(p, crc ? PN5180_WRITE_REGISTER_OR_MASK : PN5180_WRITE_REGISTER_AND_MASK,
                    PN5180_REG_CRC_TX_CONFIG, crc ? CRC_ENABLE : ~CRC_ENABLE);
    if (st == KS_OK)
        st = reg_op(p, PN5180_WRITE_REGISTER_AND_MASK, PN5180_REG_CRC_RX_CONFIG,
                    ~(CRC_ENABLE | RX_BIT_ALIGN_MASK));
    if (st == KS_OK)
        st = reg_op(p, PN5180_WRITE_REGISTER_OR_MASK, PN5180_REG_CRC_RX_CONFIG,
                    (crc ? CRC_ENABLE : 0u) | ((uint32_t)align << RX_BIT_ALIGN_SHIFT));
    if (st == KS_OK)
        st = pn5180_write_register(p, PN5180_REG_IRQ_CLEAR, IRQ_ALL);
    return st;
}

static ks_status wait_rx(pn5180 *p, uint32_t timeout_us)
{
    uint32_t start = nfc_now_ms(&p->fe), limit = timeout_us / 1000u + POLL_SLACK_MS;
    for (unsigned i = 0; i < POLL_LIMIT; i++) {
        uint32_t irq = 0;
        ks_status st = pn5180_read_register(p, PN5180_REG_IRQ_STATUS, &irq);
        if (st != KS_OK)
            return st;
        if (irq & IRQ_RX)
            return KS_OK;
        if (irq & IRQ_GENERAL_ERROR)
            return KS_ERR_TRANSPORT;
        if ((uint32_t)(nfc_now_ms(&p->fe) - start) > limit)
            break;
    }
    (void)go_idle(p);
    return KS_ERR_TIMEOUT;
}

static ks_status fe_raw(nfc_frontend *fe, nfc_tech tech, nfc_raw_xfer *x)
{
    pn5180 *p = from_fe(fe);
    if (!x || !x->tx || !x->rx || x->tx_bits == 0 || (x->tx_bits + 7u) / 8u > PN5180_MAX_FRAME)
        return KS_ERR_ARG;
    size_t tx_len = (x->tx_bits + 7u) / 8u, align = x->tx_bits % 8u;
    x->rx_bits = 0;
    x->coll_bit = -1;
    ks_status st = prepare(p, tech, x->crc, align);
    if (st != KS_OK)
        return st;
    p->buf[0] = PN5180_SEND_DATA;
    p->buf[1] = (uint8_t)align; /* valid bits in the last byte, 0 = all 8 */
    memcpy(p->buf + 2, x->tx, tx_len);
    st = spi_write(p, p->buf, tx_len + 2u);
    if (st != KS_OK)
        return st;
    st = wait_rx(p, x->timeout_us);
    if (st != KS_OK)
        return st;
    uint32_t rxs = 0;
    st = pn5180_read_register(p, PN5180_REG_RX_STATUS, &rxs);
    if (st != KS_OK)
        return st;
    size_t n = RXS_BYTES(rxs), last = RXS_LAST_BITS(rxs);
    if (n > x->rx_cap || n > PN5180_MAX_FRAME)
        return KS_ERR_TOO_LARGE;
    if (n) {
        uint8_t cmd[2] = {PN5180_READ_DATA, 0x00};
        st = spi_write(p, cmd, sizeof cmd);
        if (st == KS_OK)
            st = spi_read(p, x->rx, n);
        if (st != KS_OK)
            return st;
    }
    x->rx_bits = last ? (n - 1u) * 8u + last : n * 8u;
    if (rxs & RXS_COLLISION) {
        x->coll_bit = (int)RXS_COLL_POS(rxs);
        return KS_OK;
    }
    if (rxs & (RXS_INTEGRITY_ERROR | RXS_PROTOCOL_ERROR))
        return KS_ERR_MALFORMED;
    if (n == 0)
        return KS_ERR_TIMEOUT;
    return KS_OK;
}

static ks_status fe_transceive(nfc_frontend *fe, const uint8_t *tx, size_t tx_len, uint8_t *rx,
                               size_t cap, size_t *rx_len, uint32_t timeout_us)
{
    pn5180 *p = from_fe(fe);
    if (!tx || !rx || !rx_len || tx_len == 0)
        return KS_ERR_ARG;
    if (tx_len > PN5180_MAX_FRAME)
        return KS_ERR_TOO_LARGE;
    nfc_raw_xfer x = {.tx = tx, .tx_bits = tx_len * 8u, .crc = true, .rx = rx, .rx_cap = cap,
                      .timeout_us = timeout_us};
    ks_status st = fe_raw(fe, p->tech_loaded ? p->tech : NFC_TECH_A, &x);
    if (st != KS_OK)
        return st;
    if (x.coll_bit >= 0 || x.rx_bits % 8u)
        return KS_ERR_MALFORMED; /* one card is active: a collision is noise */
    *rx_len = x.rx_bits / 8u;
    return KS_OK;
}

static ks_status fe_field(nfc_frontend *fe, bool on)
{
    pn5180 *p = from_fe(fe);
    if (on) {
        ks_status st = pn5180_load_rf_config(p, p->tech_loaded ? p->tech : NFC_TECH_A);
        if (st != KS_OK)
            return st;
    }
    uint8_t cmd[2] = {on ? PN5180_RF_ON : PN5180_RF_OFF, 0x00};
    return spi_write(p, cmd, sizeof cmd);
}

static ks_status fe_poll_a(nfc_frontend *fe, nfc_target *out)
{
    return iso14443_3_poll_a(fe, out);
}

static ks_status fe_poll_b(nfc_frontend *fe, uint8_t afi, nfc_target *out)
{
    return iso14443_3_poll_b(fe, afi, out);
}

static const struct nfc_frontend_ops pn5180_ops = {
    .field = fe_field,
    .poll_a = fe_poll_a,
    .poll_b = fe_poll_b,
    .transceive = fe_transceive,
    .raw = fe_raw,
    .exchange_apdu = NULL,
    .release = NULL,
};

void pn5180_init(pn5180 *p, const nfc_spi *spi, const nfc_clock *clock)
{
    memset(p, 0, sizeof *p);
    p->fe.ops = &pn5180_ops;
    if (clock)
        p->fe.clock = *clock;
    p->fe.max_frame = PN5180_MAX_FRAME - 2u;
    p->spi = *spi;
}
