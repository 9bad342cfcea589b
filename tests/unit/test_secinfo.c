/*
 * SecurityInfos from EF.CardAccess and DG14: the ICAO Appendix G.1
 * CardAccess, a CCCD-like one, DG14 with CA/AA infos and real EC and DH
 * public keys, unknown infos, malformed bodies and every truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "secinfo.h"
#include "tlv.h"

#include "test_hex.h"

/* Every proper prefix must fail cleanly, and the whole must parse. */
static void assert_prefixes_fail(const uint8_t *buf, size_t len)
{
    secinfo_set s;
    for (size_t i = 0; i < len; i++)
        assert_int_not_equal(secinfo_parse(buf, i, &s), KS_OK);
    assert_int_equal(secinfo_parse(buf, len, &s), KS_OK);
}

static void appendix_g1_card_access_offers_ecdh_gm_aes128(void **state)
{
    (void)state;
    HEX(ca, "31143012060A04007F0007020204020202010202010D");
    secinfo_set s;
    assert_int_equal(secinfo_parse(ca, ca_len, &s), KS_OK);
    assert_int_equal(s.n_pace, 1);
    assert_string_equal(s.pace[0].oid, "0.4.0.127.0.7.2.2.4.2.2");
    assert_int_equal(s.pace[0].version, 2);
    assert_int_equal(s.pace[0].parameter_id, 13);
    assert_int_equal(s.pace[0].ka, SECINFO_KA_ECDH);
    assert_int_equal(s.pace[0].mapping, SECINFO_MAP_GM);
    assert_int_equal(s.pace[0].cipher, KS_CIPHER_AES128);
    assert_int_equal(s.n_ca + s.n_ca_pk + s.n_pace_domain + s.n_unknown, 0);
    assert_false(s.has_ta || s.has_aa);
    assert_ptr_equal(secinfo_best_pace(&s), &s.pace[0]);
    assert_prefixes_fail(ca, ca_len);
}

#define CCCD_CARD_ACCESS                                                                          \
    "3148"                                                                                        \
    "3012060A04007F0007020204020202010202010D"   /* PACE-ECDH-GM-AES-128, v2, param 13 */        \
    "3012060A04007F0007020203020202010102010A"   /* CA-ECDH-AES-128, v1, keyId 10 */             \
    "300D060804007F000702020202010" "1"          /* TA, v1 */                                     \
    "300F060A04007F00070202040402020102"         /* PACE-ECDH-IM-AES-128, v2, no param */

static void cccd_like_card_access_is_understood(void **state)
{
    (void)state;
    HEX(ca, CCCD_CARD_ACCESS);
    secinfo_set s;
    assert_int_equal(secinfo_parse(ca, ca_len, &s), KS_OK);
    assert_int_equal(s.n_pace, 2);
    assert_int_equal(s.pace[1].mapping, SECINFO_MAP_IM);
    assert_int_equal(s.pace[1].parameter_id, -1);
    assert_int_equal(s.n_ca, 1);
    assert_string_equal(s.ca[0].oid, "0.4.0.127.0.7.2.2.3.2.2");
    assert_int_equal(s.ca[0].version, 1);
    assert_int_equal(s.ca[0].key_id, 10);
    assert_int_equal(s.ca[0].ka, SECINFO_KA_ECDH);
    assert_int_equal(s.ca[0].cipher, KS_CIPHER_AES128);
    assert_true(s.has_ta);
    assert_int_equal(s.n_unknown, 0);
    /* IM is not implemented on the host, so GM is chosen. */
    assert_ptr_equal(secinfo_best_pace(&s), &s.pace[0]);
    assert_prefixes_fail(ca, ca_len);
}

