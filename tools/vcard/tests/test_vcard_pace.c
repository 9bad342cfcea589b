/*
 * The chip side of PACE, Chip Authentication and Active Authentication,
 * and the CCCD quirks: the ICAO Doc 9303 Part 11 Appendix G.1 exchange
 * replayed byte for byte (the chip's nonce and private keys fixed through
 * the random source), AES secure messaging on the resulting keys, CA key
 * switching (and its ca-fail fault), AA signatures checked with OpenSSL's
 * public-key operations (and the clone fault).
 *
 * The terminal side here is the test's own: AES secure messaging written
 * from Part 11 9.8 with OpenSSL, and key agreement through EVP_PKEY_derive.
 */
#include "vc_test_util.h"

#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include "tlv.h"
#include "vc_aa.h"
#include "vc_crypto.h"

/* Appendix G.1 values. */
#define G1_OID "04007F00070202040202"
#define G1_NONCE "3F00C4D39D153F2B2A214A078D899B22"
#define G1_SK_MAP_IC "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560"
#define G1_SK_EPH_IC "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A"
#define G1_PK_MAP_IFD                                                                          \
    "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"                       \
    "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
#define G1_PK_MAP_IC                                                                           \
    "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"                       \
    "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
#define G1_PK_EPH_IFD                                                                          \
    "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"                       \
    "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"
#define G1_PK_EPH_IC                                                                           \
    "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"                       \
    "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
#define G1_KS_ENC "F5F0E35C0D7161EE6724EE513A0D9A7F"
#define G1_KS_MAC "FE251C7858B356B24514B3BD5F4297D1"

typedef struct script_rng {
    uint8_t bytes[256];
    size_t len, pos;
} script_rng;

static ks_status scripted(void *ctx, uint8_t *out, size_t len)
{
    script_rng *r = ctx;
    if (r->pos + len > r->len)
        return KS_ERR_CRYPTO;
    memcpy(out, r->bytes + r->pos, len);
    r->pos += len;
    return KS_OK;
}

static ks_status real_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return vc_random(out, len);
}

typedef struct fixture {
    vc_card card;
    vc_os os;
    script_rng rng;
} fixture;

static const uint8_t card_access[] = {0x31, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F,
                                      0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x01,
                                      0x02, 0x02, 0x01, 0x0D};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    vc_card_init(&f->card);
    assert_int_equal(vc_card_set_mrz(&f->card, "T22000129", "640812", "101031"), KS_OK);
    assert_int_equal(vc_card_set_can(&f->card, "123456"), KS_OK);
    size_t n = 0;
    assert_int_equal(vc_oid_encode("0.4.0.127.0.7.2.2.4.2.2", f->card.pace_oid,
                                   sizeof f->card.pace_oid, &n),
                     KS_OK);
    f->card.pace_oid_len = n;
    f->card.pace_parameter_id = 13;
    f->card.has_pace = true;
    assert_int_equal(vc_card_add_file(&f->card, 0x011C, card_access, sizeof card_access), KS_OK);
    static const uint8_t com[] = {0x60, 0x03, 0x5F, 0x01, 0x00};
    assert_int_equal(vc_card_add_file(&f->card, 0x011E, com, sizeof com), KS_OK);
    assert_int_equal(vc_os_init(&f->os, &f->card, true), KS_OK);
    f->rng.len = vt_hex(G1_NONCE G1_SK_MAP_IC G1_SK_EPH_IC, f->rng.bytes, sizeof f->rng.bytes);
    vc_os_set_rng(&f->os, scripted, &f->rng);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vc_os_free(&f->os);
    vc_card_free(&f->card);
    free(f);
    return 0;
}

/* --- a minimal terminal-side AES secure messaging ---------------------- */

typedef struct term_sm {
    uint8_t enc[16], mac[16], ssc[16];
} term_sm;

static void tsm_init(term_sm *t, const char *enc_hex, const char *mac_hex)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(vt_hex(enc_hex, t->enc, 16), 16);
    assert_int_equal(vt_hex(mac_hex, t->mac, 16), 16);
}

