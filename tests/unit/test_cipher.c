/*
 * Block ciphers, MACs, padding and the ICAO KDF against published vectors:
 * ICAO Doc 9303-11 Appendix D (BAC, 3DES) and Appendix G.1 (PACE ECDH-GM,
 * AES-128), NIST SP 800-38A (AES-CBC) and SP 800-38B Appendix D (AES-CMAC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "cipher.h"
#include "kdf.h"

#include "test_hex.h"

/* --- 3DES: Doc 9303-11 Appendix D.3 (BAC mutual authentication) ---------- */

static void tdes_cbc_matches_bac_worked_example(void **state)
{
    (void)state;
    HEX(kenc, "AB94FDECF2674FDFB9B391F85D7F76F2");
    HEX(s, "781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B");
    HEX(eifd, "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2");
    uint8_t out[32], back[32];
    assert_int_equal(cipher_cbc(KS_CIPHER_3DES, true, kenc, NULL, s, 32, out), KS_OK);
    assert_memory_equal(out, eifd, 32);
    assert_int_equal(cipher_cbc(KS_CIPHER_3DES, false, kenc, NULL, out, 32, back), KS_OK);
    assert_memory_equal(back, s, 32);
}

static void tdes_cbc_works_in_place(void **state)
{
    (void)state;
    HEX(kenc, "AB94FDECF2674FDFB9B391F85D7F76F2");
    HEX(s, "781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B");
    HEX(eifd, "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2");
    assert_int_equal(cipher_cbc(KS_CIPHER_3DES, true, kenc, NULL, s, 32, s), KS_OK);
    assert_memory_equal(s, eifd, 32);
}

static void retail_mac_matches_bac_worked_example(void **state)
{
    (void)state;
    HEX(kmac, "7962D9ECE03D1ACD4C76089DCE131543");
    /* E_IFD and E_IC, padded with method 2 (the MAC input is 40 bytes). */
    HEX(eifd, "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 8000000000000000");
    HEX(eic, "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 8000000000000000");
    HEX(mifd, "5F1448EEA8AD90A7");
    HEX(mic, "2F2D235D074D7449");
    uint8_t mac[8];
    assert_int_equal(cipher_mac(KS_CIPHER_3DES, kmac, eifd, 40, mac), KS_OK);
    assert_memory_equal(mac, mifd, 8);
    assert_int_equal(cipher_mac(KS_CIPHER_3DES, kmac, eic, 40, mac), KS_OK);
    assert_memory_equal(mac, mic, 8);
}

static void retail_mac_matches_sm_worked_example(void **state)
{
    (void)state;
    /* Appendix D.4: MAC of the protected SELECT EF.COM, SSC 887022120C06C227. */
    HEX(ksmac, "F1CB1F1FB5ADF208806B89DC579DC1F8");
    HEX(n, "887022120C06C227 0CA4020C80000000 8709016375432908C044F6 8000000000");
    HEX(want, "BF8B92D635FF24F8");
    uint8_t mac[8];
    assert_int_equal(n_len, 32);
    assert_int_equal(cipher_mac(KS_CIPHER_3DES, ksmac, n, n_len, mac), KS_OK);
    assert_memory_equal(mac, want, 8);
}

static void streamed_mac_equals_one_shot_mac(void **state)
{
    (void)state;
    HEX(ksmac, "F1CB1F1FB5ADF208806B89DC579DC1F8");
    HEX(n, "887022120C06C227 0CA4020C80000000 8709016375432908C044F6 8000000000");
    HEX(want, "BF8B92D635FF24F8");
    /* Pieces that straddle block boundaries in every possible way. */
    for (size_t cut1 = 0; cut1 <= n_len; cut1++) {
        for (size_t cut2 = cut1; cut2 <= n_len; cut2 += 3) {
            cipher_mac_ctx ctx;
            uint8_t mac[8];
            assert_int_equal(cipher_mac_begin(&ctx, KS_CIPHER_3DES, ksmac), KS_OK);
            assert_int_equal(cipher_mac_update(&ctx, n, cut1), KS_OK);
            assert_int_equal(cipher_mac_update(&ctx, n + cut1, cut2 - cut1), KS_OK);
            assert_int_equal(cipher_mac_update(&ctx, n + cut2, n_len - cut2), KS_OK);
            assert_int_equal(cipher_mac_final(&ctx, mac), KS_OK);
            assert_memory_equal(mac, want, 8);
        }
    }
}

