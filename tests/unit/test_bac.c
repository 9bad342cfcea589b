/*
 * Basic Access Control against ICAO Doc 9303-11 Appendix D ("Worked Example:
 * Basic Access Control"): the specimen MRZ L898902C<, 690806, 940623, key seed
 * and Kenc/Kmac (D.2), the EXTERNAL AUTHENTICATE exchange from the given
 * RND.IC, RND.IFD and K.IFD and the session keys and SSC (D.3). Bytes were
 * checked against two independent published transcriptions of the appendix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bac.h"
#include "mrz.h"
#include "sm.h"

#include "test_hex.h"

#define RND_IC "4608F91988702212"
#define RND_IFD "781723860C06C226"
#define K_IFD "0B795240CB7049B01C19B33E32804F0B"
#define CMD_DATA                                                                                  \
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7"
#define CARD_RESP                                                                                 \
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 2F2D235D074D7449"

static void key_seed_comes_from_the_specimen_mrz(void **state)
{
    (void)state;
    HEX(want, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    uint8_t seed[16];
    assert_int_equal(mrz_key_seed("L898902C<", "690806", "940623", seed), KS_OK);
    assert_memory_equal(seed, want, 16);
    /* The filler is restored when the caller strips it. */
    assert_int_equal(mrz_key_seed("L898902C", "690806", "940623", seed), KS_OK);
    assert_memory_equal(seed, want, 16);
}

static void begin_derives_keys_and_builds_external_authenticate(void **state)
{
    (void)state;
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    HEX(kenc, "AB94FDECF2674FDFB9B391F85D7F76F2");
    HEX(kmac, "7962D9ECE03D1ACD4C76089DCE131543");
    HEX(want, CMD_DATA);
    bac_state st;
    uint8_t cmd[40];
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_memory_equal(st.k_enc, kenc, 16);
    assert_memory_equal(st.k_mac, kmac, 16);
    assert_memory_equal(cmd, want, 40);
    bac_clear(&st);
}

static void complete_accepts_the_card_answer_and_opens_sm(void **state)
{
    (void)state;
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    HEX(resp, CARD_RESP);
    HEX(ksenc, "979EC13B1CBFE9DCD01AB0FED307EAE5");
    HEX(ksmac, "F1CB1F1FB5ADF208806B89DC579DC1F8");
    HEX(ssc, "887022120C06C226");
    bac_state st;
    uint8_t cmd[40];
    sm_ctx sm;
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_int_equal(bac_complete(&st, resp, resp_len, &sm), KS_OK);
    assert_int_equal(sm.cipher, KS_CIPHER_3DES);
    assert_memory_equal(sm.k_enc, ksenc, 16);
    assert_memory_equal(sm.k_mac, ksmac, 16);
    assert_memory_equal(sm.ssc, ssc, 8);
    /* The BAC state is wiped once used. */
    static const bac_state zero;
    assert_memory_equal(&st, &zero, sizeof st);
    sm_clear(&sm);
}

static void complete_rejects_any_flipped_bit(void **state)
{
    (void)state;
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    HEX(resp, CARD_RESP);
    for (size_t bit = 0; bit < 40 * 8; bit += 7) {
        bac_state st;
        uint8_t cmd[40], bad[40];
        sm_ctx sm;
        memset(&sm, 0x55, sizeof sm);
        memcpy(bad, resp, 40);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
        assert_int_equal(bac_complete(&st, bad, 40, &sm), KS_ERR_AUTH);
    }
}

static void complete_rejects_a_replayed_terminal_cryptogram(void **state)
{
    (void)state;
    /* The card echoing our own E_IFD || M_IFD has a valid MAC but swaps the nonces. */
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    bac_state st;
    uint8_t cmd[40];
    sm_ctx sm;
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_int_equal(bac_complete(&st, cmd, 40, &sm), KS_ERR_AUTH);
}

static void complete_rejects_a_different_challenge(void **state)
{
    (void)state;
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    HEX(resp, CARD_RESP);
    bac_state st;
    uint8_t cmd[40];
    sm_ctx sm;
    rnd_ic[7] ^= 1; /* the card answers a challenge it never gave us */
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_int_equal(bac_complete(&st, resp, 40, &sm), KS_ERR_AUTH);
}

static void complete_rejects_a_wrong_length(void **state)
{
    (void)state;
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    HEX(resp, CARD_RESP);
    bac_state st;
    uint8_t cmd[40];
    sm_ctx sm;
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_int_equal(bac_complete(&st, resp, 39, &sm), KS_ERR_MALFORMED);
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_int_equal(bac_complete(&st, NULL, 0, &sm), KS_ERR_MALFORMED);
}

static void wrong_mrz_gives_keys_the_card_rejects(void **state)
{
    (void)state;
    /* A wrong expiry gives another seed; the card's genuine answer then fails the MAC. */
    HEX(rnd_ic, RND_IC);
    HEX(rnd_ifd, RND_IFD);
    HEX(k_ifd, K_IFD);
    HEX(resp, CARD_RESP);
    uint8_t seed[16], cmd[40];
    bac_state st;
    sm_ctx sm;
    assert_int_equal(mrz_key_seed("L898902C<", "690806", "940624", seed), KS_OK);
    assert_int_equal(bac_begin(&st, seed, rnd_ic, rnd_ifd, k_ifd, cmd), KS_OK);
    assert_int_equal(bac_complete(&st, resp, 40, &sm), KS_ERR_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_seed_comes_from_the_specimen_mrz),
        cmocka_unit_test(begin_derives_keys_and_builds_external_authenticate),
        cmocka_unit_test(complete_accepts_the_card_answer_and_opens_sm),
        cmocka_unit_test(complete_rejects_any_flipped_bit),
        cmocka_unit_test(complete_rejects_a_replayed_terminal_cryptogram),
        cmocka_unit_test(complete_rejects_a_different_challenge),
        cmocka_unit_test(complete_rejects_a_wrong_length),
        cmocka_unit_test(wrong_mrz_gives_keys_the_card_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
