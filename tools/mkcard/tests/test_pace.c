/*
 * PACE options: EF.CardAccess (decoded with OpenSSL's generic ASN.1 parser),
 * the CA cipher in DG14, the card.json keys pace / ca / quirks, and that
 * EF.CardAccess stays outside EF.COM and EF.SOD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mkc_pace.h"
#include "mkc_secinfo.h"
#include "mkc_test_support.h"
#include "tlv.h"

/* One decoded SecurityInfo: its OID, and up to two INTEGERs after it. */
typedef struct info {
    char oid[MKC_OID_MAX];
    int n_ints;
    long ints[2];
} info;

/* Parses a bare DER SET OF SecurityInfo (tag 31) into at most cap infos. */
static int decode_security_infos(const uint8_t *der, size_t len, info *out, int cap)
{
    assert_true(len >= 2);
    assert_int_equal(der[0], 0x31); /* no application tag around it */
    const unsigned char *p = der;
    STACK_OF(ASN1_TYPE) *set = d2i_ASN1_SET_ANY(NULL, &p, (long)len);
    assert_non_null(set);
    assert_ptr_equal(p, der + len); /* nothing after the SET */
    int n = sk_ASN1_TYPE_num(set);
    assert_in_range(n, 1, cap);
    for (int i = 0; i < n; i++) {
        ASN1_TYPE *item = sk_ASN1_TYPE_value(set, i);
        assert_int_equal(ASN1_TYPE_get(item), V_ASN1_SEQUENCE);
        const unsigned char *ip = item->value.sequence->data;
        STACK_OF(ASN1_TYPE) *fields =
            d2i_ASN1_SEQUENCE_ANY(NULL, &ip, item->value.sequence->length);
        assert_non_null(fields);
        ASN1_TYPE *oid = sk_ASN1_TYPE_value(fields, 0);
        assert_int_equal(ASN1_TYPE_get(oid), V_ASN1_OBJECT);
        OBJ_obj2txt(out[i].oid, sizeof out[i].oid, oid->value.object, 1);
        out[i].n_ints = 0;
        for (int f = 1; f < sk_ASN1_TYPE_num(fields) && out[i].n_ints < 2; f++) {
            ASN1_TYPE *v = sk_ASN1_TYPE_value(fields, f);
            if (ASN1_TYPE_get(v) == V_ASN1_INTEGER)
                out[i].ints[out[i].n_ints++] = ASN1_INTEGER_get(v->value.integer);
        }
        sk_ASN1_TYPE_pop_free(fields, ASN1_TYPE_free);
    }
    /* OpenSSL sorts a SET OF when encoding: equal bytes mean the input is DER. */
    unsigned char *again = NULL;
    int again_len = i2d_ASN1_SET_ANY(set, &again);
    assert_int_equal(again_len, (int)len);
    assert_memory_equal(again, der, len);
    OPENSSL_free(again);
    sk_ASN1_TYPE_pop_free(set, ASN1_TYPE_free);
    return n;
}

static const info *find_info(const info *infos, int n, const char *oid)
{
    for (int i = 0; i < n; i++)
        if (strcmp(infos[i].oid, oid) == 0)
            return &infos[i];
    return NULL;
}

static const info *find_prefix(const info *infos, int n, const char *prefix)
{
    size_t plen = strlen(prefix);
    for (int i = 0; i < n; i++)
        if (strncmp(infos[i].oid, prefix, plen) == 0 && infos[i].oid[plen] == '.')
            return &infos[i];
    return NULL;
}

static char *card_path(const char *dir)
{
    char *card = malloc(4096);
    assert_non_null(card);
    snprintf(card, 4096, "%s/card", dir);
    return card;
}