static void retail_mac_refuses_unaligned_input(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, in[9] = {0}, mac[8];
    assert_int_equal(cipher_mac(KS_CIPHER_3DES, key, in, 9, mac), KS_ERR_ARG);
    assert_int_equal(cipher_mac(KS_CIPHER_3DES, key, in, 0, mac), KS_ERR_ARG);
}

/* --- AES: NIST SP 800-38A F.2.1/F.2.3/F.2.5 and SP 800-38B Appendix D ---- */

static const char *nist_message =
    "6BC1BEE22E409F96E93D7E117393172A AE2D8A571E03AC9C9EB76FAC45AF8E51"
    "30C81C46A35CE411E5FBC1191A0A52EF F69F2445DF4F9B17AD2B417BE66C3710";

static void aes_cbc_matches_sp800_38a(void **state)
{
    (void)state;
    static const struct {
        ks_cipher c;
        const char *key, *first_block;
    } v[] = {
        {KS_CIPHER_AES128, "2B7E151628AED2A6ABF7158809CF4F3C", "7649ABAC8119B246CEE98E9B12E9197D"},
        {KS_CIPHER_AES192, "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B",
         "4F021DB243BC633D7178183A9FA071E8"},
        {KS_CIPHER_AES256, "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4",
         "F58C4C04D6E5F1BA779EABFB5F7BFBD6"},
    };
    HEX(iv, "000102030405060708090A0B0C0D0E0F");
    HEX(msg, nist_message);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        HEX(key, v[i].key);
        HEX(want, v[i].first_block);
        uint8_t out[64], back[64];
        assert_int_equal(cipher_cbc(v[i].c, true, key, iv, msg, 64, out), KS_OK);
        assert_memory_equal(out, want, 16);
        assert_int_equal(cipher_cbc(v[i].c, false, key, iv, out, 64, back), KS_OK);
        assert_memory_equal(back, msg, 64);
    }
}

static void aes_cmac_matches_sp800_38b_truncated_to_8(void **state)
{
    (void)state;
    static const struct {
        ks_cipher c;
        const char *key;
        const char *macs[4]; /* for 0, 16, 40 and 64 message bytes */
    } v[] = {
        {KS_CIPHER_AES128,
         "2B7E151628AED2A6ABF7158809CF4F3C",
         {"BB1D6929E9593728", "070A16B46B4D4144", "DFA66747DE9AE630", "51F0BEBF7E3B9D92"}},
        {KS_CIPHER_AES192,
         "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B",
         {"D17DDF46ADAACDE5", "9E99A7BF31E71090", "8A1DE5BE2EB31AAD", "A1D5DF0EED790F79"}},
        {KS_CIPHER_AES256,
         "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4",
         {"028962F61B7BF89E", "28A7023F452E8F82", "AAF3D8F1DE5640C2", "E1992190549F6ED5"}},
    };
    static const size_t lens[4] = {0, 16, 40, 64};
    HEX(msg, nist_message);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        HEX(key, v[i].key);
        for (size_t j = 0; j < 4; j++) {
            HEX(want, v[i].macs[j]);
            uint8_t mac[8];
            assert_int_equal(cipher_mac(v[i].c, key, msg, lens[j], mac), KS_OK);
            assert_memory_equal(mac, want, 8);
        }
    }
}

static void aes_cmac_matches_pace_authentication_tokens(void **state)
{
    (void)state;
    /* Doc 9303-11 Appendix G.1: T_IFD and T_IC over the public key data objects. */
    HEX(ksmac, "FE251C7858B356B24514B3BD5F4297D1");
    HEX(in_tifd, "7F494F060A04007F00070202040202864104"
                 "9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
                 "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094");
    HEX(in_tic, "7F494F060A04007F00070202040202864104"
                "2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
                "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462");
    HEX(tifd, "C2B0BD78D94BA866");
    HEX(tic, "3ABB9674BCE93C08");
    uint8_t mac[8];
    assert_int_equal(cipher_mac(KS_CIPHER_AES128, ksmac, in_tifd, in_tifd_len, mac), KS_OK);
    assert_memory_equal(mac, tifd, 8);
    assert_int_equal(cipher_mac(KS_CIPHER_AES128, ksmac, in_tic, in_tic_len, mac), KS_OK);
    assert_memory_equal(mac, tic, 8);
}

static void aes_decrypts_pace_nonce(void **state)
{
    (void)state;
    /* Appendix G.1: s = D(K_pi, z), one block with a zero IV. */
    HEX(kpi, "89DED1B26624EC1E634C1989302849DD");
    HEX(z, "95A3A016522EE98D01E76CB6B98B42C3");
    HEX(s, "3F00C4D39D153F2B2A214A078D899B22");
    uint8_t out[16], enc[16];
    assert_int_equal(cipher_cbc(KS_CIPHER_AES128, false, kpi, NULL, z, 16, out), KS_OK);
    assert_memory_equal(out, s, 16);
    assert_int_equal(cipher_ecb_block(KS_CIPHER_AES128, kpi, s, enc), KS_OK);
    assert_memory_equal(enc, z, 16);
}