static void tsm_next(term_sm *t)
{
    for (size_t i = 16; i-- > 0;)
        if (++t->ssc[i] != 0)
            break;
}

static void tsm_mac(const term_sm *t, const uint8_t *in, size_t len, uint8_t mac[8])
{
    uint8_t buf[1024], full[16];
    memcpy(buf, t->ssc, 16);
    memcpy(buf + 16, in, len);
    size_t plen;
    assert_int_equal(vc_pad(buf, 16 + len, sizeof buf, 16, &plen), KS_OK);
    assert_int_equal(vc_aes_cmac(t->mac, 16, buf, plen, full), KS_OK);
    memcpy(mac, full, 8);
}

static void tsm_iv(const term_sm *t, uint8_t iv[16])
{
    assert_int_equal(vc_aes_cbc(t->enc, 16, NULL, true, t->ssc, 16, iv), KS_OK);
}

/* Protects INS P1 P2 data (Le 00) into apdu; returns its length. */
static size_t tsm_wrap(term_sm *t, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                       size_t nc, uint8_t *apdu)
{
    tsm_next(t);
    uint8_t body[512];
    size_t n = 0;
    if (nc) {
        uint8_t pt[256], iv[16];
        size_t plen;
        memcpy(pt, data, nc);
        assert_int_equal(vc_pad(pt, nc, sizeof pt, 16, &plen), KS_OK);
        tsm_iv(t, iv);
        assert_int_equal(vc_aes_cbc(t->enc, 16, iv, true, pt, plen, pt), KS_OK);
        n += tlv_put_header(body, sizeof body, 0x87, plen + 1);
        body[n++] = 0x01;
        memcpy(body + n, pt, plen);
        n += plen;
    }
    body[n++] = 0x97;
    body[n++] = 0x01;
    body[n++] = 0x00;
    uint8_t mac_in[600];
    size_t m = 0;
    mac_in[m++] = 0x0C;
    mac_in[m++] = ins;
    mac_in[m++] = p1;
    mac_in[m++] = p2;
    assert_int_equal(vc_pad(mac_in, 4, sizeof mac_in, 16, &m), KS_OK);
    memcpy(mac_in + m, body, n);
    m += n;
    body[n++] = 0x8E;
    body[n++] = 0x08;
    tsm_mac(t, mac_in, m, body + n);
    n += 8;
    assert_true(n < 256);
    apdu[0] = 0x0C;
    apdu[1] = ins;
    apdu[2] = p1;
    apdu[3] = p2;
    apdu[4] = (uint8_t)n;
    memcpy(apdu + 5, body, n);
    apdu[5 + n] = 0x00;
    return 6 + n;
}

/* Checks a protected response; returns false on a bad MAC, else the plain data and SW. */
static bool tsm_unwrap(term_sm *t, const uint8_t *resp, size_t len, uint8_t *plain,
                       size_t *plain_len, uint16_t *sw)
{
    tsm_next(t);
    assert_true(len >= 12);
    tlv_iter it;
    tlv e;
    tlv_iter_init(&it, resp, len - 2);
    const uint8_t *mac_at = NULL;
    tlv crypto = {0};
    bool has_crypto = false;
    while (tlv_iter_next(&it, &e) == KS_OK) {
        if (e.tag == 0x87) {
            crypto = e;
            has_crypto = true;
        } else if (e.tag == 0x8E) {
            mac_at = it.p - e.total_len;
        }
    }
    assert_non_null(mac_at);
    uint8_t mac[8];
    tsm_mac(t, resp, (size_t)(mac_at - resp), mac);
    if (memcmp(mac, mac_at + 2, 8) != 0)
        return false;
    *plain_len = 0;
    if (has_crypto) {
        uint8_t iv[16];
        tsm_iv(t, iv);
        size_t clen = crypto.len - 1;
        assert_int_equal(vc_aes_cbc(t->enc, 16, iv, false, crypto.value + 1, clen, plain), KS_OK);
        assert_int_equal(vc_unpad(plain, clen, plain_len), KS_OK);
    }
    *sw = (uint16_t)((resp[len - 2] << 8) | resp[len - 1]);
    return true;
}

