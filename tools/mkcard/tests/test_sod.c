/*
 * EF.SOD verifies with OpenSSL's CMS_verify against the generated CSCA, and
 * its LDSSecurityObject (parsed with OpenSSL's generic ASN.1 parser) holds the
 * hash of every data-group file written. Also DG14/DG15 against the keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mkc_secinfo.h"
#include "mkc_test_support.h"

static X509 *read_cert(const char *dir, const char *name)
{
    mkc_bytes pem = mkc_test_read(dir, name);
    BIO *bio = BIO_new_mem_buf(pem.data, (int)pem.len);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    mkc_bytes_free(&pem);
    assert_non_null(x);
    return x;
}

static EVP_PKEY *read_key(const char *dir, const char *name)
{
    mkc_bytes pem = mkc_test_read(dir, name);
    BIO *bio = BIO_new_mem_buf(pem.data, (int)pem.len);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    mkc_bytes_free(&pem);
    assert_non_null(k);
    return k;
}

/* Verifies card/011D.bin with csca and returns the LDSSecurityObject DER. */
static mkc_bytes verify_sod(const char *card, X509 *csca)
{
    mkc_bytes sod = mkc_test_read(card, "011D.bin");
    const unsigned char *p = sod.data;
    long len;
    int tag, cls;
    assert_false(ASN1_get_object(&p, &len, &tag, &cls, (long)sod.len) & 0x80);
    assert_int_equal(cls, V_ASN1_APPLICATION);
    assert_int_equal(tag, 23); /* 0x77 */
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, len);
    assert_non_null(cms);
    assert_int_equal(p, sod.data + sod.len);

    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms), 1);
    assert_string_equal(oid, "2.23.136.1.1.1");
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    assert_int_equal(sk_X509_num(certs), 1);
    sk_X509_pop_free(certs, X509_free);
    assert_int_equal(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)), 1);

    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, csca);
    BIO *out = BIO_new(BIO_s_mem());
    int ok = CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY);
    if (ok != 1)
        ERR_print_errors_fp(stderr);
    assert_int_equal(ok, 1);
    char *data;
    long n = BIO_get_mem_data(out, &data);
    mkc_bytes lds;
    assert_int_equal(mkc_bytes_alloc(&lds, (size_t)n), KS_OK);
    memcpy(lds.data, data, (size_t)n);
    BIO_free(out);
    X509_STORE_free(store);
    CMS_ContentInfo_free(cms);
    mkc_bytes_free(&sod);
    return lds;
}

