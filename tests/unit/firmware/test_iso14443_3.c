/*
 * test_iso14443_3.c — type A anticollision (4/7/10-byte UIDs, a bit
 * collision, bad BCC) and type B activation against scripted card answers
 * on a transparent front-end.
 */
#include "iso14443_3.h"
#include "nfc_script.h"

typedef struct raw_step {
    const char *expect;
    size_t expect_bits;
    bool crc;
    const char *answer;
    size_t answer_bits;
    int coll_bit;
    ks_status st;
} raw_step;

typedef struct raw_fe {
    nfc_frontend fe;
    const raw_step *steps;
    size_t count, pos;
} raw_fe;

static ks_status raw_xfer(nfc_frontend *fe, nfc_tech tech, nfc_raw_xfer *x)
{
    (void)tech;
    raw_fe *r = (raw_fe *)(void *)fe;
    assert_true(r->pos < r->count);
    const raw_step *s = &r->steps[r->pos++];
    uint8_t want[32];
    size_t n = hex_to_bytes(s->expect, want, sizeof want);
    assert_int_equal(x->tx_bits, s->expect_bits);
    assert_int_equal((x->tx_bits + 7) / 8, n);
    /* compare only the bits that are sent */
    for (size_t i = 0; i < n; i++) {
        uint8_t mask = 0xFF;
        if (i == n - 1 && x->tx_bits % 8)
            mask = (uint8_t)((1u << (x->tx_bits % 8)) - 1u);
        assert_int_equal(x->tx[i] & mask, want[i] & mask);
    }
    assert_int_equal(x->crc, s->crc);
    if (s->st != KS_OK)
        return s->st;
    size_t an = hex_to_bytes(s->answer, x->rx, x->rx_cap);
    (void)an;
    x->rx_bits = s->answer_bits;
    x->coll_bit = s->coll_bit;
    return KS_OK;
}

static const struct nfc_frontend_ops raw_ops = {.raw = raw_xfer};

#define RAW_RUN(list) \
    raw_fe r_ = {.fe = {.ops = &raw_ops}, .steps = list, .count = sizeof list / sizeof list[0]}; \
    nfc_target t_

#define WUPA_STEP {"52", 7, false, "04 00", 16, -1, KS_OK}

static void test_single_size_uid(void **state)
{
    (void)state;
    static const raw_step steps[] = {
        WUPA_STEP,
        {"93 20", 16, false, "DE AD BE EF 22", 40, -1, KS_OK},
        {"93 70 DE AD BE EF 22", 56, true, "20", 8, -1, KS_OK},
    };
    RAW_RUN(steps);
    assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_OK);
    assert_int_equal(t_.uid_len, 4);
    assert_int_equal(t_.uid[0], 0xDE);
    assert_int_equal(t_.sak, 0x20);
    assert_int_equal(t_.atqa[0], 0x04);
    assert_int_equal(r_.pos, r_.count);
}

static void test_double_size_uid(void **state)
{
    (void)state;
    static const raw_step steps[] = {
        {"52", 7, false, "44 00", 16, -1, KS_OK},
        {"93 20", 16, false, "88 04 11 22 BF", 40, -1, KS_OK},
        {"93 70 88 04 11 22 BF", 56, true, "04", 8, -1, KS_OK},
        {"95 20", 16, false, "33 44 55 66 44", 40, -1, KS_OK},
        {"95 70 33 44 55 66 44", 56, true, "20", 8, -1, KS_OK},
    };
    RAW_RUN(steps);
    assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_OK);
    assert_int_equal(t_.uid_len, 7);
    uint8_t want[7] = {0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    assert_memory_equal(t_.uid, want, 7);
    assert_int_equal(t_.sak, 0x20);
}

static void test_triple_size_uid(void **state)
{
    (void)state;
    static const raw_step steps[] = {
        {"52", 7, false, "84 00", 16, -1, KS_OK},
        {"93 20", 16, false, "88 01 02 03 88", 40, -1, KS_OK},
        {"93 70 88 01 02 03 88", 56, true, "04", 8, -1, KS_OK},
        {"95 20", 16, false, "88 04 05 06 8F", 40, -1, KS_OK},
        {"95 70 88 04 05 06 8F", 56, true, "04", 8, -1, KS_OK},
        {"97 20", 16, false, "07 08 09 0A 0C", 40, -1, KS_OK},
        {"97 70 07 08 09 0A 0C", 56, true, "20", 8, -1, KS_OK},
    };
    RAW_RUN(steps);
    assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_OK);
    assert_int_equal(t_.uid_len, 10);
    assert_int_equal(t_.uid[0], 0x01);
    assert_int_equal(t_.uid[9], 0x0A);
}