/* Sends a protected command; asserts the answer verifies; returns the SW. */
static uint16_t tsm_send(fixture *f, term_sm *t, uint8_t ins, uint8_t p1, uint8_t p2,
                         const uint8_t *data, size_t nc, uint8_t *plain, size_t *plain_len)
{
    uint8_t apdu[600];
    size_t n = tsm_wrap(t, ins, p1, p2, data, nc, apdu);
    size_t out_len = 0;
    assert_int_equal(vc_os_process(&f->os, apdu, n, vt_out, sizeof vt_out, &out_len), KS_OK);
    uint16_t sw = 0;
    assert_true(tsm_unwrap(t, vt_out, out_len, plain, plain_len, &sw));
    return sw;
}

/* --- Appendix G.1 ------------------------------------------------------- */

static void run_g1(fixture *f)
{
    vt_expect(vt_run(&f->os, "0022C1A40F800A" G1_OID "830101"), "9000");
    vt_expect(vt_run(&f->os, "10860000027C0000"),
              "7C12801095A3A016522EE98D01E76CB6B98B42C39000");
    vt_expect(vt_run(&f->os, "10860000457C438141" G1_PK_MAP_IFD "00"),
              "7C438241" G1_PK_MAP_IC "9000");
    vt_expect(vt_run(&f->os, "10860000457C438341" G1_PK_EPH_IFD "00"),
              "7C438441" G1_PK_EPH_IC "9000");
}

static void pace_appendix_g1_chip_answers_byte_for_byte(void **state)
{
    fixture *f = *state;
    run_g1(f);
    assert_false(vc_os_authenticated(&f->os));
    vt_expect(vt_run(&f->os, "008600000C7C0A8508C2B0BD78D94BA86600"), "7C0A86083ABB9674BCE93C089000");
    assert_true(vc_os_authenticated(&f->os));
    assert_int_equal(f->os.sm.suite, VC_SM_AES);
    uint8_t k[16];
    vt_hex(G1_KS_ENC, k, sizeof k);
    assert_memory_equal(f->os.sm.ks_enc, k, 16);
    vt_hex(G1_KS_MAC, k, sizeof k);
    assert_memory_equal(f->os.sm.ks_mac, k, 16);
}

static void pace_session_protects_select_and_read_with_aes(void **state)
{
    fixture *f = *state;
    run_g1(f);
    vt_run(&f->os, "008600000C7C0A8508C2B0BD78D94BA86600");
    /* SELECT eMRTD under the G.1 keys with SSC 0 -> 1 (a published vector). */
    vt_expect(vt_run(&f->os, "0CA4040C1D871101752F676B09FAC86A87D632749A49C7CC8E08C18BA1FCE707BD9F00"),
              "990290008E08BEA7B381C494A0799000");
    /* Continue with the test's own terminal: SSC is now 2. */
    term_sm t;
    tsm_init(&t, G1_KS_ENC, G1_KS_MAC);
    t.ssc[15] = 2;
    uint8_t plain[512];
    size_t pl = 0;
    static const uint8_t com_fid[] = {0x01, 0x1E};
    assert_int_equal(tsm_send(f, &t, 0xA4, 0x02, 0x0C, com_fid, 2, plain, &pl), 0x9000);
    /* Le 00 asks for 256 bytes: the 5-byte file ends first. */
    assert_int_equal(tsm_send(f, &t, 0xB0, 0x00, 0x00, NULL, 0, plain, &pl), 0x6282);
    assert_int_equal(pl, 5);
    assert_int_equal(plain[0], 0x60);
}

static void pace_wrong_terminal_token_answers_6300_without_session(void **state)
{
    fixture *f = *state;
    run_g1(f);
    vt_expect(vt_run(&f->os, "008600000C7C0A8508C2B0BD78D94BA86700"), "6300");
    assert_false(vc_os_authenticated(&f->os));
    /* The run is over: another step needs a new MSE:Set AT. */
    vt_expect(vt_run(&f->os, "008600000C7C0A8508C2B0BD78D94BA86600"), "6985");
}