static void best_pace_prefers_ecdh_and_aes(void **state)
{
    (void)state;
    HEX(ca, "313C"
            "3012060A04007F00070202040102020102020100"  /* DH-GM-AES-128 param 0 */
            "3012060A04007F0007020204020102010202010D"  /* ECDH-GM-3DES param 13 */
            "3012060A04007F0007020204020402010202010D"); /* ECDH-GM-AES-256 param 13 */
    secinfo_set s;
    assert_int_equal(secinfo_parse(ca, ca_len, &s), KS_OK);
    assert_int_equal(s.n_pace, 3);
    assert_int_equal(s.pace[0].ka, SECINFO_KA_DH);
    assert_ptr_equal(secinfo_best_pace(&s), &s.pace[2]);
    s.n_pace = 2;
    assert_ptr_equal(secinfo_best_pace(&s), &s.pace[1]);
    s.n_pace = 1;
    assert_ptr_equal(secinfo_best_pace(&s), &s.pace[0]);
    s.pace[0].parameter_id = 13; /* a DH protocol on a curve id makes no sense */
    assert_null(secinfo_best_pace(&s));
    s.n_pace = 0;
    assert_null(secinfo_best_pace(&s));
}

static void unknown_infos_are_counted_not_fatal(void **state)
{
    (void)state;
    HEX(ca, "3130"
            "3012060A04007F0007020204020202010202010D"
            "3008060355040302010" "1"                     /* 2.5.4.3: not ours */
            "3008060204000C020101"                       /* 0.4.0.12: not ours */
            "3006060104040100"                           /* 0.4 with odd body */);
    /* (an unknown info may have any body, even none or four fields) */
    secinfo_set s;
    /* Lengths are from the hex above: check the set header matches. */
    assert_int_equal(ca[1] + 2, (int)ca_len);
    assert_int_equal(secinfo_parse(ca, ca_len, &s), KS_OK);
    assert_int_equal(s.n_pace, 1);
    assert_int_equal(s.n_unknown, 3);
}

static void unknown_infos_may_have_any_body(void **state)
{
    (void)state;
    /* 0.4 with no body, 0.4 with four INTEGERs, 2.5.4.3 with a SET. */
    HEX(b, "3124" "3003060104" "300F060104020101020101020101020101" "300C060355040331053003020100");
    assert_int_equal(b[1] + 2, (int)b_len);
    secinfo_set s;
    assert_int_equal(secinfo_parse(b, b_len, &s), KS_OK);
    assert_int_equal(s.n_unknown, 3);
    /* The same four-field body under a PACE OID is malformed. */
    HEX(p, "311A" "3018060A04007F00070202040202020102020101020101020101");
    assert_int_equal(p[1] + 2, (int)p_len);
    assert_int_equal(secinfo_parse(p, p_len, &s), KS_ERR_MALFORMED);
}

static void malformed_known_infos_fail_the_parse(void **state)
{
    (void)state;
    static const char *bad[] = {
        "310E300C060A04007F00070202040202",                   /* PACEInfo without version */
        "3114" "3012060A04007F0007020204020204010202010D",     /* version not an INTEGER */
        "3114" "3012060A04007F000702020402020201020201FF",     /* negative parameter id */
        "3111" "300F060A04007F00070202030202020101" "0500",    /* only 3 fields allowed: ok? */
        "3114" "3012060A04007F0007020204020202010202010D00",   /* trailing byte in set */
        "3014" "3012060A04007F0007020204020202010202010D",     /* SEQUENCE instead of SET */
        "3104" "30020500",                                     /* no OID */
        "310C" "300A060804007F0007020202",                    /* TA without body */
        "3107" "3005060180" "0500",                            /* non-minimal OID arc */
        "310E" "300C060804007F000702020204" "00",              /* TA version missing */
        "3110" "300E060904007F000702020102" "020101",   /* CA PK without SPKI */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        HEX(b, bad[i]);
        secinfo_set s;
        ks_status st = secinfo_parse(b, b_len, &s);
        if (i == 3) {
            /* ChipAuthenticationInfo(version 1, keyId NULL): keyId not an INTEGER. */
            assert_int_not_equal(st, KS_OK);
            continue;
        }
        assert_int_not_equal(st, KS_OK);
        assert_int_equal(s.n_pace + s.n_ca + s.n_unknown, 0); /* nothing half-filled */
    }
    assert_int_equal(secinfo_parse(NULL, 0, NULL), KS_ERR_ARG);
}

