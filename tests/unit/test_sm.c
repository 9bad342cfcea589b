/*
 * Secure messaging. 3DES against ICAO Doc 9303-11 Appendix D.4 ("Secure
 * Messaging" part of the BAC worked example: SELECT EF.COM, READ BINARY of
 * the first 4 bytes, READ BINARY of the remaining 18), bytes checked against
 * two independent published transcriptions. Doc 9303 has no AES SM example,
 * so the AES vectors below were computed with an independent implementation
 * (Python "cryptography": AES-CBC with IV = E(KSenc, SSC), CMAC) from the
 * Appendix G.1 session keys and SSC starting at 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"
#include "cipher.h"
#include "sm.h"
#include "tlv.h"

#include "test_hex.h"

/* --- helpers -------------------------------------------------------------- */

static void init_bac_example(sm_ctx *sm)
{
    HEX(ksenc, "979EC13B1CBFE9DCD01AB0FED307EAE5");
    HEX(ksmac, "F1CB1F1FB5ADF208806B89DC579DC1F8");
    HEX(ssc, "887022120C06C226");
    assert_int_equal(sm_init(sm, KS_CIPHER_3DES, ksenc, ksmac, ssc), KS_OK);
}

static void init_pace_example(sm_ctx *sm)
{
    HEX(ksenc, "F5F0E35C0D7161EE6724EE513A0D9A7F");
    HEX(ksmac, "FE251C7858B356B24514B3BD5F4297D1");
    assert_int_equal(sm_init(sm, KS_CIPHER_AES128, ksenc, ksmac, NULL), KS_OK);
}

/* Wraps and encodes; asserts the encoded protected APDU equals want_hex. */
static void expect_wrap(sm_ctx *sm, const char *plain_hex, const char *want_hex)
{
    HEX(raw, plain_hex);
    HEX(want, want_hex);
    apdu_cmd plain, prot;
    assert_int_equal(apdu_parse_command(raw, raw_len, &plain, NULL), KS_OK);
    uint8_t buf[600], enc[700];
    size_t enc_len = 0;
    assert_int_equal(sm_wrap(sm, &plain, buf, sizeof buf, &prot), KS_OK);
    assert_int_equal(apdu_encode(&prot, APDU_FORM_AUTO, enc, sizeof enc, &enc_len), KS_OK);
    assert_int_equal(enc_len, want_len);
    assert_memory_equal(enc, want, want_len);
}

/* Unwraps a response given as data || SW1 SW2 in hex; checks plaintext and SW. */
static void expect_unwrap(sm_ctx *sm, const char *resp_hex, const char *plain_hex)
{
    HEX(resp, resp_hex);
    HEX(want, plain_hex);
    apdu_resp r;
    assert_int_equal(apdu_parse_response(resp, resp_len, &r), KS_OK);
    uint8_t plain[512];
    size_t n = 99;
    uint16_t sw = 0;
    assert_int_equal(sm_unwrap(sm, r.data, r.len, r.sw, plain, sizeof plain, &n, &sw), KS_OK);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(n, want_len);
    if (n)
        assert_memory_equal(plain, want, n);
}

/* Every single-bit change of the response (data or SW) must be refused. */
static void expect_every_bit_flip_refused(const sm_ctx *before, const char *resp_hex)
{
    HEX(resp, resp_hex);
    /* The untouched response verifies with this counter, so each refusal is the flip's doing. */
    {
        sm_ctx sm = *before;
        uint8_t plain[512];
        size_t n;
        uint16_t sw;
        uint16_t outer = (uint16_t)(resp[resp_len - 2] << 8 | resp[resp_len - 1]);
        assert_int_equal(sm_unwrap(&sm, resp, resp_len - 2, outer, plain, sizeof plain, &n, &sw),
                         KS_OK);
    }
    for (size_t bit = 0; bit < resp_len * 8; bit++) {
        uint8_t bad[512];
        memcpy(bad, resp, resp_len);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        sm_ctx sm = *before;
        uint8_t plain[512];
        size_t n = 99;
        uint16_t sw = 0;
        uint16_t outer = (uint16_t)(bad[resp_len - 2] << 8 | bad[resp_len - 1]);
        ks_status st = sm_unwrap(&sm, bad, resp_len - 2, outer, plain, sizeof plain, &n, &sw);
        assert_true(st == KS_ERR_AUTH || st == KS_ERR_MALFORMED);
        assert_int_equal(n, 0);
        assert_int_equal(sw, outer);
    }
}