/* Checks every DataGroupHash against the file and that each DG file is listed. */
static void check_lds_hashes(const char *card, const mkc_bytes *lds, const EVP_MD *md)
{
    const unsigned char *p = lds->data;
    STACK_OF(ASN1_TYPE) *top = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)lds->len);
    assert_non_null(top);
    assert_int_equal(sk_ASN1_TYPE_num(top), 3);
    ASN1_TYPE *version = sk_ASN1_TYPE_value(top, 0);
    assert_int_equal(ASN1_TYPE_get(version), V_ASN1_INTEGER);
    assert_int_equal(ASN1_INTEGER_get(version->value.integer), 0);

    ASN1_TYPE *alg = sk_ASN1_TYPE_value(top, 1);
    assert_int_equal(ASN1_TYPE_get(alg), V_ASN1_SEQUENCE);
    const unsigned char *ap = alg->value.sequence->data;
    X509_ALGOR *algor = d2i_X509_ALGOR(NULL, &ap, alg->value.sequence->length);
    assert_non_null(algor);
    const ASN1_OBJECT *alg_oid;
    X509_ALGOR_get0(&alg_oid, NULL, NULL, algor);
    assert_int_equal(OBJ_obj2nid(alg_oid), EVP_MD_get_type(md));
    X509_ALGOR_free(algor);

    ASN1_TYPE *hashes = sk_ASN1_TYPE_value(top, 2);
    const unsigned char *hp = hashes->value.sequence->data;
    STACK_OF(ASN1_TYPE) *list = d2i_ASN1_SEQUENCE_ANY(NULL, &hp, hashes->value.sequence->length);
    assert_non_null(list);
    int listed[17] = {0};
    for (int i = 0; i < sk_ASN1_TYPE_num(list); i++) {
        ASN1_TYPE *e = sk_ASN1_TYPE_value(list, i);
        const unsigned char *ep = e->value.sequence->data;
        STACK_OF(ASN1_TYPE) *pair = d2i_ASN1_SEQUENCE_ANY(NULL, &ep, e->value.sequence->length);
        assert_non_null(pair);
        long dg = ASN1_INTEGER_get(sk_ASN1_TYPE_value(pair, 0)->value.integer);
        ASN1_TYPE *h = sk_ASN1_TYPE_value(pair, 1);
        assert_int_equal(ASN1_TYPE_get(h), V_ASN1_OCTET_STRING);
        assert_in_range(dg, 1, 16);
        listed[dg] = 1;

        char name[16];
        snprintf(name, sizeof name, "%04lX.bin", 0x100 + dg);
        mkc_bytes file = mkc_test_read(card, name);
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned dlen;
        assert_int_equal(EVP_Digest(file.data, file.len, digest, &dlen, md, NULL), 1);
        assert_int_equal(ASN1_STRING_length(h->value.octet_string), (int)dlen);
        assert_memory_equal(ASN1_STRING_get0_data(h->value.octet_string), digest, dlen);
        mkc_bytes_free(&file);
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    for (unsigned dg = 1; dg <= 16; dg++) {
        char name[16];
        snprintf(name, sizeof name, "%04X.bin", 0x100u + dg);
        assert_int_equal(listed[dg], mkc_test_exists(card, name));
    }
    sk_ASN1_TYPE_pop_free(list, ASN1_TYPE_free);
    sk_ASN1_TYPE_pop_free(top, ASN1_TYPE_free);
}

static void check_mode(const char *card, const char *name, unsigned mode)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", card, name);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777u, mode);
}

/* Builds with options, verifies SOD + hashes; returns the temp dir. */
static char *build_and_verify(const char *profile, const mkc_options *o)
{
    char *dir = mkc_test_build(profile, o);
    char card[4096], trust[4200];
    snprintf(card, sizeof card, "%s/card", dir);
    snprintf(trust, sizeof trust, "%s/trust", card);
    X509 *csca = read_cert(trust, "csca.pem");
    mkc_bytes lds = verify_sod(card, csca);
    check_lds_hashes(card, &lds, mkc_card_digest(o ? o->hash : "sha256"));
    mkc_bytes_free(&lds);
    X509_free(csca);
    assert_false(mkc_test_exists(trust, "csca_key.pem"));
    return dir;
}

static void sod_verifies_for_rsa_sha256_default(void **state)
{
    (void)state;
    char *dir = build_and_verify("cccd-sample.json", NULL);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    check_mode(card, "aa_key.pem", 0600);
    check_mode(card, "ca_key.pem", 0600);
    mkc_test_rmtree(dir);
    free(dir);
}

static void sod_verifies_for_rsa_pss_sha384(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.sig = MKC_SIG_RSA_PSS;
    o.hash = "sha384";
    char *dir = build_and_verify("passport-sample.json", &o);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    /* The SignerInfo really says RSASSA-PSS. */
    mkc_bytes sod = mkc_test_read(card, "011D.bin");
    const unsigned char *p = sod.data + 4;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)sod.len - 4);
    assert_non_null(cms);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    X509_ALGOR *sig_alg;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sig_alg);
    const ASN1_OBJECT *oid;
    X509_ALGOR_get0(&oid, NULL, NULL, sig_alg);
    assert_int_equal(OBJ_obj2nid(oid), NID_rsassaPss);
    CMS_ContentInfo_free(cms);
    mkc_bytes_free(&sod);
    mkc_test_rmtree(dir);
    free(dir);
}

