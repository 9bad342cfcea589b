#include "pn532_spi.h"

#include <string.h>

static uint8_t mirror(uint8_t b)
{
    b = (uint8_t)((b & 0xF0u) >> 4 | (b & 0x0Fu) << 4);
    b = (uint8_t)((b & 0xCCu) >> 2 | (b & 0x33u) << 2);
    return (uint8_t)((b & 0xAAu) >> 1 | (b & 0x55u) << 1);
}

static void mirror_all(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = mirror(p[i]);
}

void pn532_spi_init(pn532_spi *s, pn532_spi_bus bus, nfc_clock clock, bool reverse_bits)
{
    memset(s, 0, sizeof *s);
    s->bus = bus;
    s->clock = clock;
    s->reverse_bits = reverse_bits;
    s->poll_interval_ms = 1;
}

static uint32_t spi_now(const pn532_spi *s)
{
    return s->clock.now_ms ? s->clock.now_ms(s->clock.ctx) : 0u;
}

static ks_status spi_write(void *ctx, const uint8_t *data, size_t len)
{
    pn532_spi *s = ctx;
    if (!data || len + 1u > sizeof s->buf)
        return KS_ERR_ARG;
    s->buf[0] = PN532_SPI_DATA_WRITE;
    memcpy(s->buf + 1, data, len);
    if (s->reverse_bits)
        mirror_all(s->buf, len + 1u);
    return s->bus.xfer(s->bus.ctx, s->buf, len + 1u, NULL, 0) == KS_OK ? KS_OK
                                                                      : KS_ERR_TRANSPORT;
}

static ks_status wait_ready(pn532_spi *s, uint32_t timeout_ms)
{
    uint8_t cmd = PN532_SPI_STATUS_READ;
    if (s->reverse_bits)
        cmd = mirror(cmd);
    uint32_t start = spi_now(s);
    for (;;) {
        uint8_t status = 0;
        if (s->bus.xfer(s->bus.ctx, &cmd, 1, &status, 1) != KS_OK)
            return KS_ERR_TRANSPORT;
        if (s->reverse_bits)
            status = mirror(status);
        if (status & 0x01u)
            return KS_OK;
        /* Wrap-safe: elapsed time as an unsigned difference. */
        if ((uint32_t)(spi_now(s) - start) >= timeout_ms)
            return KS_ERR_TIMEOUT;
        if (s->sleep_ms && s->poll_interval_ms)
            s->sleep_ms(s->clock.ctx, s->poll_interval_ms);
    }
}

static ks_status spi_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms)
{
    pn532_spi *s = ctx;
    if (!buf || !got || cap == 0)
        return KS_ERR_ARG;
    *got = 0;
    ks_status st = wait_ready(s, timeout_ms);
    if (st != KS_OK)
        return st;
    uint8_t cmd = PN532_SPI_DATA_READ;
    if (s->reverse_bits)
        cmd = mirror(cmd);
    /* One frame at most: the decoder resynchronises on what follows it. */
    size_t n = cap < PN532_MAX_FRAME ? cap : PN532_MAX_FRAME;
    if (s->bus.xfer(s->bus.ctx, &cmd, 1, buf, n) != KS_OK)
        return KS_ERR_TRANSPORT;
    if (s->reverse_bits)
        mirror_all(buf, n);
    *got = n;
    return KS_OK;
}

nfc_link pn532_spi_link(pn532_spi *s)
{
    nfc_link l = {.write = spi_write, .read = spi_read, .ctx = s};
    return l;
}
