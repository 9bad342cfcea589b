/*
 * BAC key derivation and the chip's EXTERNAL AUTHENTICATE, checked against
 * the worked example of ICAO Doc 9303 Part 11, appendix D (MRZ L898902C<,
 * 690806, 940623).
 */
#include "vc_test_util.h"

#include "vc_bac.h"

#define EX_RND_ICC "4608F91988702212"
#define EX_K_ICC "0B4F80323EB3191CB04970CB4052790B"
#define EX_CMD "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2" \
               "5F1448EEA8AD90A7"
#define EX_RESP "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F" \
                "2F2D235D074D7449"

static void check_digits_match_the_worked_example(void **state)
{
    (void)state;
    assert_int_equal(vc_mrz_check_digit("L898902C<", 9), 3);
    assert_int_equal(vc_mrz_check_digit("690806", 6), 1);
    assert_int_equal(vc_mrz_check_digit("940623", 6), 6);
    assert_int_equal(vc_mrz_check_digit("ab", 2), -1);
}

static void key_seed_pads_the_document_number_and_hashes_the_mrz_information(void **state)
{
    (void)state;
    uint8_t seed[16], exp[16];
    assert_int_equal(vc_bac_key_seed("L898902C", "690806", "940623", seed), KS_OK);
    vt_hex("239AB9CB282DAF66231DC5A4DF6BFBAE", exp, sizeof exp);
    assert_memory_equal(seed, exp, 16);
}

static void key_seed_rejects_bad_fields(void **state)
{
    (void)state;
    uint8_t seed[16];
    assert_int_not_equal(vc_bac_key_seed("l898902c", "690806", "940623", seed), KS_OK);
    assert_int_not_equal(vc_bac_key_seed("L898902C", "69080", "940623", seed), KS_OK);
    assert_int_not_equal(vc_bac_key_seed("L898902C", "690806", "9406A3", seed), KS_OK);
    assert_int_not_equal(vc_bac_key_seed("", "690806", "940623", seed), KS_OK);
}

static void access_keys_match_the_worked_example(void **state)
{
    (void)state;
    vc_bac_keys k;
    uint8_t exp[16];
    assert_int_equal(vc_bac_keys_from_mrz("L898902C", "690806", "940623", &k), KS_OK);
    vt_hex("AB94FDECF2674FDFB9B391F85D7F76F2", exp, sizeof exp);
    assert_memory_equal(k.k_enc, exp, 16);
    vt_hex("7962D9ECE03D1ACD4C76089DCE131543", exp, sizeof exp);
    assert_memory_equal(k.k_mac, exp, 16);
}

static void session_key_derivation_matches_the_worked_example(void **state)
{
    (void)state;
    uint8_t seed[16], key[16], exp[16];
    vt_hex("0036D272F5C350ACAC50C3F572D23600", seed, sizeof seed);
    assert_int_equal(vc_kdf_3des(seed, 16, VC_BAC_KDF_ENC, key), KS_OK);
    vt_hex("979EC13B1CBFE9DCD01AB0FED307EAE5", exp, sizeof exp);
    assert_memory_equal(key, exp, 16);
    assert_int_equal(vc_kdf_3des(seed, 16, VC_BAC_KDF_MAC, key), KS_OK);
    vt_hex("F1CB1F1FB5ADF208806B89DC579DC1F8", exp, sizeof exp);
    assert_memory_equal(key, exp, 16);
}