static void pace_mse_refuses_another_oid_or_parameter_set(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "0022C1A40F800A04007F00070202040204830101"), "6A80");
    vt_expect(vt_run(&f->os, "0022C1A412800A" G1_OID "83010184010C"), "6A80");
    vt_expect(vt_run(&f->os, "0022C1A412800A" G1_OID "83010184010D"), "9000");
    vt_expect(vt_run(&f->os, "0022C1A40F800A" G1_OID "830102"), "9000");
}

static void pace_with_the_can_reaches_a_session(void **state)
{
    fixture *f = *state;
    /* Terminal side with OpenSSL directly: s = D(K_pi, z), own mapping and key agreement. */
    vt_expect(vt_run(&f->os, "0022C1A40F800A" G1_OID "830102"), "9000");
    size_t n = vt_run(&f->os, "10860000027C0000");
    assert_int_equal(vt_sw(n), 0x9000);
    uint8_t kpi[16], s[16], z[16];
    assert_int_equal(vc_kdf_aes((const uint8_t *)"123456", 6, 3, 16, kpi), KS_OK);
    memcpy(z, vt_out + 4, 16);
    assert_int_equal(vc_aes_cbc(kpi, 16, NULL, false, z, 16, s), KS_OK);
    uint8_t want[16];
    vt_hex(G1_NONCE, want, 16);
    assert_memory_equal(s, want, 16); /* the scripted nonce, so the CAN key was used */
    /* The rest of G.1 is password independent once s is known. */
    vt_expect(vt_run(&f->os, "10860000457C438141" G1_PK_MAP_IFD "00"),
              "7C438241" G1_PK_MAP_IC "9000");
    vt_expect(vt_run(&f->os, "10860000457C438341" G1_PK_EPH_IFD "00"),
              "7C438441" G1_PK_EPH_IC "9000");
    vt_expect(vt_run(&f->os, "008600000C7C0A8508C2B0BD78D94BA86600"), "7C0A86083ABB9674BCE93C089000");
    assert_true(vc_os_authenticated(&f->os));
}

static void pace_rejects_a_point_off_the_curve(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "0022C1A40F800A" G1_OID "830101"), "9000");
    vt_run(&f->os, "10860000027C0000");
    /* G1_PK_MAP_IFD with the last byte changed. */
    vt_expect(vt_run(&f->os, "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
                             "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922E00"),
              "6A80");
}

/* --- EF.CardAccess and the MF quirk ------------------------------------ */

static void card_access_is_readable_by_sfi_and_fid_without_authentication(void **state)
{
    fixture *f = *state;
    size_t n = vt_run(&f->os, "00B09C0000");
    assert_int_equal(n, sizeof card_access + 2);
    assert_memory_equal(vt_out, card_access, sizeof card_access);
    vt_expect(vt_run(&f->os, "00A4020C02011C"), "9000");
    n = vt_run(&f->os, "00B0000004");
    assert_memory_equal(vt_out, card_access, 4);
    assert_int_equal(vt_sw(n), 0x9000);
    vt_expect(vt_run(&f->os, "00A4040C07A0000002471001"), "9000");
    vt_expect(vt_run(&f->os, "00B09E0004"), "6982"); /* EF.COM needs access control */
}

static void quirk_select_mf_answers_6d00(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4000C"), "9000");
    f->card.quirk_select_mf_6d00 = true;
    vt_expect(vt_run(&f->os, "00A4000C"), "6D00");
    vt_expect(vt_run(&f->os, "00A4000C023F00"), "6D00");
    vt_expect(vt_run(&f->os, "00A4020C02011C"), "9000");
}

/* --- Chip Authentication ------------------------------------------------ */

static size_t pub_octets(EVP_PKEY *k, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out,
                                                     cap, &n),
                     1);
    return n;
}

