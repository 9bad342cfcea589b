/*
 * PACE variants beyond the Appendix G.1 exchange (DH Generic Mapping on the
 * RFC 5114 groups, 3DES suites) and Chip Authentication with DH and with
 * 3DES (MSE:Set KAT): round trips against a terminal built here from the
 * emulator's group arithmetic and OpenSSL (EVP_PKEY_derive for CA). The ECDH/AES arithmetic itself
 * is checked byte for byte against the standard in test_vcard_pace.c.
 */
#include "vc_test_util.h"

#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>

#include "tlv.h"
#include "vc_crypto.h"
#include "vc_group.h"
#include "vc_ca.h"
#include "vc_proto.h"

static ks_status real_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return vc_random(out, len);
}

typedef struct fixture {
    vc_card card;
    vc_os os;
} fixture;

static fixture *make(const char *oid, int param)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    vc_card_init(&f->card);
    assert_int_equal(vc_card_set_mrz(&f->card, "099012345", "990815", "390815"), KS_OK);
    assert_int_equal(vc_card_set_can(&f->card, "012345"), KS_OK);
    size_t n = 0;
    assert_int_equal(vc_oid_encode(oid, f->card.pace_oid, sizeof f->card.pace_oid, &n), KS_OK);
    f->card.pace_oid_len = n;
    f->card.pace_parameter_id = param;
    f->card.has_pace = true;
    static const uint8_t com[] = {0x60, 0x03, 0x5F, 0x01, 0x00};
    assert_int_equal(vc_card_add_file(&f->card, 0x011E, com, sizeof com), KS_OK);
    assert_int_equal(vc_os_init(&f->os, &f->card, true), KS_OK);
    return f;
}

static void destroy(fixture *f)
{
    vc_os_free(&f->os);
    vc_card_free(&f->card);
    free(f);
}

static size_t run(fixture *f, const uint8_t *apdu, size_t len)
{
    size_t out_len = 0;
    assert_int_equal(vc_os_process(&f->os, apdu, len, vt_out, sizeof vt_out, &out_len), KS_OK);
    return out_len;
}

/* Sends GA with 7C { tag value }; returns the answer's inner value (copied into val). */
static size_t ga(fixture *f, bool last, uint32_t tag, const uint8_t *v, size_t vlen,
                 uint8_t *val, uint16_t *sw)
{
    uint8_t apdu[700], body[650];
    tlv_writer w;
    tlv_writer_init(&w, body, sizeof body);
    tlv_open(&w, 0x7C);
    if (tag)
        tlv_put(&w, tag, v, vlen);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    apdu_cmd c = {.cla = last ? 0x00 : 0x10, .ins = 0x86, .data = body, .nc = w.len, .ne = 256};
    size_t n = 0;
    assert_int_equal(apdu_encode(&c, APDU_FORM_AUTO, apdu,
                                 sizeof apdu, &n),
                     KS_OK);
    size_t rl = run(f, apdu, n);
    *sw = vt_sw(rl);
    if (*sw != 0x9000)
        return 0;
    tlv outer, inner;
    assert_int_equal(tlv_expect(vt_out, rl - 2, 0x7C, &outer), KS_OK);
    assert_int_equal(tlv_decode(outer.value, outer.len, &inner), KS_OK);
    memcpy(val, inner.value, inner.len);
    return inner.len;
}

