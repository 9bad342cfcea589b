/*
 * test_pn5180.c — the PN5180 front-end against scripted SPI transfers:
 * field on/off, a CRC frame exchange, a 7-bit REQA with bit alignment, a
 * timeout that returns the chip to idle, integrity errors and collisions.
 */
#include "nfc_script.h"
#include "pn5180.h"

typedef struct spi_step {
    char dir;          /* 'W': expect this write; 'R': answer this read */
    const char *hex;
} spi_step;

typedef struct fake_spi {
    const spi_step *steps;
    size_t count, pos;
    uint32_t clock;
} fake_spi;

static ks_status fs_write(void *ctx, const uint8_t *d, size_t n)
{
    fake_spi *s = ctx;
    assert_true(s->pos < s->count);
    const spi_step *st = &s->steps[s->pos++];
    assert_int_equal(st->dir, 'W');
    uint8_t want[300];
    size_t wn = hex_to_bytes(st->hex, want, sizeof want);
    assert_int_equal(n, wn);
    assert_memory_equal(d, want, n);
    return KS_OK;
}

static ks_status fs_read(void *ctx, uint8_t *d, size_t n)
{
    fake_spi *s = ctx;
    assert_true(s->pos < s->count);
    const spi_step *st = &s->steps[s->pos++];
    assert_int_equal(st->dir, 'R');
    size_t got = hex_to_bytes(st->hex, d, n);
    assert_int_equal(got, n);
    return KS_OK;
}

static uint32_t fs_now(void *ctx)
{
    return ((fake_spi *)ctx)->clock++;
}

#define SPI_RUN(list) \
    fake_spi s_ = {.steps = list, .count = sizeof list / sizeof list[0]}; \
    nfc_spi spi_ = {fs_write, fs_read, &s_}; \
    nfc_clock clk_ = {fs_now, &s_}; \
    pn5180 p_; \
    pn5180_init(&p_, &spi_, &clk_); \
    nfc_frontend *fe = &p_.fe

/* Steps common to every transceive with CRC on and no bit alignment. */
#define PREP_CRC \
    {'W', "02 00 F8 FF FF FF"}, {'W', "01 00 03 00 00 00"}, {'W', "01 19 01 00 00 00"}, \
    {'W', "02 12 3E FE FF FF"}, {'W', "01 12 01 00 00 00"}, {'W', "00 03 FF FF 0F 00"}

static void test_field_on_loads_type_a_config(void **state)
{
    (void)state;
    static const spi_step steps[] = {
        {'W', "11 00 80"}, {'W', "16 00"}, {'W', "17 00"},
    };
    SPI_RUN(steps);
    assert_int_equal(fe->ops->field(fe, true), KS_OK);
    assert_int_equal(fe->ops->field(fe, false), KS_OK);
    assert_int_equal(s_.pos, s_.count);
}

static void test_crc_frame_exchange(void **state)
{
    (void)state;
    static const spi_step steps[] = {
        {'W', "11 00 80"},
        PREP_CRC,
        {'W', "09 00 02 00 A4"},
        {'W', "04 02"}, {'R', "00 00 00 00"},   /* not yet */
        {'W', "04 02"}, {'R', "03 00 00 00"},   /* RX_IRQ */
        {'W', "04 13"}, {'R', "03 00 00 00"},   /* 3 bytes, all bits */
        {'W', "0A 00"}, {'R', "02 90 00"},
    };
    SPI_RUN(steps);
    uint8_t tx[3] = {0x02, 0x00, 0xA4}, rx[8];
    size_t n = 0;
    assert_int_equal(fe->ops->transceive(fe, tx, 3, rx, sizeof rx, &n, 5000), KS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rx[1], 0x90);
    assert_int_equal(s_.pos, s_.count);
}

static void test_reqa_sends_seven_bits_without_crc(void **state)
{
    (void)state;
    static const spi_step steps[] = {
        {'W', "11 00 80"},
        {'W', "02 00 F8 FF FF FF"}, {'W', "01 00 03 00 00 00"}, {'W', "02 19 FE FF FF FF"},
        {'W', "02 12 3E FE FF FF"}, {'W', "01 12 C0 01 00 00"}, {'W', "00 03 FF FF 0F 00"},
        {'W', "09 07 52"},
        {'W', "04 02"}, {'R', "01 00 00 00"},
        {'W', "04 13"}, {'R', "02 00 00 00"},
        {'W', "0A 00"}, {'R', "04 00"},
    };
    SPI_RUN(steps);
    uint8_t wupa = 0x52, rx[2];
    nfc_raw_xfer x = {.tx = &wupa, .tx_bits = 7, .crc = false, .rx = rx, .rx_cap = 2,
                      .timeout_us = 1000};
    assert_int_equal(fe->ops->raw(fe, NFC_TECH_A, &x), KS_OK);
    assert_int_equal(x.rx_bits, 16);
    assert_int_equal(x.coll_bit, -1);
    assert_int_equal(rx[0], 0x04);
    assert_int_equal(s_.pos, s_.count);
}