static void ecdh_secret(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t *out, size_t *len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, out, len), 1);
    EVP_PKEY_CTX_free(ctx);
}

static void establish_g1(fixture *f, term_sm *t)
{
    run_g1(f);
    vt_expect(vt_run(&f->os, "008600000C7C0A8508C2B0BD78D94BA86600"), "7C0A86083ABB9674BCE93C089000");
    vc_os_set_rng(&f->os, NULL, NULL);
    tsm_init(t, G1_KS_ENC, G1_KS_MAC);
}

/* MSE:Set AT + GENERAL AUTHENTICATE under t; returns the terminal's view of the new keys in t. */
static void run_ca(fixture *f, term_sm *t)
{
    f->card.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    assert_non_null(f->card.ca_key);
    static const uint8_t oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02};
    memcpy(f->card.ca_oid, oid, sizeof oid);
    f->card.ca_oid_len = sizeof oid;

    EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    assert_non_null(eph);
    uint8_t pk[133], data[160], plain[64];
    size_t pk_len = pub_octets(eph, pk, sizeof pk), pl = 0;
    size_t n = 0;
    data[n++] = 0x80;
    data[n++] = sizeof oid;
    memcpy(data + n, oid, sizeof oid);
    n += sizeof oid;
    assert_int_equal(tsm_send(f, t, 0x22, 0x41, 0xA4, data, n, plain, &pl), 0x9000);
    n = 0;
    data[n++] = 0x7C;
    data[n++] = (uint8_t)(pk_len + 2);
    data[n++] = 0x80;
    data[n++] = (uint8_t)pk_len;
    memcpy(data + n, pk, pk_len);
    n += pk_len;
    /* The answer is still protected under the PACE keys. */
    assert_int_equal(tsm_send(f, t, 0x86, 0x00, 0x00, data, n, plain, &pl), 0x9000);
    assert_int_equal(pl, 2);
    assert_int_equal(plain[0], 0x7C);

    uint8_t secret[64];
    size_t slen = sizeof secret;
    ecdh_secret(eph, f->card.ca_key, secret, &slen);
    assert_int_equal(slen, 32);
    memset(t, 0, sizeof *t);
    assert_int_equal(vc_kdf_aes(secret, slen, 1, 16, t->enc), KS_OK);
    assert_int_equal(vc_kdf_aes(secret, slen, 2, 16, t->mac), KS_OK);
    EVP_PKEY_free(eph);
}

static void chip_authentication_switches_to_the_agreed_keys(void **state)
{
    fixture *f = *state;
    term_sm t;
    establish_g1(f, &t);
    run_ca(f, &t);
    uint8_t plain[64];
    size_t pl = 0;
    static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
    assert_int_equal(tsm_send(f, &t, 0xA4, 0x04, 0x0C, aid, sizeof aid, plain, &pl), 0x9000);
    assert_true(vc_os_authenticated(&f->os));
}

static void ca_fail_fault_breaks_the_next_protected_command(void **state)
{
    fixture *f = *state;
    vc_os_set_fault_ca_fail(&f->os, true);
    term_sm t;
    establish_g1(f, &t);
    run_ca(f, &t); /* the CA answer itself still verifies */
    uint8_t apdu[600];
    static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
    size_t n = tsm_wrap(&t, 0xA4, 0x04, 0x0C, aid, sizeof aid, apdu);
    size_t out_len = 0;
    assert_int_equal(vc_os_process(&f->os, apdu, n, vt_out, sizeof vt_out, &out_len), KS_OK);
    vt_expect(out_len, "6988");
    assert_false(vc_os_authenticated(&f->os));
}