static void sod_verifies_for_ecdsa_sha512_with_ec_aa_and_dh_ca(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.sig = MKC_SIG_ECDSA;
    o.hash = "sha512";
    o.aa = MKC_AA_ECDSA;
    o.ca = MKC_CA_DH;
    char *dir = build_and_verify("cccd-sample.json", &o);
    mkc_test_rmtree(dir);
    free(dir);
}

static void sod_verifies_for_sha1_and_sha224(void **state)
{
    (void)state;
    const char *hashes[] = {"sha1", "sha224"};
    for (size_t i = 0; i < 2; i++) {
        mkc_options o;
        mkc_options_default(&o);
        o.hash = hashes[i];
        o.aa = MKC_AA_NONE;
        o.ca = MKC_CA_NONE;
        char *dir = build_and_verify("passport-sample.json", &o);
        mkc_test_rmtree(dir);
        free(dir);
    }
}

static void sod_uses_a_given_dsc(void **state)
{
    (void)state;
    /* A DSC made elsewhere (here: by the generator, saved to PEM files). */
    mkc_signer pki;
    assert_int_equal(mkc_cert_generate(MKC_SIG_ECDSA, EVP_sha256(), "VN", &pki), KS_OK);
    char *keys = mkc_test_tmpdir();
    mkc_bytes key_pem, cert_pem, csca_pem;
    assert_int_equal(mkc_pem_private_key(pki.dsc_key, &key_pem), KS_OK);
    assert_int_equal(mkc_pem_certificate(pki.dsc, &cert_pem), KS_OK);
    assert_int_equal(mkc_pem_certificate(pki.csca, &csca_pem), KS_OK);
    mkc_test_write(keys, "dsc.key", key_pem.data, key_pem.len);
    mkc_test_write(keys, "dsc.pem", cert_pem.data, cert_pem.len);
    mkc_test_write(keys, "csca.pem", csca_pem.data, csca_pem.len);

    char key_path[4096], cert_path[4096];
    snprintf(key_path, sizeof key_path, "%s/dsc.key", keys);
    snprintf(cert_path, sizeof cert_path, "%s/dsc.pem", keys);
    mkc_options o;
    mkc_options_default(&o);
    o.sig = MKC_SIG_ECDSA;
    o.dsc_key_path = key_path;
    o.dsc_cert_path = cert_path;
    char *dir = mkc_test_build("cccd-sample.json", &o);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    assert_false(mkc_test_exists(card, "trust/csca.pem"));
    X509 *csca = read_cert(keys, "csca.pem");
    mkc_bytes lds = verify_sod(card, csca);
    check_lds_hashes(card, &lds, EVP_sha256());

    /* The wrong kind of signature for the key is refused. */
    mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    o.sig = MKC_SIG_RSA;
    o.out_dir = card;
    char portrait[4096];
    snprintf(portrait, sizeof portrait, "%s/face.jpg", dir);
    o.portrait_path = portrait;
    assert_int_equal(mkc_card_build(&o, &p), KS_ERR_ARG);

    X509_free(csca);
    mkc_bytes_free(&lds);
    mkc_bytes_free(&key_pem);
    mkc_bytes_free(&cert_pem);
    mkc_bytes_free(&csca_pem);
    mkc_signer_free(&pki);
    mkc_test_rmtree(keys);
    mkc_test_rmtree(dir);
    free(keys);
    free(dir);
}

/* DER of the public half of a private key. */
static mkc_bytes spki_of(EVP_PKEY *k)
{
    mkc_bytes b;
    assert_int_equal(mkc_secinfo_spki(k, &b), KS_OK);
    return b;
}