static void test_timeout_returns_chip_to_idle(void **state)
{
    (void)state;
    static const spi_step steps[] = {
        {'W', "11 00 80"},
        PREP_CRC,
        {'W', "09 00 B2"},
        {'W', "04 02"}, {'R', "00 00 00 00"},
        {'W', "04 02"}, {'R', "00 00 00 00"},
        {'W', "04 02"}, {'R', "00 00 00 00"},
        {'W', "04 02"}, {'R', "00 00 00 00"},
        {'W', "02 00 F8 FF FF FF"},
    };
    SPI_RUN(steps);
    uint8_t tx[1] = {0xB2}, rx[8];
    size_t n = 0;
    /* 1 ms timeout + 2 ms slack; the fake clock advances 1 ms per reading */
    assert_int_equal(fe->ops->transceive(fe, tx, 1, rx, sizeof rx, &n, 1000), KS_ERR_TIMEOUT);
    assert_int_equal(s_.pos, s_.count);
}

static void test_integrity_error_and_collision(void **state)
{
    (void)state;
    static const spi_step steps[] = {
        {'W', "11 00 80"},
        PREP_CRC,
        {'W', "09 00 02 00"},
        {'W', "04 02"}, {'R', "01 00 00 00"},
        {'W', "04 13"}, {'R', "02 00 01 00"},    /* 2 bytes, integrity error */
        {'W', "0A 00"}, {'R', "02 90"},
        /* anticollision: collision at bit 10 */
        {'W', "02 00 F8 FF FF FF"}, {'W', "01 00 03 00 00 00"}, {'W', "02 19 FE FF FF FF"},
        {'W', "02 12 3E FE FF FF"}, {'W', "01 12 00 00 00 00"}, {'W', "00 03 FF FF 0F 00"},
        {'W', "09 00 93 20"},
        {'W', "04 02"}, {'R', "01 00 00 00"},
        {'W', "04 13"}, {'R', "05 00 54 00"},    /* 5 bytes, collision, pos 10 */
        {'W', "0A 00"}, {'R', "DE AD BE EF 22"},
    };
    SPI_RUN(steps);
    uint8_t tx[2] = {0x02, 0x00}, rx[8];
    size_t n = 0;
    assert_int_equal(fe->ops->transceive(fe, tx, 2, rx, sizeof rx, &n, 5000), KS_ERR_MALFORMED);
    uint8_t ac[2] = {0x93, 0x20};
    nfc_raw_xfer x = {.tx = ac, .tx_bits = 16, .crc = false, .rx = rx, .rx_cap = 5,
                      .timeout_us = 1000};
    assert_int_equal(fe->ops->raw(fe, NFC_TECH_A, &x), KS_OK);
    assert_int_equal(x.coll_bit, 10);
    assert_int_equal(x.rx_bits, 40);
    assert_int_equal(s_.pos, s_.count);
}

static void test_register_access_is_little_endian(void **state)
{
    (void)state;
    static const spi_step steps[] = {
        {'W', "00 00 78 56 34 12"},
        {'W', "04 24"}, {'R', "01 02 03 04"},
        {'W', "11 04 84"},
    };
    SPI_RUN(steps);
    (void)fe;
    uint32_t v = 0;
    assert_int_equal(pn5180_write_register(&p_, 0x00, 0x12345678u), KS_OK);
    assert_int_equal(pn5180_read_register(&p_, 0x24, &v), KS_OK);
    assert_int_equal(v, 0x04030201u);
    assert_int_equal(pn5180_load_rf_config(&p_, NFC_TECH_B), KS_OK);
    assert_int_equal(s_.pos, s_.count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_on_loads_type_a_config),
        cmocka_unit_test(test_crc_frame_exchange),
        cmocka_unit_test(test_reqa_sends_seven_bits_without_crc),
        cmocka_unit_test(test_timeout_returns_chip_to_idle),
        cmocka_unit_test(test_integrity_error_and_collision),
        cmocka_unit_test(test_register_access_is_little_endian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