static void ssc_add(uint8_t *ssc, size_t bs, unsigned k)
{
    while (k--)
        for (size_t i = bs; i-- > 0;)
            if (++ssc[i] != 0)
                break;
}

/*
 * A card-side response built straight from the cipher primitives, for the
 * cases no published example covers. pad_it false encrypts data as given
 * (its length must then be a multiple of the block).
 */
static size_t protect_response(const sm_ctx *host, uint32_t data_tag, const uint8_t *data,
                               size_t n, bool pad_it, bool with_status, uint16_t sw, uint8_t *out,
                               size_t cap)
{
    size_t bs = cipher_block_size(host->cipher);
    uint8_t ssc[16];
    memcpy(ssc, host->ssc, bs);
    ssc_add(ssc, bs, 1);
    size_t o = 0;
    if (n) {
        static uint8_t tmp[70000];
        memcpy(tmp, data, n);
        size_t padded = pad_it ? cipher_pad(tmp, n, sizeof tmp, bs) : n;
        assert_true(padded > 0 && padded % bs == 0);
        uint8_t iv[16] = {0};
        if (bs == 16)
            assert_int_equal(cipher_ecb_block(host->cipher, host->k_enc, ssc, iv), KS_OK);
        assert_int_equal(cipher_cbc(host->cipher, true, host->k_enc, iv, tmp, padded, tmp), KS_OK);
        size_t vlen = padded + (data_tag == 0x87 ? 1 : 0);
        o = tlv_put_header(out, cap, data_tag, vlen);
        assert_true(o > 0 && o + vlen <= cap);
        if (data_tag == 0x87)
            out[o++] = 0x01;
        memcpy(out + o, tmp, padded);
        o += padded;
    }
    if (with_status) {
        out[o++] = 0x99;
        out[o++] = 2;
        out[o++] = (uint8_t)(sw >> 8);
        out[o++] = (uint8_t)sw;
    }
    static uint8_t m[70100];
    memcpy(m, ssc, bs);
    memcpy(m + bs, out, o);
    size_t mlen = cipher_pad(m, bs + o, sizeof m, bs);
    uint8_t mac[8];
    assert_int_equal(cipher_mac(host->cipher, host->k_mac, m, mlen, mac), KS_OK);
    out[o++] = 0x8E;
    out[o++] = 8;
    memcpy(out + o, mac, 8);
    return o + 8;
}

/* --- Doc 9303-11 Appendix D.4 (3DES) ------------------------------------- */

