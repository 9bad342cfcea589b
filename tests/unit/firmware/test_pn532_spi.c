/* The PN532's SPI protocol as a byte link (firmware/nfc/pn532_spi.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pn532_spi.h"

/* A scripted bus: records what goes out, answers reads from a queue. */
typedef struct fake_bus {
    uint8_t out[8][300];
    size_t out_len[8];
    size_t transfers;
    uint8_t answers[8][300];
    size_t answer_len[8];
    size_t answered, queued;
    uint32_t clock;
} fake_bus;

static ks_status bus_xfer(void *ctx, const uint8_t *tx, size_t tx_len, uint8_t *rx, size_t rx_len)
{
    fake_bus *b = ctx;
    assert_true(b->transfers < 8 && tx_len <= sizeof b->out[0]);
    memcpy(b->out[b->transfers], tx, tx_len);
    b->out_len[b->transfers++] = tx_len;
    b->clock += 1;
    if (rx_len) {
        assert_true(b->answered < b->queued);
        size_t n = b->answer_len[b->answered];
        memset(rx, 0, rx_len);
        memcpy(rx, b->answers[b->answered++], n < rx_len ? n : rx_len);
    }
    return KS_OK;
}

static uint32_t bus_now(void *ctx)
{
    return ((fake_bus *)ctx)->clock;
}

static void queue(fake_bus *b, const uint8_t *bytes, size_t n)
{
    memcpy(b->answers[b->queued], bytes, n);
    b->answer_len[b->queued++] = n;
}

static void setup(pn532_spi *s, fake_bus *b, bool reverse)
{
    memset(b, 0, sizeof *b);
    pn532_spi_bus bus = {bus_xfer, b};
    nfc_clock clock = {bus_now, b};
    pn532_spi_init(s, bus, clock, reverse);
}

static void write_prefixes_the_data_write_byte(void **state)
{
    (void)state;
    pn532_spi s;
    fake_bus b;
    setup(&s, &b, false);
    nfc_link l = pn532_spi_link(&s);
    const uint8_t frame[] = {0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00};
    assert_int_equal(l.write(l.ctx, frame, sizeof frame), KS_OK);
    assert_int_equal(b.transfers, 1);
    assert_int_equal(b.out_len[0], sizeof frame + 1);
    assert_int_equal(b.out[0][0], PN532_SPI_DATA_WRITE);
    assert_memory_equal(b.out[0] + 1, frame, sizeof frame);
}

static void read_polls_status_until_ready_then_reads_data(void **state)
{
    (void)state;
    pn532_spi s;
    fake_bus b;
    setup(&s, &b, false);
    const uint8_t busy = 0x00, ready = 0x01;
    const uint8_t ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
    queue(&b, &busy, 1);
    queue(&b, &busy, 1);
    queue(&b, &ready, 1);
    queue(&b, ack, sizeof ack);
    nfc_link l = pn532_spi_link(&s);
    uint8_t buf[64];
    size_t got = 0;
    assert_int_equal(l.read(l.ctx, buf, sizeof buf, &got, 100), KS_OK);
    assert_int_equal(got, sizeof buf);
    assert_memory_equal(buf, ack, sizeof ack);
    assert_int_equal(b.transfers, 4);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(b.out[i][0], PN532_SPI_STATUS_READ);
    assert_int_equal(b.out[3][0], PN532_SPI_DATA_READ);
}

static void read_times_out_when_the_chip_never_gets_ready(void **state)
{
    (void)state;
    pn532_spi s;
    fake_bus b;
    setup(&s, &b, false);
    const uint8_t busy = 0x00;
    for (int i = 0; i < 8; i++)
        queue(&b, &busy, 1);
    nfc_link l = pn532_spi_link(&s);
    uint8_t buf[16];
    size_t got = 99;
    assert_int_equal(l.read(l.ctx, buf, sizeof buf, &got, 5), KS_ERR_TIMEOUT);
    assert_int_equal(got, 0);
    assert_true(b.transfers <= 6);
}

static void msb_first_bus_sees_mirrored_bytes(void **state)
{
    (void)state;
    pn532_spi s;
    fake_bus b;
    setup(&s, &b, true);
    nfc_link l = pn532_spi_link(&s);
    const uint8_t frame[] = {0xD4, 0x01};
    assert_int_equal(l.write(l.ctx, frame, sizeof frame), KS_OK);
    /* 0x01 -> 0x80, 0xD4 (11010100) -> 0x2B (00101011), 0x01 -> 0x80. */
    const uint8_t want[] = {0x80, 0x2B, 0x80};
    assert_memory_equal(b.out[0], want, sizeof want);

    const uint8_t ready_mirrored = 0x80;
    const uint8_t data_mirrored[] = {0x00, 0x00, 0xFF};
    queue(&b, &ready_mirrored, 1);
    queue(&b, data_mirrored, sizeof data_mirrored);
    uint8_t buf[8];
    size_t got;
    assert_int_equal(l.read(l.ctx, buf, sizeof buf, &got, 10), KS_OK);
    assert_int_equal(b.out[1][0], 0x40); /* status read 0x02 mirrored */
    assert_int_equal(b.out[2][0], 0xC0); /* data read 0x03 mirrored */
    assert_int_equal(buf[2], 0xFF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_prefixes_the_data_write_byte),
        cmocka_unit_test(read_polls_status_until_ready_then_reads_data),
        cmocka_unit_test(read_times_out_when_the_chip_never_gets_ready),
        cmocka_unit_test(msb_first_bus_sees_mirrored_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