static void ecb_block_equals_first_cbc_block_with_zero_iv(void **state)
{
    (void)state;
    HEX(kenc, "AB94FDECF2674FDFB9B391F85D7F76F2");
    HEX(s, "781723860C06C226");
    HEX(want, "72C29C2371CC9BDB");
    uint8_t out[8];
    assert_int_equal(cipher_ecb_block(KS_CIPHER_3DES, kenc, s, out), KS_OK);
    assert_memory_equal(out, want, 8);
}

static void cipher_sizes_are_as_specified(void **state)
{
    (void)state;
    assert_int_equal(cipher_block_size(KS_CIPHER_3DES), 8);
    assert_int_equal(cipher_block_size(KS_CIPHER_AES256), 16);
    assert_int_equal(cipher_key_size(KS_CIPHER_3DES), 16);
    assert_int_equal(cipher_key_size(KS_CIPHER_AES128), 16);
    assert_int_equal(cipher_key_size(KS_CIPHER_AES192), 24);
    assert_int_equal(cipher_key_size(KS_CIPHER_AES256), 32);
    assert_int_equal(cipher_block_size((ks_cipher)0), 0);
    assert_int_equal(cipher_key_size((ks_cipher)99), 0);
}

static void cbc_refuses_partial_blocks_and_bad_ciphers(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, buf[32] = {0};
    assert_int_equal(cipher_cbc(KS_CIPHER_AES128, true, key, NULL, buf, 15, buf), KS_ERR_ARG);
    assert_int_equal(cipher_cbc(KS_CIPHER_3DES, true, key, NULL, buf, 12, buf), KS_ERR_ARG);
    assert_int_equal(cipher_cbc((ks_cipher)7, true, key, NULL, buf, 16, buf), KS_ERR_ARG);
    assert_int_equal(cipher_ecb_block((ks_cipher)0, key, buf, buf), KS_ERR_ARG);
    assert_int_equal(cipher_cbc(KS_CIPHER_AES128, true, key, NULL, buf, 0, buf), KS_OK);
}

/* --- padding ------------------------------------------------------------ */

static void pad_appends_80_then_zeros_up_to_the_block(void **state)
{
    (void)state;
    uint8_t buf[32] = {1, 2, 3};
    assert_int_equal(cipher_pad(buf, 3, sizeof buf, 8), 8);
    HEX(want, "0102038000000000");
    assert_memory_equal(buf, want, 8);
    /* A full block still gets a whole block of padding. */
    memset(buf, 0xAA, 8);
    assert_int_equal(cipher_pad(buf, 8, sizeof buf, 8), 16);
    assert_int_equal(buf[8], 0x80);
    assert_int_equal(buf[15], 0x00);
    assert_int_equal(cipher_pad(buf, 0, sizeof buf, 16), 16);
    assert_int_equal(buf[0], 0x80);
}

static void pad_reports_a_too_small_buffer(void **state)
{
    (void)state;
    uint8_t buf[16] = {0};
    assert_int_equal(cipher_pad(buf, 8, 8, 8), 0);
    assert_int_equal(cipher_pad(buf, 16, 16, 16), 0);
    assert_int_equal(cipher_pad(buf, 3, 16, 0), 0);
}

static void unpad_finds_the_80_and_rejects_bad_padding(void **state)
{
    (void)state;
    size_t n = 99;
    HEX(ok1, "1234567880800000");
    assert_int_equal(cipher_unpad(ok1, ok1_len, &n), KS_OK);
    assert_int_equal(n, 5);
    HEX(ok2, "8000000000000000");
    assert_int_equal(cipher_unpad(ok2, ok2_len, &n), KS_OK);
    assert_int_equal(n, 0);
    HEX(bad1, "0102030000");
    assert_int_equal(cipher_unpad(bad1, bad1_len, &n), KS_ERR_MALFORMED);
    HEX(bad2, "0000000000000000");
    assert_int_equal(cipher_unpad(bad2, bad2_len, &n), KS_ERR_MALFORMED);
    HEX(bad3, "01020381");
    assert_int_equal(cipher_unpad(bad3, bad3_len, &n), KS_ERR_MALFORMED);
    assert_int_equal(cipher_unpad(NULL, 0, &n), KS_ERR_MALFORMED);
}