static void wrap_and_unwrap_reproduce_the_bac_sm_example(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    expect_wrap(&sm, "00A4020C02011E", "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800");
    expect_unwrap(&sm, "990290008E08FA855A5D4C50A8ED 9000", "");
    expect_wrap(&sm, "00B0000004", "0CB000000D9701048E08ED6705417E96BA5500");
    expect_unwrap(&sm, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED 9000", "60145F01");
    expect_wrap(&sm, "00B0000412", "0CB000040D9701128E082EA28A70F3C7B53500");
    expect_unwrap(&sm,
                  "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A"
                  "990290008E08C8B2787EAEA07D74 9000",
                  "04303130365F36063034303030305C026175");
    HEX(ssc, "887022120C06C22C");
    assert_memory_equal(sm.ssc, ssc, 8);
    sm_clear(&sm);
}

static void bac_sm_example_responses_refuse_any_flipped_bit(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    ssc_add(sm.ssc, 8, 1); /* responses come at SSC ...228, ...22A and ...22C */
    expect_every_bit_flip_refused(&sm, "990290008E08FA855A5D4C50A8ED9000");
    ssc_add(sm.ssc, 8, 2);
    expect_every_bit_flip_refused(&sm, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000");
    ssc_add(sm.ssc, 8, 2);
    expect_every_bit_flip_refused(&sm, "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A"
                                       "990290008E08C8B2787EAEA07D749000");
}

static void unwrap_refuses_a_response_replayed_out_of_sequence(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    ssc_add(sm.ssc, 8, 4); /* the READ BINARY answer belongs to SSC ...22A, not ...22B */
    HEX(resp, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED");
    uint8_t plain[16];
    size_t n;
    uint16_t sw;
    assert_int_equal(sm_unwrap(&sm, resp, resp_len, 0x9000, plain, sizeof plain, &n, &sw),
                     KS_ERR_AUTH);
}

/* --- AES (independent vectors, see the file comment) ----------------------- */

static void aes_wrap_and_unwrap_match_independent_vectors(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    expect_wrap(&sm, "00A4020C02011E",
                "0CA4020C1D871101EE0E4724F4465C1BE9C2F73ABDD73A3D8E08835D1B54575C955F00");
    expect_unwrap(&sm, "990290008E08BEA7B381C494A079 9000", "");
    expect_wrap(&sm, "00B0000004", "0CB000000D9701048E08AA6BA54F44DF836400");
    expect_unwrap(&sm,
                  "871101645C0B1F998A088278D07942BBE94B60990290008E0894A33C6AA2D8CCC8 9000",
                  "60145F01");
    HEX(ssc, "00000000000000000000000000000004");
    assert_memory_equal(sm.ssc, ssc, 16);
}

static void aes_iv_is_the_encrypted_ssc(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    HEX(raw, "00A4020C02011E");
    apdu_cmd plain, prot;
    uint8_t buf[64];
    assert_int_equal(apdu_parse_command(raw, raw_len, &plain, NULL), KS_OK);
    assert_int_equal(sm_wrap(&sm, &plain, buf, sizeof buf, &prot), KS_OK);
    /* DO'87' = 87 11 01 || 16-byte cryptogram, encrypted under IV = E(KSenc, SSC=1). */
    assert_int_equal(prot.data[0], 0x87);
    uint8_t iv[16], dec[16];
    assert_int_equal(cipher_ecb_block(KS_CIPHER_AES128, sm.k_enc, sm.ssc, iv), KS_OK);
    HEX(want_iv, "D1CF7FA98B424030D5183A196CB23B94");
    assert_memory_equal(iv, want_iv, 16);
    assert_int_equal(cipher_cbc(KS_CIPHER_AES128, false, sm.k_enc, iv, prot.data + 3, 16, dec),
                     KS_OK);
    HEX(padded, "011E8000000000000000000000000000");
    assert_memory_equal(dec, padded, 16);
    /* With the zero IV of 3DES the first block would be wrong. */
    assert_int_equal(cipher_cbc(KS_CIPHER_AES128, false, sm.k_enc, NULL, prot.data + 3, 16, dec),
                     KS_OK);
    assert_memory_not_equal(dec, padded, 16);
}

static void aes_responses_refuse_any_flipped_bit(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    ssc_add(sm.ssc, 16, 3);
    expect_every_bit_flip_refused(
        &sm, "871101645C0B1F998A088278D07942BBE94B60990290008E0894A33C6AA2D8CCC89000");
}

static void odd_ins_uses_do85_without_padding_indicator(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    ssc_add(sm.ssc, 16, 4);
    /* READ BINARY B1 with an offset data object 54 02 00 04. */
    expect_wrap(&sm, "00B100000454020004 12",
                "0CB100001F85108CE4BA0FA4368736AA0AA07F669951F79701128E08DE42BC750D970D3E00");
    expect_unwrap(&sm,
                  "85207BF0FFA5BF031C6F5830A4C4BB9DF5C28EFD26A29ACBECA260730091B9FABBBF"
                  "990290008E08C11C20E2E6713541 9000",
                  "53120102030405060708090A0B0C0D0E0F101112");
}

static void ssc_is_one_block_wide_and_carries(void **state)
{
    (void)state;
    sm_ctx sm;
    HEX(k, "F5F0E35C0D7161EE6724EE513A0D9A7F");
    HEX(ssc, "000000000000000000000000FFFFFFFF");
    assert_int_equal(sm_init(&sm, KS_CIPHER_AES128, k, k, ssc), KS_OK);
    apdu_cmd plain = {.cla = 0, .ins = 0xB0, .p1 = 0, .p2 = 0, .ne = 4};
    apdu_cmd prot;
    uint8_t buf[64];
    assert_int_equal(sm_wrap(&sm, &plain, buf, sizeof buf, &prot), KS_OK);
    HEX(after, "00000000000000000000000100000000");
    assert_memory_equal(sm.ssc, after, 16);

    sm_ctx tdes;
    HEX(k16, "979EC13B1CBFE9DCD01AB0FED307EAE5");
    HEX(top, "FFFFFFFFFFFFFFFF");
    assert_int_equal(sm_init(&tdes, KS_CIPHER_3DES, k16, k16, top), KS_OK);
    assert_int_equal(sm_wrap(&tdes, &plain, buf, sizeof buf, &prot), KS_OK);
    static const uint8_t zero[16];
    assert_memory_equal(tdes.ssc, zero, 16); /* 8-byte counter wraps; bytes 8..15 unused */
}

/* --- structure and error handling --------------------------------------- */

static void case1_command_carries_only_the_mac(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    apdu_cmd plain = {.cla = 0x00, .ins = 0x44, .p1 = 0, .p2 = 0};
    apdu_cmd prot;
    uint8_t buf[16];
    assert_int_equal(sm_wrap(&sm, &plain, buf, sizeof buf, &prot), KS_OK);
    assert_int_equal(prot.cla, 0x0C);
    assert_int_equal(prot.nc, 10);
    assert_int_equal(prot.data[0], 0x8E);
    assert_int_equal(prot.ne, 256);
}

static void extended_lengths_are_used_when_needed(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    apdu_cmd plain = {.cla = 0x00, .ins = 0xB0, .p1 = 0, .p2 = 0, .ne = 65536};
    apdu_cmd prot;
    uint8_t buf[1200];
    assert_int_equal(sm_wrap(&sm, &plain, buf, sizeof buf, &prot), KS_OK);
    HEX(do97, "97020000");
    assert_memory_equal(prot.data, do97, 4);
    assert_int_equal(prot.ne, 65536);

    /* 300 bytes of data: DO'87' alone exceeds 255, so Lc and Le go extended. */
    static uint8_t data[300];
    apdu_cmd big = {.cla = 0x00, .ins = 0xD6, .p1 = 0, .p2 = 0, .data = data, .nc = sizeof data};
    assert_int_equal(sm_wrap(&sm, &big, buf, sizeof buf, &prot), KS_OK);
    HEX(hdr, "87820131 01"); /* 305-byte value: indicator + 304 bytes of cryptogram */
    assert_memory_equal(prot.data, hdr, 5);
    assert_int_equal(prot.nc, 4 + 305 + 10);
    assert_int_equal(prot.ne, 65536);
    assert_true(apdu_needs_extended(&prot));
}

static void wrap_refuses_a_small_buffer_without_spending_the_counter(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    HEX(raw, "00A4020C02011E");
    apdu_cmd plain, prot;
    assert_int_equal(apdu_parse_command(raw, raw_len, &plain, NULL), KS_OK);
    uint8_t buf[20];
    assert_int_equal(sm_wrap(&sm, &plain, buf, sizeof buf, &prot), KS_ERR_TOO_LARGE);
    HEX(ssc, "887022120C06C226");
    assert_memory_equal(sm.ssc, ssc, 8);
    plain.ne = 65537;
    uint8_t big[64];
    assert_int_equal(sm_wrap(&sm, &plain, big, sizeof big, &prot), KS_ERR_ARG);
}

static void unwrap_reports_a_missing_mac_as_auth_with_the_outer_sw(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    uint8_t plain[8];
    size_t n = 5;
    uint16_t sw = 0;
    assert_int_equal(sm_unwrap(&sm, NULL, 0, 0x6988, plain, sizeof plain, &n, &sw), KS_ERR_AUTH);
    assert_int_equal(sw, 0x6988);
    assert_int_equal(n, 0);
    HEX(nomac, "99026982");
    assert_int_equal(sm_unwrap(&sm, nomac, nomac_len, 0x6982, plain, sizeof plain, &n, &sw),
                     KS_ERR_AUTH);
    assert_int_equal(sw, 0x6982);
}

static void unwrap_refuses_a_status_that_disagrees_with_do99(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    uint8_t resp[64], plain[16];
    size_t len = protect_response(&sm, 0x87, NULL, 0, true, true, 0x6A82, resp, sizeof resp);
    size_t n;
    uint16_t sw;
    sm_ctx copy = sm;
    assert_int_equal(sm_unwrap(&copy, resp, len, 0x9000, plain, sizeof plain, &n, &sw),
                     KS_ERR_AUTH);
    copy = sm;
    assert_int_equal(sm_unwrap(&copy, resp, len, 0x6A82, plain, sizeof plain, &n, &sw), KS_OK);
    assert_int_equal(sw, 0x6A82);
}

static void unwrap_without_do99_keeps_the_outer_status(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    static const uint8_t data[3] = {1, 2, 3};
    uint8_t resp[64], plain[16];
    size_t len = protect_response(&sm, 0x87, data, 3, true, false, 0, resp, sizeof resp);
    size_t n;
    uint16_t sw;
    assert_int_equal(sm_unwrap(&sm, resp, len, 0x6282, plain, sizeof plain, &n, &sw), KS_OK);
    assert_int_equal(sw, 0x6282);
    assert_int_equal(n, 3);
    assert_memory_equal(plain, data, 3);
}

static void unwrap_refuses_bad_padding_behind_a_valid_mac(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    static const uint8_t no_pad[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t zeros[8] = {0};
    uint8_t resp[64], plain[16];
    size_t n;
    uint16_t sw;
    sm_ctx copy = sm;
    size_t len = protect_response(&sm, 0x87, no_pad, 8, false, true, 0x9000, resp, sizeof resp);
    assert_int_equal(sm_unwrap(&copy, resp, len, 0x9000, plain, sizeof plain, &n, &sw),
                     KS_ERR_MALFORMED);
    copy = sm;
    len = protect_response(&sm, 0x87, zeros, 8, false, true, 0x9000, resp, sizeof resp);
    assert_int_equal(sm_unwrap(&copy, resp, len, 0x9000, plain, sizeof plain, &n, &sw),
                     KS_ERR_MALFORMED);
}

static void unwrap_refuses_misordered_or_unknown_objects(void **state)
{
    (void)state;
    sm_ctx sm;
    init_bac_example(&sm);
    uint8_t plain[16];
    size_t n;
    uint16_t sw;
    /* Anything after DO'8E', DO'99' before DO'87', an unknown tag, a short MAC. */
    static const char *bad[] = {
        "990290008E08FA855A5D4C50A8ED 9000",
        "99029000 8709019FF0EC34F9922651 8E08AD55CC17140B2DED",
        "8101AA 990290008E08FA855A5D4C50A8ED",
        "990290008E07FA855A5D4C50A8",
        "99039000008E08FA855A5D4C50A8ED",
        "9902900099029000 8E08FA855A5D4C50A8ED",
        "87 05",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        HEX(resp, bad[i]);
        sm_ctx copy = sm;
        assert_int_equal(sm_unwrap(&copy, resp, resp_len, 0x9000, plain, sizeof plain, &n, &sw),
                         KS_ERR_MALFORMED);
    }
}

static void unwrap_needs_room_for_exactly_the_plaintext(void **state)
{
    (void)state;
    sm_ctx sm;
    init_pace_example(&sm);
    static uint8_t data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    static uint8_t resp[1100], plain[1000];
    size_t len = protect_response(&sm, 0x87, data, sizeof data, true, true, 0x9000, resp,
                                  sizeof resp);
    size_t n;
    uint16_t sw;
    sm_ctx copy = sm;
    assert_int_equal(sm_unwrap(&copy, resp, len, 0x9000, plain, 999, &n, &sw), KS_ERR_TOO_LARGE);
    copy = sm;
    assert_int_equal(sm_unwrap(&copy, resp, len, 0x9000, plain, 1000, &n, &sw), KS_OK);
    assert_int_equal(n, 1000);
    assert_memory_equal(plain, data, 1000);
}

static void max_plain_ne_matches_the_published_figures(void **state)
{
    (void)state;
    sm_ctx tdes, aes;
    init_bac_example(&tdes);
    init_pace_example(&aes);
    assert_int_equal(sm_max_plain_ne(&tdes, 256), 231);
    assert_int_equal(sm_max_plain_ne(&aes, 256), 223);
    assert_int_equal(sm_max_plain_ne(&tdes, 65536), 65511);
    assert_int_equal(sm_max_plain_ne(&aes, 65536), 65503);
    assert_int_equal(sm_max_plain_ne(&aes, 14), 0);
    assert_int_equal(sm_max_plain_ne(&aes, 0), 0);
}

static void max_plain_ne_is_the_largest_that_fits(void **state)
{
    (void)state;
    static uint8_t data[1300], resp[1500];
    sm_ctx ctx[2];
    init_bac_example(&ctx[0]);
    init_pace_example(&ctx[1]);
    for (size_t c = 0; c < 2; c++) {
        for (size_t max = 20; max <= 1200; max += 37) {
            size_t ne = sm_max_plain_ne(&ctx[c], max);
            size_t len = protect_response(&ctx[c], 0x87, data, ne, true, true, 0x9000, resp,
                                          sizeof resp);
            assert_true(len <= max);
            len = protect_response(&ctx[c], 0x87, data, ne + 1, true, true, 0x9000, resp,
                                   sizeof resp);
            assert_true(len > max);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrap_and_unwrap_reproduce_the_bac_sm_example),
        cmocka_unit_test(bac_sm_example_responses_refuse_any_flipped_bit),
        cmocka_unit_test(unwrap_refuses_a_response_replayed_out_of_sequence),
        cmocka_unit_test(aes_wrap_and_unwrap_match_independent_vectors),
        cmocka_unit_test(aes_iv_is_the_encrypted_ssc),
        cmocka_unit_test(aes_responses_refuse_any_flipped_bit),
        cmocka_unit_test(odd_ins_uses_do85_without_padding_indicator),
        cmocka_unit_test(ssc_is_one_block_wide_and_carries),
        cmocka_unit_test(case1_command_carries_only_the_mac),
        cmocka_unit_test(extended_lengths_are_used_when_needed),
        cmocka_unit_test(wrap_refuses_a_small_buffer_without_spending_the_counter),
        cmocka_unit_test(unwrap_reports_a_missing_mac_as_auth_with_the_outer_sw),
        cmocka_unit_test(unwrap_refuses_a_status_that_disagrees_with_do99),
        cmocka_unit_test(unwrap_without_do99_keeps_the_outer_status),
        cmocka_unit_test(unwrap_refuses_bad_padding_behind_a_valid_mac),
        cmocka_unit_test(unwrap_refuses_misordered_or_unknown_objects),
        cmocka_unit_test(unwrap_needs_room_for_exactly_the_plaintext),
        cmocka_unit_test(max_plain_ne_matches_the_published_figures),
        cmocka_unit_test(max_plain_ne_is_the_largest_that_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