static void set_kat_answers_under_old_keys_then_switches_to_3des(void **state)
{
    fixture *f = *state;
    term_sm t;
    establish_g1(f, &t);
    f->card.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    static const uint8_t oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x01};
    memcpy(f->card.ca_oid, oid, sizeof oid);
    f->card.ca_oid_len = sizeof oid;
    EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    uint8_t data[100], plain[64];
    size_t pk_len = pub_octets(eph, data + 2, sizeof data - 2), pl = 0;
    data[0] = 0x91;
    data[1] = (uint8_t)pk_len;
    assert_int_equal(tsm_send(f, &t, 0x22, 0x41, 0xA6, data, pk_len + 2, plain, &pl), 0x9000);
    assert_int_equal(pl, 0);

    uint8_t secret[64], d[80], h[64], enc[16];
    size_t slen = sizeof secret, hl = 0;
    ecdh_secret(eph, f->card.ca_key, secret, &slen);
    memcpy(d, secret, slen);
    memcpy(d + slen, "\x00\x00\x00\x01", 4);
    assert_int_equal(vc_digest("SHA1", d, slen + 4, h, &hl), KS_OK);
    memcpy(enc, h, 16);
    vc_des_set_parity(enc, 16);
    assert_int_equal(f->os.sm.suite, VC_SM_3DES);
    assert_memory_equal(f->os.sm.ks_enc, enc, 16);
    static const uint8_t zero[8] = {0};
    assert_memory_equal(f->os.sm.ssc, zero, 8);
    EVP_PKEY_free(eph);
}

static void chip_authentication_needs_secure_messaging(void **state)
{
    fixture *f = *state;
    f->card.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    vt_expect(vt_run(&f->os, "002241A40C800A04007F00070202030202"), "6985");
}

/* --- Active Authentication ---------------------------------------------- */

static void aa_rsa_signature_is_iso9796_2_scheme_1_sha256(void **state)
{
    fixture *f = *state;
    f->card.aa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(f->card.aa_key);
    memcpy(f->card.aa_digest, "SHA256", 7);
    term_sm t;
    establish_g1(f, &t);
    static const uint8_t challenge[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t sig[512], rec[512];
    size_t sl = 0;
    assert_int_equal(tsm_send(f, &t, 0x88, 0x00, 0x00, challenge, 8, sig, &sl), 0x9000);
    assert_int_equal(sl, 256);

    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, f->card.aa_key, NULL);
    size_t rl = sizeof rec;
    assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_verify_recover(ctx, rec, &rl, sig, sl), 1);
    EVP_PKEY_CTX_free(ctx);
    assert_int_equal(rl, 256);
    assert_int_equal(rec[0], 0x6A);
    assert_int_equal(rec[254], 0x34);
    assert_int_equal(rec[255], 0xCC);
    size_t m1_len = 256 - 1 - 32 - 2;
    uint8_t msg[300], h[64];
    memcpy(msg, rec + 1, m1_len);
    memcpy(msg + m1_len, challenge, 8);
    size_t hl = 0;
    assert_int_equal(vc_digest("SHA256", msg, m1_len + 8, h, &hl), KS_OK);
    assert_memory_equal(h, rec + 1 + m1_len, 32);
}

static void aa_rsa_with_sha1_ends_in_bc(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(key);
    static const uint8_t challenge[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    uint8_t sig[128], rec[128];
    size_t sl = 0, rl = sizeof rec;
    assert_int_equal(vc_aa_sign(key, false, "SHA1", challenge, 8, real_rng, NULL, sig,
                                sizeof sig, &sl),
                     KS_OK);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_verify_recover(ctx, rec, &rl, sig, sl), 1);
    EVP_PKEY_CTX_free(ctx);
    assert_int_equal(rec[0], 0x6A);
    assert_int_equal(rec[127], 0xBC);
    uint8_t msg[200], h[64];
    size_t m1_len = 128 - 1 - 20 - 1, hl = 0;
    memcpy(msg, rec + 1, m1_len);
    memcpy(msg + m1_len, challenge, 8);
    assert_int_equal(vc_digest("SHA1", msg, m1_len + 8, h, &hl), KS_OK);
    assert_memory_equal(h, rec + 1 + m1_len, 20);
    EVP_PKEY_free(key);
}