static void card_access_holds_the_chosen_pace_oid_version_and_parameter(void **state)
{
    (void)state;
    static const struct {
        mkc_pace_alg alg;
        int param;
        int arc;
    } cases[] = {
        {MKC_PACE_DH_GM, 0, 1},   {MKC_PACE_DH_GM, 2, 1},    {MKC_PACE_ECDH_GM, 13, 2},
        {MKC_PACE_ECDH_GM, 12, 2}, {MKC_PACE_DH_IM, 1, 3},   {MKC_PACE_ECDH_IM, 18, 4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int cipher = MKC_CIPHER_3DES; cipher <= MKC_CIPHER_AES256; cipher++) {
            mkc_pace_config cfg = {cases[c].alg, (mkc_cipher)cipher, cases[c].param};
            mkc_bytes ca;
            assert_int_equal(mkc_pace_card_access(&cfg, MKC_CA_NONE, MKC_CIPHER_AES128, &ca),
                             KS_OK);
            info infos[4];
            assert_int_equal(decode_security_infos(ca.data, ca.len, infos, 4), 1);
            char want[MKC_OID_MAX];
            snprintf(want, sizeof want, "0.4.0.127.0.7.2.2.4.%d.%d", cases[c].arc, cipher);
            assert_string_equal(infos[0].oid, want);
            assert_int_equal(infos[0].n_ints, 2);
            assert_int_equal(infos[0].ints[0], 2);
            assert_int_equal(infos[0].ints[1], cases[c].param);
            mkc_bytes_free(&ca);
        }
    }
}

static void pace_parameter_must_fit_the_key_agreement(void **state)
{
    (void)state;
    assert_int_equal(mkc_pace_check_param(MKC_PACE_DH_GM, 2), KS_OK);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_DH_GM, 13), KS_ERR_ARG);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_DH_IM, 3), KS_ERR_ARG);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_ECDH_GM, 2), KS_ERR_ARG);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_ECDH_GM, 19), KS_ERR_ARG);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_ECDH_GM, 10), KS_OK);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_ECDH_IM, 10), KS_ERR_ARG);
    assert_int_equal(mkc_pace_check_param(MKC_PACE_NONE, 13), KS_ERR_ARG);
    assert_int_equal(mkc_pace_default_param(MKC_PACE_ECDH_IM), 13);
    assert_int_equal(mkc_pace_default_param(MKC_PACE_DH_GM), 2);
    char oid[MKC_OID_MAX];
    assert_int_equal(mkc_pace_oid(MKC_PACE_NONE, MKC_CIPHER_AES128, oid), KS_ERR_ARG);
    assert_int_equal(mkc_pace_oid(MKC_PACE_ECDH_GM, (mkc_cipher)5, oid), KS_ERR_ARG);

    /* The build refuses a mismatch before writing anything. */
    static mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    mkc_options o;
    mkc_options_default(&o);
    o.pace_by_profile = false;
    o.pace = MKC_PACE_DH_GM;
    o.pace_param = 13;
    char *dir = mkc_test_tmpdir();
    char *card = card_path(dir);
    o.portrait_path = "/nonexistent/face.jpg";
    o.out_dir = card;
    assert_int_equal(mkc_card_build(&o, &p), KS_ERR_ARG);
    assert_false(mkc_test_exists(dir, "card"));
    free(card);
    mkc_test_rmtree(dir);
    free(dir);
}

static void options_resolve_pace_by_profile_and_key_agreement(void **state)
{
    (void)state;
    static mkc_profile cccd, passport;
    mkc_test_profile("cccd-sample.json", &cccd);
    mkc_test_profile("passport-sample.json", &passport);
    mkc_options o;
    mkc_options_default(&o);
    assert_int_equal(mkc_options_resolve(&o, &cccd), KS_OK);
    assert_int_equal(o.pace, MKC_PACE_ECDH_GM);
    assert_int_equal(o.pace_cipher, MKC_CIPHER_AES128);
    assert_int_equal(o.pace_param, 13);
    mkc_options_default(&o);
    assert_int_equal(mkc_options_resolve(&o, &passport), KS_OK);
    assert_int_equal(o.pace, MKC_PACE_NONE);
    mkc_options_default(&o);
    o.pace_by_profile = false;
    o.pace = MKC_PACE_DH_GM;
    assert_int_equal(mkc_options_resolve(&o, &passport), KS_OK);
    assert_int_equal(o.pace_param, 2);
}