static void dg14_and_dg15_publish_the_written_keys(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_ECDSA;
    char *dir = mkc_test_build("cccd-sample.json", &o);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);

    /* DG15 = 6F { SPKI of aa_key.pem } */
    mkc_bytes dg15 = mkc_test_read(card, "010F.bin");
    EVP_PKEY *aa = read_key(card, "aa_key.pem");
    mkc_bytes aa_spki = spki_of(aa);
    assert_int_equal(dg15.data[0], 0x6F);
    assert_memory_equal(dg15.data + dg15.len - aa_spki.len, aa_spki.data, aa_spki.len);

    /* DG14 = 6E { SET { CA info, CA public key info, AA info } } */
    mkc_bytes dg14 = mkc_test_read(card, "010E.bin");
    const unsigned char *p = dg14.data;
    long len;
    int tag, cls;
    assert_false(ASN1_get_object(&p, &len, &tag, &cls, (long)dg14.len) & 0x80);
    assert_int_equal(tag, 14);
    STACK_OF(ASN1_TYPE) *infos = d2i_ASN1_SET_ANY(NULL, &p, len);
    assert_non_null(infos);
    assert_int_equal(sk_ASN1_TYPE_num(infos), 3);
    EVP_PKEY *ca = read_key(card, "ca_key.pem");
    mkc_bytes ca_spki = spki_of(ca);
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        ASN1_TYPE *info = sk_ASN1_TYPE_value(infos, i);
        const unsigned char *ip = info->value.sequence->data;
        STACK_OF(ASN1_TYPE) *fields = d2i_ASN1_SEQUENCE_ANY(NULL, &ip, info->value.sequence->length);
        assert_non_null(fields);
        char oid[64];
        OBJ_obj2txt(oid, sizeof oid, sk_ASN1_TYPE_value(fields, 0)->value.object, 1);
        ASN1_TYPE *second = sk_ASN1_TYPE_value(fields, 1);
        if (strcmp(oid, MKC_OID_CA_ECDH_AES_CBC_CMAC_128) == 0) {
            assert_int_equal(ASN1_INTEGER_get(second->value.integer), 1);
            seen |= 1;
        } else if (strcmp(oid, MKC_OID_PK_ECDH) == 0) {
            assert_int_equal(second->value.sequence->length, (int)ca_spki.len);
            assert_memory_equal(second->value.sequence->data, ca_spki.data, ca_spki.len);
            seen |= 2;
        } else if (strcmp(oid, MKC_OID_AA) == 0) {
            assert_int_equal(ASN1_INTEGER_get(second->value.integer), 1);
            char alg[64];
            OBJ_obj2txt(alg, sizeof alg, sk_ASN1_TYPE_value(fields, 2)->value.object, 1);
            assert_string_equal(alg, "0.4.0.127.0.7.1.1.4.1.3");
            seen |= 4;
        }
        sk_ASN1_TYPE_pop_free(fields, ASN1_TYPE_free);
    }
    assert_int_equal(seen, 7);
    /* A brainpoolP256r1 key: ECDH must work with it. */
    assert_true(EVP_PKEY_is_a(ca, "EC"));
    char group[64];
    size_t glen;
    assert_int_equal(EVP_PKEY_get_utf8_string_param(ca, "group", group, sizeof group, &glen), 1);
    assert_string_equal(group, "brainpoolP256r1");

    sk_ASN1_TYPE_pop_free(infos, ASN1_TYPE_free);
    EVP_PKEY_free(aa);
    EVP_PKEY_free(ca);
    mkc_bytes_free(&aa_spki);
    mkc_bytes_free(&ca_spki);
    mkc_bytes_free(&dg14);
    mkc_bytes_free(&dg15);
    mkc_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sod_verifies_for_rsa_sha256_default),
        cmocka_unit_test(sod_verifies_for_rsa_pss_sha384),
        cmocka_unit_test(sod_verifies_for_ecdsa_sha512_with_ec_aa_and_dh_ca),
        cmocka_unit_test(sod_verifies_for_sha1_and_sha224),
        cmocka_unit_test(sod_uses_a_given_dsc),
        cmocka_unit_test(dg14_and_dg15_publish_the_written_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