static bool plain_ecdsa_verifies(EVP_PKEY *key, const uint8_t *challenge, const uint8_t *rs,
                                 size_t n)
{
    uint8_t h[64], der[160];
    size_t hl = 0;
    assert_int_equal(vc_digest("SHA256", challenge, 8, h, &hl), KS_OK);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(rs, (int)(n / 2), NULL), BN_bin2bn(rs + n / 2, (int)(n / 2), NULL));
    uint8_t *p = der;
    int dl = i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
    int ok = EVP_PKEY_verify(ctx, der, (size_t)dl, h, hl);
    EVP_PKEY_CTX_free(ctx);
    return ok == 1;
}

static void aa_ecdsa_signature_is_plain_r_s(void **state)
{
    fixture *f = *state;
    f->card.aa_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    f->card.aa_ecdsa = true;
    term_sm t;
    establish_g1(f, &t);
    static const uint8_t challenge[8] = {9, 9, 9, 9, 1, 2, 3, 4};
    uint8_t sig[128];
    size_t sl = 0;
    assert_int_equal(tsm_send(f, &t, 0x88, 0x00, 0x00, challenge, 8, sig, &sl), 0x9000);
    assert_int_equal(sl, 64);
    assert_true(plain_ecdsa_verifies(f->card.aa_key, challenge, sig, sl));
}

static void clone_fault_signs_with_a_key_unlike_dg15(void **state)
{
    fixture *f = *state;
    f->card.aa_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    f->card.aa_ecdsa = true;
    assert_int_equal(vc_os_set_fault_clone(&f->os, true), KS_OK);
    term_sm t;
    establish_g1(f, &t);
    static const uint8_t challenge[8] = {9, 9, 9, 9, 1, 2, 3, 4};
    uint8_t sig[128];
    size_t sl = 0;
    assert_int_equal(tsm_send(f, &t, 0x88, 0x00, 0x00, challenge, 8, sig, &sl), 0x9000);
    assert_int_equal(sl, 64);
    assert_false(plain_ecdsa_verifies(f->card.aa_key, challenge, sig, sl));
    assert_true(plain_ecdsa_verifies(f->os.clone_key, challenge, sig, sl));
}

static void aa_needs_secure_messaging(void **state)
{
    fixture *f = *state;
    f->card.aa_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    vt_expect(vt_run(&f->os, "00880000080102030405060708"), "6982");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pace_appendix_g1_chip_answers_byte_for_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(pace_session_protects_select_and_read_with_aes, setup, teardown),
        cmocka_unit_test_setup_teardown(pace_wrong_terminal_token_answers_6300_without_session, setup, teardown),
        cmocka_unit_test_setup_teardown(pace_mse_refuses_another_oid_or_parameter_set, setup, teardown),
        cmocka_unit_test_setup_teardown(pace_with_the_can_reaches_a_session, setup, teardown),
        cmocka_unit_test_setup_teardown(pace_rejects_a_point_off_the_curve, setup, teardown),
        cmocka_unit_test_setup_teardown(card_access_is_readable_by_sfi_and_fid_without_authentication, setup, teardown),
        cmocka_unit_test_setup_teardown(quirk_select_mf_answers_6d00, setup, teardown),
        cmocka_unit_test_setup_teardown(chip_authentication_switches_to_the_agreed_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(ca_fail_fault_breaks_the_next_protected_command, setup, teardown),
        cmocka_unit_test_setup_teardown(set_kat_answers_under_old_keys_then_switches_to_3des, setup, teardown),
        cmocka_unit_test_setup_teardown(chip_authentication_needs_secure_messaging, setup, teardown),
        cmocka_unit_test_setup_teardown(aa_rsa_signature_is_iso9796_2_scheme_1_sha256, setup, teardown),
        cmocka_unit_test(aa_rsa_with_sha1_ends_in_bc),
        cmocka_unit_test_setup_teardown(aa_ecdsa_signature_is_plain_r_s, setup, teardown),
        cmocka_unit_test_setup_teardown(clone_fault_signs_with_a_key_unlike_dg15, setup, teardown),
        cmocka_unit_test_setup_teardown(aa_needs_secure_messaging, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