static void cccd_card_access_announces_pace_ca_and_ta(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_NONE;
    char *dir = mkc_test_build("cccd-sample.json", &o);
    char *card = card_path(dir);
    mkc_bytes ca = mkc_test_read(card, "011C.bin");
    info infos[4];
    assert_int_equal(decode_security_infos(ca.data, ca.len, infos, 4), 3);
    const info *pace = find_info(infos, 3, "0.4.0.127.0.7.2.2.4.2.2");
    assert_non_null(pace);
    assert_int_equal(pace->ints[0], 2);
    assert_int_equal(pace->ints[1], 13);
    const info *cai = find_info(infos, 3, MKC_OID_CA_ECDH_AES_CBC_CMAC_128);
    assert_non_null(cai);
    assert_int_equal(cai->n_ints, 1);
    assert_int_equal(cai->ints[0], 1);
    const info *ta = find_info(infos, 3, "0.4.0.127.0.7.2.2.2");
    assert_non_null(ta);
    assert_int_equal(ta->n_ints, 1);
    assert_int_equal(ta->ints[0], 1);
    mkc_bytes_free(&ca);
    free(card);
    mkc_test_rmtree(dir);
    free(dir);
}

/* The SET in DG14 (6E { 31 ... }) decoded. */
static int decode_dg14(const char *card, info *infos, int cap)
{
    mkc_bytes dg14 = mkc_test_read(card, "010E.bin");
    const unsigned char *p = dg14.data;
    long len;
    int tag, cls;
    assert_false(ASN1_get_object(&p, &len, &tag, &cls, (long)dg14.len) & 0x80);
    assert_int_equal(cls, V_ASN1_APPLICATION);
    assert_int_equal(tag, 14);
    int n = decode_security_infos(p, (size_t)len, infos, cap);
    mkc_bytes_free(&dg14);
    return n;
}