static size_t pk_object(const uint8_t *oid, size_t oid_len, bool ecdh, const uint8_t *pk,
                        size_t len, uint8_t *out)
{
    tlv_writer w;
    tlv_writer_init(&w, out, 700);
    tlv_open(&w, 0x7F49);
    tlv_put(&w, 0x06, oid, oid_len);
    tlv_put(&w, ecdh ? 0x86u : 0x84u, pk, len);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

/* The terminal's half of PACE-GM with the CAN; returns true when the chip's token verified. */
static bool terminal_pace(fixture *f, bool spoil_token)
{
    const vc_card *card = &f->card;
    vc_proto proto;
    assert_int_equal(vc_proto_from_oid(card->pace_oid, card->pace_oid_len, VC_PROTO_PACE_GM, &proto), KS_OK);
    vc_group g;
    assert_int_equal(vc_group_from_param_id(&g, card->pace_parameter_id), KS_OK);

    uint8_t apdu[64];
    size_t n = 0;
    apdu[n++] = 0x00; apdu[n++] = 0x22; apdu[n++] = 0xC1; apdu[n++] = 0xA4;
    apdu[n++] = (uint8_t)(2 + card->pace_oid_len + 3);
    apdu[n++] = 0x80; apdu[n++] = (uint8_t)card->pace_oid_len;
    memcpy(apdu + n, card->pace_oid, card->pace_oid_len);
    n += card->pace_oid_len;
    apdu[n++] = 0x83; apdu[n++] = 0x01; apdu[n++] = 0x02;
    assert_int_equal(vt_sw(run(f, apdu, n)), 0x9000);

    uint16_t sw;
    uint8_t val[600], z[32], s[32], kpi[32];
    size_t zl = ga(f, false, 0, NULL, 0, val, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(zl, 16);
    memcpy(z, val, zl);
    assert_int_equal(vc_proto_kdf(&proto, (const uint8_t *)card->can, strlen(card->can), 3, kpi), KS_OK);
    if (proto.aes)
        assert_int_equal(vc_aes_cbc(kpi, proto.key_len, NULL, false, z, zl, s), KS_OK);
    else
        assert_int_equal(vc_3des_cbc(kpi, false, z, zl, s), KS_OK);

    /* Mapping. */
    vc_elem gen, pk, chip_pk, h, mapped, chip_eph, k;
    BIGNUM *sk = NULL, *sk2 = NULL, *bs = BN_bin2bn(s, (int)zl, NULL);
    uint8_t enc[600], my_eph[600];
    size_t el = 0, my_eph_len = 0;
    assert_int_equal(vc_group_generator(&g, &gen), KS_OK);
    assert_int_equal(vc_group_random_scalar(&g, real_rng, NULL, &sk), KS_OK);
    assert_int_equal(vc_group_mul(&g, sk, &gen, &pk), KS_OK);
    assert_int_equal(vc_group_encode(&g, &pk, enc, sizeof enc, &el), KS_OK);
    size_t vl = ga(f, false, 0x81, enc, el, val, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(vc_group_decode(&g, val, vl, &chip_pk), KS_OK);
    assert_int_equal(vc_group_mul(&g, sk, &chip_pk, &h), KS_OK);
    assert_int_equal(vc_group_map_generic(&g, bs, &h, &mapped), KS_OK);

    /* Key agreement. */
    vc_elem my_pub;
    assert_int_equal(vc_group_random_scalar(&g, real_rng, NULL, &sk2), KS_OK);
    assert_int_equal(vc_group_mul(&g, sk2, &mapped, &my_pub), KS_OK);
    assert_int_equal(vc_group_encode(&g, &my_pub, my_eph, sizeof my_eph, &my_eph_len), KS_OK);
    vl = ga(f, false, 0x83, my_eph, my_eph_len, val, &sw);
    assert_int_equal(sw, 0x9000);
    uint8_t chip_eph_bytes[600];
    size_t chip_eph_len = vl;
    memcpy(chip_eph_bytes, val, vl);
    assert_int_equal(vc_group_decode(&g, val, vl, &chip_eph), KS_OK);
    assert_int_equal(vc_group_mul(&g, sk2, &chip_eph, &k), KS_OK);
    uint8_t secret[600], ks_mac[32], tok[8], obj[700];
    size_t sl = 0;
    assert_int_equal(vc_group_secret(&g, &k, secret, sizeof secret, &sl), KS_OK);
    assert_int_equal(vc_proto_kdf(&proto, secret, sl, 2, ks_mac), KS_OK);
    size_t ol = pk_object(card->pace_oid, card->pace_oid_len, proto.ecdh, chip_eph_bytes, chip_eph_len, obj);
    assert_int_equal(vc_proto_mac(&proto, ks_mac, obj, ol, tok), KS_OK);
    if (spoil_token)
        tok[0] ^= 1;
    vl = ga(f, true, 0x85, tok, 8, val, &sw);
    bool ok = false;
    if (sw == 0x9000) {
        ol = pk_object(card->pace_oid, card->pace_oid_len, proto.ecdh, my_eph, my_eph_len, obj);
        assert_int_equal(vc_proto_mac(&proto, ks_mac, obj, ol, tok), KS_OK);
        assert_int_equal(vl, 8);
        ok = memcmp(val, tok, 8) == 0;
    } else {
        assert_int_equal(sw, 0x6300);
    }
    vc_elem_free(&gen); vc_elem_free(&pk); vc_elem_free(&chip_pk); vc_elem_free(&h);
    vc_elem_free(&mapped); vc_elem_free(&chip_eph); vc_elem_free(&k); vc_elem_free(&my_pub);
    BN_free(sk); BN_free(sk2); BN_free(bs);
    vc_group_free(&g);
    return ok;
}

static void check_variant(const char *oid, int param, bool aes_session)
{
    fixture *f = make(oid, param);
    assert_true(terminal_pace(f, false));
    assert_true(vc_os_authenticated(&f->os));
    assert_int_equal(f->os.sm.suite, aes_session ? VC_SM_AES : VC_SM_3DES);
    destroy(f);
    f = make(oid, param);
    assert_false(terminal_pace(f, true));
    assert_false(vc_os_authenticated(&f->os));
    destroy(f);
}

static void pace_dh_gm_aes128_on_the_2048_bit_group(void **state)
{
    (void)state;
    check_variant("0.4.0.127.0.7.2.2.4.1.2", 2, true);
}

static void pace_dh_gm_3des_on_the_1024_bit_group(void **state)
{
    (void)state;
    check_variant("0.4.0.127.0.7.2.2.4.1.1", 0, false);
}

static void pace_ecdh_gm_3des_on_p256(void **state)
{
    (void)state;
    check_variant("0.4.0.127.0.7.2.2.4.2.1", 12, false);
}

static void pace_ecdh_gm_aes256_on_brainpool384(void **state)
{
    (void)state;
    check_variant("0.4.0.127.0.7.2.2.4.2.4", 16, true);
}

static void pace_oid_and_parameters_of_different_kinds_are_refused(void **state)
{
    (void)state;
    fixture *f = make("0.4.0.127.0.7.2.2.4.1.2", 13); /* DH OID, EC parameters */
    vt_expect(vt_run(&f->os, "0022C1A40F800A04007F00070202040102830102"), "6A80");
    destroy(f);
}

/* CA with a DH key (RFC 5114 2048/224 group) and 3DES via MSE:Set KAT, checked at the key level. */
static void chip_authentication_dh_agrees_with_openssl(void **state)
{
    (void)state;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DHX", NULL);
    EVP_PKEY *params = NULL, *chip = NULL, *term = NULL;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"dh_2048_224", 0),
                       OSSL_PARAM_construct_end()};
    assert_int_equal(EVP_PKEY_fromdata_init(pctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(pctx, &params, EVP_PKEY_KEY_PARAMETERS, p), 1);
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &chip), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &term), 1);
    EVP_PKEY_CTX_free(kctx);

    BIGNUM *y = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(term, OSSL_PKEY_PARAM_PUB_KEY, &y), 1);
    uint8_t pub[256];
    assert_int_equal(BN_bn2binpad(y, pub, 256), 256);
    BN_free(y);
    uint8_t secret[256];
    size_t sl = sizeof secret;
    EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, term, NULL);
    assert_int_equal(EVP_PKEY_derive_init(d), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(d, chip), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dh_pad(d, 1), 1);
    assert_int_equal(EVP_PKEY_derive(d, secret, &sl), 1);
    EVP_PKEY_CTX_free(d);
    assert_int_equal(sl, 256);

    static const uint8_t ca_dh_3des[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x01, 0x01};
    vc_sm sm;
    assert_int_equal(vc_ca_agree(chip, ca_dh_3des, sizeof ca_dh_3des, pub, sizeof pub, false, &sm), KS_OK);
    vc_proto proto = {.ecdh = false, .aes = false, .key_len = 16};
    uint8_t enc[16], mac[16];
    assert_int_equal(vc_proto_kdf(&proto, secret, sl, 1, enc), KS_OK);
    assert_int_equal(vc_proto_kdf(&proto, secret, sl, 2, mac), KS_OK);
    assert_int_equal(sm.suite, VC_SM_3DES);
    assert_memory_equal(sm.ks_enc, enc, 16);
    assert_memory_equal(sm.ks_mac, mac, 16);
    static const uint8_t zero[8] = {0};
    assert_memory_equal(sm.ssc, zero, 8);
    /* A value outside the subgroup is refused. */
    memset(pub, 0, sizeof pub);
    pub[255] = 2;
    assert_int_equal(vc_ca_agree(chip, ca_dh_3des, sizeof ca_dh_3des, pub, sizeof pub, false, &sm),
                     KS_ERR_MALFORMED);
    EVP_PKEY_free(params);
    EVP_PKEY_free(chip);
    EVP_PKEY_free(term);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pace_dh_gm_aes128_on_the_2048_bit_group),
        cmocka_unit_test(pace_dh_gm_3des_on_the_1024_bit_group),
        cmocka_unit_test(pace_ecdh_gm_3des_on_p256),
        cmocka_unit_test(pace_ecdh_gm_aes256_on_brainpool384),
        cmocka_unit_test(pace_oid_and_parameters_of_different_kinds_are_refused),
        cmocka_unit_test(chip_authentication_dh_agrees_with_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