/* Two cards differ at bit 10: the PCD picks 1 there and sends 11 known bits. */
static void test_bit_collision_is_resolved(void **state)
{
    (void)state;
    static const raw_step steps[] = {
        WUPA_STEP,
        {"93 20", 16, false, "DE AD BE EF 22", 40, 10, KS_OK},
        {"93 33 DE 05", 27, false, "A8 BE EF 22", 32, -1, KS_OK},
        {"93 70 DE AD BE EF 22", 56, true, "20", 8, -1, KS_OK},
    };
    RAW_RUN(steps);
    assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_OK);
    uint8_t want[4] = {0xDE, 0xAD, 0xBE, 0xEF};
    assert_memory_equal(t_.uid, want, 4);
    assert_int_equal(r_.pos, r_.count);
}

static void test_bad_bcc_and_empty_field(void **state)
{
    (void)state;
    static const raw_step bad[] = {
        WUPA_STEP,
        {"93 20", 16, false, "DE AD BE EF 23", 40, -1, KS_OK},
    };
    {
        RAW_RUN(bad);
        assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_ERR_MALFORMED);
    }
    static const raw_step none[] = {{"52", 7, false, NULL, 0, -1, KS_ERR_TIMEOUT}};
    {
        RAW_RUN(none);
        assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_ERR_NOT_FOUND);
    }
    static const raw_step short_uid[] = {
        WUPA_STEP,
        {"93 20", 16, false, "DE AD", 16, -1, KS_OK},
    };
    {
        RAW_RUN(short_uid);
        assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_ERR_MALFORMED);
    }
    static const raw_step cascade_without_tag[] = {
        WUPA_STEP,
        {"93 20", 16, false, "DE AD BE EF 22", 40, -1, KS_OK},
        {"93 70 DE AD BE EF 22", 56, true, "04", 8, -1, KS_OK},
    };
    {
        RAW_RUN(cascade_without_tag);
        assert_int_equal(iso14443_3_poll_a(&r_.fe, &t_), KS_ERR_MALFORMED);
    }
}

static void test_type_b_wupb_and_attrib(void **state)
{
    (void)state;
    static const raw_step steps[] = {
        {"05 00 08", 24, true, "50 11 22 33 44 00 00 00 00 00 81 71", 96, -1, KS_OK},
        {"1D 11 22 33 44 00 08 01 00", 72, true, "10", 8, -1, KS_OK},
    };
    RAW_RUN(steps);
    assert_int_equal(iso14443_3_poll_b(&r_.fe, 0x00, &t_), KS_OK);
    assert_int_equal(t_.tech, NFC_TECH_B);
    assert_int_equal(t_.uid_len, 4);
    assert_int_equal(t_.uid[3], 0x44);
    assert_true(t_.has_attrib_res);
    assert_int_equal(t_.attrib_res0, 0x10);
    static const raw_step bad[] = {
        {"05 30 08", 24, true, "51 11 22 33 44 00 00 00 00 00 81 71", 96, -1, KS_OK},
    };
    {
        raw_fe r2 = {.fe = {.ops = &raw_ops}, .steps = bad, .count = 1};
        assert_int_equal(iso14443_3_poll_b(&r2.fe, 0x30, &t_), KS_ERR_MALFORMED);
    }
}

static void test_hlta_is_acknowledged_by_silence(void **state)
{
    (void)state;
    static const raw_step steps[] = {{"50 00", 16, true, NULL, 0, -1, KS_ERR_TIMEOUT}};
    RAW_RUN(steps);
    (void)t_;
    assert_int_equal(iso14443_3_hlta(&r_.fe), KS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_size_uid),
        cmocka_unit_test(test_double_size_uid),
        cmocka_unit_test(test_triple_size_uid),
        cmocka_unit_test(test_bit_collision_is_resolved),
        cmocka_unit_test(test_bad_bcc_and_empty_field),
        cmocka_unit_test(test_type_b_wupb_and_attrib),
        cmocka_unit_test(test_hlta_is_acknowledged_by_silence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