static void dg14_and_card_access_ca_oid_follow_ca_cipher(void **state)
{
    (void)state;
    static const struct {
        mkc_ca_alg ca;
        mkc_cipher cipher;
        const char *oid;
    } cases[] = {
        {MKC_CA_ECDH, MKC_CIPHER_3DES, "0.4.0.127.0.7.2.2.3.2.1"},
        {MKC_CA_ECDH, MKC_CIPHER_AES256, "0.4.0.127.0.7.2.2.3.2.4"},
        {MKC_CA_DH, MKC_CIPHER_AES192, "0.4.0.127.0.7.2.2.3.1.3"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        mkc_options o;
        mkc_options_default(&o);
        o.aa = MKC_AA_NONE;
        o.ca = cases[c].ca;
        o.ca_cipher = cases[c].cipher;
        char *dir = mkc_test_build("cccd-sample.json", &o);
        char *card = card_path(dir);
        info infos[4];
        int n = decode_dg14(card, infos, 4);
        assert_int_equal(n, 2);
        const info *dg14_ca = find_prefix(infos, n, "0.4.0.127.0.7.2.2.3");
        assert_non_null(dg14_ca);
        assert_string_equal(dg14_ca->oid, cases[c].oid);
        assert_int_equal(dg14_ca->n_ints, 1); /* version only: no keyId */

        mkc_bytes access = mkc_test_read(card, "011C.bin");
        n = decode_security_infos(access.data, access.len, infos, 4);
        const info *ca_info = find_prefix(infos, n, "0.4.0.127.0.7.2.2.3");
        assert_non_null(ca_info);
        assert_string_equal(ca_info->oid, cases[c].oid);
        mkc_bytes_free(&access);

        char path[4200];
        snprintf(path, sizeof path, "%s/card.json", card);
        json_object *root = json_object_from_file(path);
        assert_non_null(root);
        json_object *ca, *oid, *key_id;
        assert_true(json_object_object_get_ex(root, "ca", &ca));
        assert_true(json_object_object_get_ex(ca, "oid", &oid));
        assert_string_equal(json_object_get_string(oid), cases[c].oid);
        assert_false(json_object_object_get_ex(ca, "key_id", &key_id));
        json_object_put(root);
        free(card);
        mkc_test_rmtree(dir);
        free(dir);
    }
}

static void card_json_carries_pace_ca_and_quirks(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_NONE;
    o.pace_by_profile = false;
    o.pace = MKC_PACE_ECDH_IM;
    o.pace_cipher = MKC_CIPHER_AES256;
    o.pace_param = 16;
    char *dir = mkc_test_build("cccd-sample.json", &o);
    char *card = card_path(dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/card.json", card);
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    json_object *pace, *v, *quirks;
    assert_true(json_object_object_get_ex(root, "pace", &pace));
    assert_true(json_object_object_get_ex(pace, "oid", &v));
    assert_string_equal(json_object_get_string(v), "0.4.0.127.0.7.2.2.4.4.4");
    assert_true(json_object_object_get_ex(pace, "parameter_id", &v));
    assert_true(json_object_is_type(v, json_type_int));
    assert_int_equal(json_object_get_int(v), 16);
    assert_true(json_object_object_get_ex(root, "ca", &v));
    assert_true(json_object_object_get_ex(root, "quirks", &quirks));
    assert_true(json_object_is_type(quirks, json_type_array));
    assert_int_equal(json_object_array_length(quirks), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(quirks, 0)),
                        "select-mf-6d00");
    /* The existing keys are all still there. */
    static const char *const keys[] = {"version", "profile", "mrz", "can", "qr",
                                       "extended_length", "ca_key", "ca_algorithm", "csca"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_true(json_object_object_get_ex(root, keys[i], &v));
    json_object_put(root);

    mkc_bytes access = mkc_test_read(card, "011C.bin");
    info infos[4];
    int n = decode_security_infos(access.data, access.len, infos, 4);
    const info *pi = find_info(infos, n, "0.4.0.127.0.7.2.2.4.4.4");
    assert_non_null(pi);
    assert_int_equal(pi->ints[1], 16);
    mkc_bytes_free(&access);
    free(card);
    mkc_test_rmtree(dir);
    free(dir);
}

static void passport_default_has_no_card_access_pace_or_quirks(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_NONE;
    char *dir = mkc_test_build("passport-sample.json", &o);
    char *card = card_path(dir);
    assert_false(mkc_test_exists(card, "011C.bin"));
    char path[4200];
    snprintf(path, sizeof path, "%s/card.json", card);
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    json_object *v;
    assert_false(json_object_object_get_ex(root, "pace", &v));
    assert_false(json_object_object_get_ex(root, "quirks", &v));
    assert_true(json_object_object_get_ex(root, "ca", &v)); /* CA is still on */
    json_object_put(root);
    free(card);
    mkc_test_rmtree(dir);
    free(dir);
}

static void rebuilding_without_pace_removes_card_access(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_NONE;
    char *dir = mkc_test_build("cccd-sample.json", &o);
    char *card = card_path(dir);
    assert_true(mkc_test_exists(card, "011C.bin"));
    static mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    char portrait[4200];
    snprintf(portrait, sizeof portrait, "%s/face.jpg", dir);
    o.pace_by_profile = false;
    o.pace = MKC_PACE_NONE;
    o.portrait_path = portrait;
    o.out_dir = card;
    assert_int_equal(mkc_card_build(&o, &p), KS_OK);
    assert_false(mkc_test_exists(card, "011C.bin"));
    char path[4200];
    snprintf(path, sizeof path, "%s/card.json", card);
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    json_object *v;
    assert_false(json_object_object_get_ex(root, "pace", &v));
    assert_true(json_object_object_get_ex(root, "quirks", &v)); /* still a CCCD */
    json_object_put(root);
    free(card);
    mkc_test_rmtree(dir);
    free(dir);
}

/* The DataGroupHash numbers of a verified EF.SOD, as a bit set. */
static unsigned sod_data_groups(const char *card)
{
    char trust[4200];
    snprintf(trust, sizeof trust, "%s/trust", card);
    mkc_bytes pem = mkc_test_read(trust, "csca.pem");
    BIO *bio = BIO_new_mem_buf(pem.data, (int)pem.len);
    X509 *csca = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    mkc_bytes_free(&pem);
    assert_non_null(csca);

    mkc_bytes sod = mkc_test_read(card, "011D.bin");
    const unsigned char *p = sod.data;
    long len;
    int tag, cls;
    assert_false(ASN1_get_object(&p, &len, &tag, &cls, (long)sod.len) & 0x80);
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, len);
    assert_non_null(cms);
    X509_STORE *store = X509_STORE_new();
    assert_non_null(store);
    X509_STORE_add_cert(store, csca);
    BIO *out = BIO_new(BIO_s_mem());
    int ok = CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY);
    if (ok != 1)
        ERR_print_errors_fp(stderr);
    assert_int_equal(ok, 1);
    char *data;
    long n = BIO_get_mem_data(out, &data);
    const unsigned char *lp = (const unsigned char *)data;
    STACK_OF(ASN1_TYPE) *lds = d2i_ASN1_SEQUENCE_ANY(NULL, &lp, n);
    assert_non_null(lds);
    ASN1_TYPE *hashes = sk_ASN1_TYPE_value(lds, 2);
    const unsigned char *hp = hashes->value.sequence->data;
    STACK_OF(ASN1_TYPE) *list = d2i_ASN1_SEQUENCE_ANY(NULL, &hp, hashes->value.sequence->length);
    assert_non_null(list);
    unsigned set = 0;
    for (int i = 0; i < sk_ASN1_TYPE_num(list); i++) {
        ASN1_TYPE *e = sk_ASN1_TYPE_value(list, i);
        const unsigned char *ep = e->value.sequence->data;
        STACK_OF(ASN1_TYPE) *pair = d2i_ASN1_SEQUENCE_ANY(NULL, &ep, e->value.sequence->length);
        assert_non_null(pair);
        long dg = ASN1_INTEGER_get(sk_ASN1_TYPE_value(pair, 0)->value.integer);
        assert_in_range(dg, 1, 16);
        set |= 1u << dg;
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    sk_ASN1_TYPE_pop_free(list, ASN1_TYPE_free);
    sk_ASN1_TYPE_pop_free(lds, ASN1_TYPE_free);
    BIO_free(out);
    X509_STORE_free(store);
    CMS_ContentInfo_free(cms);
    X509_free(csca);
    mkc_bytes_free(&sod);
    return set;
}

static void card_access_is_in_neither_ef_com_nor_the_sod(void **state)
{
    (void)state;
    char *dir = mkc_test_build("cccd-sample.json", NULL);
    char *card = card_path(dir);
    assert_true(mkc_test_exists(card, "011C.bin"));
    mkc_bytes com = mkc_test_read(card, "011E.bin");
    tlv list;
    assert_int_equal(tlv_find(com.data + 2, com.len - 2, 0x5C, &list), KS_OK);
    assert_int_equal(list.len, 5);
    assert_memory_equal(list.value, "\x61\x75\x6D\x6E\x6F", 5);
    mkc_bytes_free(&com);
    unsigned want = (1u << 1) | (1u << 2) | (1u << 13) | (1u << 14) | (1u << 15);
    assert_int_equal(sod_data_groups(card), want);
    free(card);
    mkc_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(card_access_holds_the_chosen_pace_oid_version_and_parameter),
        cmocka_unit_test(pace_parameter_must_fit_the_key_agreement),
        cmocka_unit_test(options_resolve_pace_by_profile_and_key_agreement),
        cmocka_unit_test(cccd_card_access_announces_pace_ca_and_ta),
        cmocka_unit_test(dg14_and_card_access_ca_oid_follow_ca_cipher),
        cmocka_unit_test(card_json_carries_pace_ca_and_quirks),
        cmocka_unit_test(passport_default_has_no_card_access_pace_or_quirks),
        cmocka_unit_test(rebuilding_without_pace_removes_card_access),
        cmocka_unit_test(card_access_is_in_neither_ef_com_nor_the_sod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