/* --- KDF: Appendix D.2 / D.3 (3DES) and G.1 (AES-128) --------------------- */

static void kdf_derives_bac_keys_with_parity(void **state)
{
    (void)state;
    HEX(seed, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    HEX(kenc, "AB94FDECF2674FDFB9B391F85D7F76F2");
    HEX(kmac, "7962D9ECE03D1ACD4C76089DCE131543");
    uint8_t k[16];
    assert_int_equal(kdf_derive(KS_CIPHER_3DES, seed, 16, KDF_ENC, k), KS_OK);
    assert_memory_equal(k, kenc, 16);
    assert_int_equal(kdf_derive(KS_CIPHER_3DES, seed, 16, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, kmac, 16);

    HEX(kseed, "0036D272F5C350ACAC50C3F572D23600");
    HEX(ksenc, "979EC13B1CBFE9DCD01AB0FED307EAE5");
    HEX(ksmac, "F1CB1F1FB5ADF208806B89DC579DC1F8");
    assert_int_equal(kdf_derive(KS_CIPHER_3DES, kseed, 16, KDF_ENC, k), KS_OK);
    assert_memory_equal(k, ksenc, 16);
    assert_int_equal(kdf_derive(KS_CIPHER_3DES, kseed, 16, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, ksmac, 16);
}

static void kdf_derives_pace_aes128_keys(void **state)
{
    (void)state;
    HEX(secret, "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
    HEX(ksenc, "F5F0E35C0D7161EE6724EE513A0D9A7F");
    HEX(ksmac, "FE251C7858B356B24514B3BD5F4297D1");
    HEX(mrz_hash, "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD");
    HEX(kpi, "89DED1B26624EC1E634C1989302849DD");
    uint8_t k[16];
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, secret, 32, KDF_ENC, k), KS_OK);
    assert_memory_equal(k, ksenc, 16);
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, secret, 32, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, ksmac, 16);
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, mrz_hash, 20, KDF_PACE, k), KS_OK);
    assert_memory_equal(k, kpi, 16);
}

static void kdf_uses_sha256_for_aes192_and_aes256(void **state)
{
    (void)state;
    HEX(secret, "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
    uint8_t input[36], digest[32], k[32];
    unsigned dlen = 0;
    memcpy(input, secret, 32);
    input[32] = 0, input[33] = 0, input[34] = 0, input[35] = 2;
    assert_int_equal(EVP_Digest(input, sizeof input, digest, &dlen, EVP_sha256(), NULL), 1);
    assert_int_equal(kdf_derive(KS_CIPHER_AES256, secret, 32, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, digest, 32);
    assert_int_equal(kdf_derive(KS_CIPHER_AES192, secret, 32, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, digest, 24);
}

static void des_parity_is_odd_in_every_byte(void **state)
{
    (void)state;
    HEX(raw, "AB94FCEDF2664EDFB9B291F85D7F77F2");
    HEX(want, "AB94FDECF2674FDFB9B391F85D7F76F2");
    kdf_set_des_parity(raw, 16);
    assert_memory_equal(raw, want, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tdes_cbc_matches_bac_worked_example),
        cmocka_unit_test(tdes_cbc_works_in_place),
        cmocka_unit_test(retail_mac_matches_bac_worked_example),
        cmocka_unit_test(retail_mac_matches_sm_worked_example),
        cmocka_unit_test(streamed_mac_equals_one_shot_mac),
        cmocka_unit_test(retail_mac_refuses_unaligned_input),
        cmocka_unit_test(aes_cbc_matches_sp800_38a),
        cmocka_unit_test(aes_cmac_matches_sp800_38b_truncated_to_8),
        cmocka_unit_test(aes_cmac_matches_pace_authentication_tokens),
        cmocka_unit_test(aes_decrypts_pace_nonce),
        cmocka_unit_test(ecb_block_equals_first_cbc_block_with_zero_iv),
        cmocka_unit_test(cipher_sizes_are_as_specified),
        cmocka_unit_test(cbc_refuses_partial_blocks_and_bad_ciphers),
        cmocka_unit_test(pad_appends_80_then_zeros_up_to_the_block),
        cmocka_unit_test(pad_reports_a_too_small_buffer),
        cmocka_unit_test(unpad_finds_the_80_and_rejects_bad_padding),
        cmocka_unit_test(kdf_derives_bac_keys_with_parity),
        cmocka_unit_test(kdf_derives_pace_aes128_keys),
        cmocka_unit_test(kdf_uses_sha256_for_aes192_and_aes256),
        cmocka_unit_test(des_parity_is_odd_in_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