static void too_many_infos_of_one_kind_are_counted_as_unknown(void **state)
{
    (void)state;
    uint8_t buf[512];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x31);
    HEX(info, "3012060A04007F0007020204020202010202010D");
    for (int i = 0; i < SECINFO_MAX + 2; i++)
        tlv_put_raw(&w, info, info_len);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    secinfo_set s;
    assert_int_equal(secinfo_parse(buf, w.len, &s), KS_OK);
    assert_int_equal(s.n_pace, SECINFO_MAX);
    assert_int_equal(s.n_unknown, 2);
}

/* --- DG14 with real keys ------------------------------------------------ */

static size_t spki_of(EVP_PKEY *domain, uint8_t *out, size_t cap)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, domain, NULL);
    assert_non_null(ctx);
    EVP_PKEY *key = NULL;
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &key), 1);
    int n = i2d_PUBKEY(key, NULL);
    assert_true(n > 0 && (size_t)n <= cap);
    uint8_t *p = out;
    assert_int_equal(i2d_PUBKEY(key, &p), n);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(ctx);
    return (size_t)n;
}

static void put_oid(tlv_writer *w, const char *hex)
{
    HEX(o, hex);
    tlv_put(w, 0x06, o, o_len);
}

static void put_int(tlv_writer *w, uint8_t v)
{
    tlv_put(w, 0x02, &v, 1);
}

static void dg14_with_ca_keys_and_aa_info_is_parsed(void **state)
{
    (void)state;
    EVP_PKEY *ec = secinfo_std_domain(13), *dh = secinfo_std_domain(1);
    assert_non_null(ec);
    assert_non_null(dh);
    uint8_t ec_spki[512], dh_spki[1024];
    size_t ec_len = spki_of(ec, ec_spki, sizeof ec_spki);
    size_t dh_len = spki_of(dh, dh_spki, sizeof dh_spki);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(dh);

    static uint8_t buf[2048];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x31);
    tlv_open(&w, 0x30); /* ChipAuthenticationInfo ECDH AES-128 v1 */
    put_oid(&w, "04007F00070202030202");
    put_int(&w, 1);
    tlv_close(&w);
    tlv_open(&w, 0x30); /* ChipAuthenticationPublicKeyInfo id-PK-ECDH */
    put_oid(&w, "04007F000702020102");
    tlv_put_raw(&w, ec_spki, ec_len);
    tlv_close(&w);
    tlv_open(&w, 0x30); /* ChipAuthenticationPublicKeyInfo id-PK-DH, keyId 2 */
    put_oid(&w, "04007F000702020101");
    tlv_put_raw(&w, dh_spki, dh_len);
    put_int(&w, 2);
    tlv_close(&w);
    tlv_open(&w, 0x30); /* ActiveAuthenticationInfo v1 ecdsa-plain-SHA256 */
    put_oid(&w, "678108010105");
    put_int(&w, 1);
    put_oid(&w, "04007F00070101040103");
    tlv_close(&w);
    tlv_open(&w, 0x30); /* CA domain parameter info: not needed, counted */
    put_oid(&w, "04007F000702020302");
    tlv_put_raw(&w, (const uint8_t *)"\x30\x00", 2);
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);

    secinfo_set s;
    assert_int_equal(secinfo_parse(buf, w.len, &s), KS_OK);
    assert_int_equal(s.n_ca, 1);
    assert_int_equal(s.ca[0].key_id, -1);
    assert_int_equal(s.n_ca_pk, 2);
    assert_string_equal(s.ca_pk[0].oid, "0.4.0.127.0.7.2.2.1.2");
    assert_int_equal(s.ca_pk[0].ka, SECINFO_KA_ECDH);
    assert_int_equal(s.ca_pk[0].key_id, -1);
    assert_int_equal(s.ca_pk[0].spki_len, ec_len);
    assert_memory_equal(s.ca_pk[0].spki, ec_spki, ec_len);
    assert_int_equal(s.ca_pk[1].ka, SECINFO_KA_DH);
    assert_int_equal(s.ca_pk[1].key_id, 2);
    assert_int_equal(s.ca_pk[1].spki_len, dh_len);
    const uint8_t *p = s.ca_pk[1].spki;
    EVP_PKEY *back = d2i_PUBKEY(NULL, &p, (long)s.ca_pk[1].spki_len);
    assert_non_null(back);
    EVP_PKEY_free(back);
    assert_true(s.has_aa);
    assert_int_equal(s.aa.version, 1);
    assert_string_equal(s.aa.signature_oid, "0.4.0.127.0.7.1.1.4.1.3");
    assert_int_equal(s.aa.hash_nid, NID_sha256);
    assert_int_equal(s.n_unknown, 1);
    assert_int_equal(s.n_pace, 0);
    assert_null(secinfo_best_pace(&s));
    assert_prefixes_fail(buf, w.len);
}