static void external_authenticate_answers_the_worked_example_and_starts_the_session(void **s)
{
    (void)s;
    vc_bac_keys k;
    assert_int_equal(vc_bac_keys_from_mrz("L898902C", "690806", "940623", &k), KS_OK);
    uint8_t rnd[8], kicc[16], cmd[40], resp[40], exp[40];
    vt_hex(EX_RND_ICC, rnd, sizeof rnd);
    vt_hex(EX_K_ICC, kicc, sizeof kicc);
    vt_hex(EX_CMD, cmd, sizeof cmd);
    vc_sm sm;
    memset(&sm, 0, sizeof sm);
    assert_int_equal(vc_bac_authenticate(&k, rnd, kicc, cmd, resp, &sm), KS_OK);
    vt_hex(EX_RESP, exp, sizeof exp);
    assert_memory_equal(resp, exp, 40);
    assert_true(vc_sm_active(&sm));
    vt_hex("979EC13B1CBFE9DCD01AB0FED307EAE5", exp, 16);
    assert_memory_equal(sm.ks_enc, exp, 16);
    vt_hex("F1CB1F1FB5ADF208806B89DC579DC1F8", exp, 16);
    assert_memory_equal(sm.ks_mac, exp, 16);
    vt_hex("887022120C06C226", exp, 8);
    assert_memory_equal(sm.ssc, exp, 8);
}

static void external_authenticate_refuses_a_wrong_mac(void **state)
{
    (void)state;
    vc_bac_keys k;
    assert_int_equal(vc_bac_keys_from_mrz("L898902C", "690806", "940623", &k), KS_OK);
    uint8_t rnd[8], kicc[16], cmd[40], resp[40];
    vt_hex(EX_RND_ICC, rnd, sizeof rnd);
    vt_hex(EX_K_ICC, kicc, sizeof kicc);
    vt_hex(EX_CMD, cmd, sizeof cmd);
    cmd[39] ^= 0x01;
    vc_sm sm;
    memset(&sm, 0, sizeof sm);
    assert_int_equal(vc_bac_authenticate(&k, rnd, kicc, cmd, resp, &sm), KS_ERR_AUTH);
    assert_false(vc_sm_active(&sm));
}

static void external_authenticate_refuses_another_challenge(void **state)
{
    (void)state;
    vc_bac_keys k;
    assert_int_equal(vc_bac_keys_from_mrz("L898902C", "690806", "940623", &k), KS_OK);
    uint8_t rnd[8], kicc[16], cmd[40], resp[40];
    vt_hex(EX_RND_ICC, rnd, sizeof rnd);
    rnd[7] ^= 0x80;
    vt_hex(EX_K_ICC, kicc, sizeof kicc);
    vt_hex(EX_CMD, cmd, sizeof cmd);
    vc_sm sm;
    memset(&sm, 0, sizeof sm);
    assert_int_equal(vc_bac_authenticate(&k, rnd, kicc, cmd, resp, &sm), KS_ERR_AUTH);
    assert_false(vc_sm_active(&sm));
}

static void wrong_mrz_gives_keys_that_fail_the_example(void **state)
{
    (void)state;
    vc_bac_keys k;
    assert_int_equal(vc_bac_keys_from_mrz("L898902C", "700101", "940623", &k), KS_OK);
    uint8_t rnd[8], kicc[16], cmd[40], resp[40];
    vt_hex(EX_RND_ICC, rnd, sizeof rnd);
    vt_hex(EX_K_ICC, kicc, sizeof kicc);
    vt_hex(EX_CMD, cmd, sizeof cmd);
    vc_sm sm;
    memset(&sm, 0, sizeof sm);
    assert_int_equal(vc_bac_authenticate(&k, rnd, kicc, cmd, resp, &sm), KS_ERR_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_digits_match_the_worked_example),
        cmocka_unit_test(key_seed_pads_the_document_number_and_hashes_the_mrz_information),
        cmocka_unit_test(key_seed_rejects_bad_fields),
        cmocka_unit_test(access_keys_match_the_worked_example),
        cmocka_unit_test(session_key_derivation_matches_the_worked_example),
        cmocka_unit_test(external_authenticate_answers_the_worked_example_and_starts_the_session),
        cmocka_unit_test(external_authenticate_refuses_a_wrong_mac),
        cmocka_unit_test(external_authenticate_refuses_another_challenge),
        cmocka_unit_test(wrong_mrz_gives_keys_that_fail_the_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