static void rsa_aa_info_without_signature_oid_is_accepted(void **state)
{
    (void)state;
    HEX(b, "310D" "300B060667810801010502010" "1");
    secinfo_set s;
    assert_int_equal(secinfo_parse(b, b_len, &s), KS_OK);
    assert_true(s.has_aa);
    assert_string_equal(s.aa.signature_oid, "");
    assert_int_equal(s.aa.hash_nid, 0);
}

static void pace_domain_parameter_info_points_at_its_algorithm_identifier(void **state)
{
    (void)state;
    HEX(b, "3119" "3017060904007F000702020402" "3007060528CF060101" "020101");
    secinfo_set s;
    assert_int_equal(secinfo_parse(b, b_len, &s), KS_OK);
    assert_int_equal(s.n_pace_domain, 1);
    assert_int_equal(s.pace_domain[0].parameter_id, 1);
    assert_ptr_equal(s.pace_domain[0].algorithm_identifier, b + 15);
    assert_int_equal(s.pace_domain[0].algorithm_identifier_len, 9);
}

static void standard_domains_are_available(void **state)
{
    (void)state;
    static const int ids[] = {0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        EVP_PKEY *p = secinfo_std_domain(ids[i]);
        assert_non_null(p);
        EVP_PKEY_free(p);
    }
    static const int bad[] = {-1, 3, 7, 19, 255};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(secinfo_std_domain(bad[i]));
    EVP_PKEY *dh = secinfo_std_domain(0);
    BIGNUM *q = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(dh, OSSL_PKEY_PARAM_FFC_Q, &q), 1);
    assert_int_equal(BN_num_bits(q), 160);
    BN_free(q);
    EVP_PKEY_free(dh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appendix_g1_card_access_offers_ecdh_gm_aes128),
        cmocka_unit_test(cccd_like_card_access_is_understood),
        cmocka_unit_test(best_pace_prefers_ecdh_and_aes),
        cmocka_unit_test(unknown_infos_are_counted_not_fatal),
        cmocka_unit_test(unknown_infos_may_have_any_body),
        cmocka_unit_test(malformed_known_infos_fail_the_parse),
        cmocka_unit_test(too_many_infos_of_one_kind_are_counted_as_unknown),
        cmocka_unit_test(dg14_with_ca_keys_and_aa_info_is_parsed),
        cmocka_unit_test(rsa_aa_info_without_signature_oid_is_accepted),
        cmocka_unit_test(pace_domain_parameter_info_points_at_its_algorithm_identifier),
        cmocka_unit_test(standard_domains_are_available),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
