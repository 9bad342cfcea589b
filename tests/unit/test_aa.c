/*
 * Active Authentication. The test plays the chip: it generates its own keys
 * with OpenSSL, builds DG15 (6F { SubjectPublicKeyInfo }) and signs
 * challenges the way ISO/IEC 9796-2 scheme 1 and BSI TR-03111 plain ECDSA
 * say a chip does. The 9796-2 signing below was written from the standard's
 * description (header 01, more-data bit, padding nibbles B..A, M1, hash,
 * trailer BC or <hash id>CC) and shares nothing with hostd/icao/aa.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "aa.h"
#include "chan.h"

#include "test_hex.h"

static const uint8_t CHALLENGE[8] = {0x47, 0x11, 0x0A, 0x5C, 0x93, 0x2E, 0x01, 0xF0};
static const uint8_t OTHER_CHALLENGE[8] = {0x47, 0x11, 0x0A, 0x5C, 0x93, 0x2E, 0x01, 0xF1};

/* ---- the chip side ----------------------------------------------------- */

static size_t make_dg15(EVP_PKEY *pk, uint8_t *out, size_t cap)
{
    uint8_t *der = NULL;
    int der_len = i2d_PUBKEY(pk, &der);
    assert_true(der_len > 0);
    size_t n = 0;
    out[n++] = 0x6F;
    if (der_len < 0x80) {
        out[n++] = (uint8_t)der_len;
    } else if (der_len < 0x100) {
        out[n++] = 0x81;
        out[n++] = (uint8_t)der_len;
    } else {
        out[n++] = 0x82;
        out[n++] = (uint8_t)(der_len >> 8);
        out[n++] = (uint8_t)der_len;
    }
    assert_true(n + (size_t)der_len <= cap);
    memcpy(out + n, der, (size_t)der_len);
    OPENSSL_free(der);
    return n + (size_t)der_len;
}

static void hash_of(const char *md_name, const uint8_t *a, size_t a_len, const uint8_t *b,
                    size_t b_len, uint8_t *out, size_t *out_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned len = 0;
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestInit_ex2(ctx, EVP_get_digestbyname(md_name), NULL), 1);
    if (a_len)
        assert_int_equal(EVP_DigestUpdate(ctx, a, a_len), 1);
    if (b_len)
        assert_int_equal(EVP_DigestUpdate(ctx, b, b_len), 1);
    assert_int_equal(EVP_DigestFinal_ex(ctx, out, &len), 1);
    EVP_MD_CTX_free(ctx);
    *out_len = len;
}

/* The RSA private operation on a representative of klen bytes. */
static size_t rsa_private(EVP_PKEY *pk, const uint8_t *f, size_t klen, bool send_complement,
                          uint8_t *sig)
{
    BIGNUM *n = NULL, *d = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_D, &d), 1);
    BIGNUM *m = BN_bin2bn(f, (int)klen, NULL);
    BIGNUM *s = BN_new();
    BN_CTX *bctx = BN_CTX_new();
    assert_int_equal(BN_mod_exp(s, m, d, n, bctx), 1);
    if (send_complement)
        assert_int_equal(BN_sub(s, n, s), 1);
    assert_int_equal(BN_bn2binpad(s, sig, (int)klen), (int)klen);
    BN_free(n);
    BN_free(d);
    BN_free(m);
    BN_free(s);
    BN_CTX_free(bctx);
    return klen;
}

/* ISO/IEC 9796-2 scheme 1, partial recovery: F = 6A || M1 || H(M1||M2) || T,
 * with M1 as long as the modulus allows and M2 the challenge. hash_id 0
 * means the implicit SHA-1 trailer BC. */
static size_t sign_9796_partial(EVP_PKEY *pk, const char *md_name, uint8_t hash_id,
                                const uint8_t *challenge, bool send_complement, uint8_t *sig)
{
    size_t klen = (size_t)EVP_PKEY_get_bits(pk) / 8;
    size_t tlen = hash_id ? 2 : 1;
    size_t hlen = (size_t)EVP_MD_get_size(EVP_get_digestbyname(md_name));
    uint8_t f[512];
    assert_true(klen <= sizeof f);
    size_t m1_len = klen - 1 - hlen - tlen;
    f[0] = 0x6A;
    assert_int_equal(RAND_bytes(f + 1, (int)m1_len), 1);
    size_t h_len = 0;
    hash_of(md_name, f + 1, m1_len, challenge, 8, f + 1 + m1_len, &h_len);
    assert_int_equal(h_len, hlen);
    if (hash_id) {
        f[klen - 2] = hash_id;
        f[klen - 1] = 0xCC;
    } else {
        f[klen - 1] = 0xBC;
    }
    return rsa_private(pk, f, klen, send_complement, sig);
}

/* Full recovery: F = 4B BB .. BA || M || SHA-1(M) || BC, M ending with the
 * challenge. */
static size_t sign_9796_full(EVP_PKEY *pk, const uint8_t *challenge, uint8_t *sig)
{
    size_t klen = (size_t)EVP_PKEY_get_bits(pk) / 8;
    uint8_t m[24];
    memset(m, 0x55, 16);
    memcpy(m + 16, challenge, 8);
    uint8_t f[512];
    size_t pad_end = klen - 1 - 20 - sizeof m; /* index of the first message byte */
    f[0] = 0x4B;
    memset(f + 1, 0xBB, pad_end - 1);
    f[pad_end - 1] = 0xBA;
    memcpy(f + pad_end, m, sizeof m);
    size_t h_len = 0;
    hash_of("SHA1", m, sizeof m, NULL, 0, f + pad_end + sizeof m, &h_len);
    f[klen - 1] = 0xBC;
    return rsa_private(pk, f, klen, false, sig);
}

/* BSI TR-03111 plain signature: r || s, each as wide as the group order. */
static size_t sign_ecdsa_plain(EVP_PKEY *pk, const char *md_name, const uint8_t *msg,
                               size_t msg_len, uint8_t *sig)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[160];
    size_t der_len = sizeof der;
    assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, md_name, NULL, NULL, pk, NULL), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &der_len, msg, msg_len), 1);
    EVP_MD_CTX_free(ctx);
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    assert_non_null(es);
    size_t olen = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int)olen), (int)olen);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + olen, (int)olen), (int)olen);
    ECDSA_SIG_free(es);
    return 2 * olen;
}

static EVP_PKEY *rsa_key(unsigned bits)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    assert_non_null(pk);
    return pk;
}

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    assert_non_null(pk);
    return pk;
}

/* ---- RSA ------------------------------------------------------------------ */

static void rsa_partial_recovery(unsigned bits, const char *md_name, uint8_t hash_id)
{
    EVP_PKEY *pk = rsa_key(bits);
    uint8_t dg15[1024], sig[512];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_9796_partial(pk, md_name, hash_id, CHALLENGE, false, sig);
    aa_result r;

    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_true(r.valid);
    assert_non_null(strstr(r.reason, "partial recovery"));
    assert_int_equal(r.signature_len, sig_len);
    assert_memory_equal(r.signature, sig, sig_len);

    assert_int_equal(aa_verify(dg15, dg15_len, NULL, OTHER_CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    assert_non_null(strstr(r.reason, "mismatch"));
    EVP_PKEY_free(pk);
}

static void rsa1024_sha1_trailer_bc_verifies_and_binds_the_challenge(void **state)
{
    (void)state;
    rsa_partial_recovery(1024, "SHA1", 0);
}

static void rsa2048_sha256_trailer_34cc_verifies_and_binds_the_challenge(void **state)
{
    (void)state;
    rsa_partial_recovery(2048, "SHA256", 0x34);
}

static void rsa_explicit_sha1_and_sha512_trailers_verify(void **state)
{
    (void)state;
    rsa_partial_recovery(1024, "SHA1", 0x33);
    rsa_partial_recovery(2048, "SHA512", 0x35);
}

static void rsa_signature_sent_as_n_minus_s_verifies(void **state)
{
    (void)state;
    EVP_PKEY *pk = rsa_key(1024);
    uint8_t dg15[1024], sig[512];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_9796_partial(pk, "SHA1", 0, CHALLENGE, true, sig);
    aa_result r;
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_true(r.valid);
    EVP_PKEY_free(pk);
}

static void rsa_full_recovery_verifies(void **state)
{
    (void)state;
    EVP_PKEY *pk = rsa_key(1024);
    uint8_t dg15[1024], sig[512];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_9796_full(pk, CHALLENGE, sig);
    aa_result r;
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_true(r.valid);
    assert_non_null(strstr(r.reason, "full recovery"));
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, OTHER_CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    EVP_PKEY_free(pk);
}

static void rsa_signature_by_another_key_is_invalid(void **state)
{
    (void)state;
    EVP_PKEY *pk = rsa_key(1024), *other = rsa_key(1024);
    uint8_t dg15[1024], sig[512];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_9796_partial(other, "SHA1", 0, CHALLENGE, false, sig);
    aa_result r;
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    assert_true(r.reason[0] != '\0');
    EVP_PKEY_free(pk);
    EVP_PKEY_free(other);
}

static void rsa_truncated_or_garbage_signature_is_invalid(void **state)
{
    (void)state;
    EVP_PKEY *pk = rsa_key(1024);
    uint8_t dg15[1024], sig[512], junk[200];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_9796_partial(pk, "SHA1", 0, CHALLENGE, false, sig);
    aa_result r;
    for (size_t cut = 0; cut < sig_len; cut += 17) {
        assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, cut, &r), KS_OK);
        assert_false(r.valid);
    }
    memset(junk, 0xFF, sizeof junk);
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, junk, 128, &r), KS_OK);
    assert_false(r.valid);
    assert_non_null(strstr(r.reason, "modulus"));
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, junk, sizeof junk, &r), KS_OK);
    assert_false(r.valid);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(RAND_bytes(junk, 128), 1);
        junk[0] &= 0x7F;
        assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, junk, 128, &r), KS_OK);
        assert_false(r.valid);
    }
    /* A flipped bit anywhere in a good signature. */
    sig[40] ^= 0x04;
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    EVP_PKEY_free(pk);
}

static void malformed_dg15_is_reported(void **state)
{
    (void)state;
    static const uint8_t not_dg15[] = {0x6E, 0x03, 0x30, 0x01, 0x00};
    static const uint8_t bad_key[] = {0x6F, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00};
    uint8_t sig[8] = {0};
    aa_result r;
    assert_int_equal(aa_verify(not_dg15, sizeof not_dg15, NULL, CHALLENGE, 8, sig, 8, &r),
                     KS_ERR_MALFORMED);
    assert_int_equal(aa_verify(bad_key, sizeof bad_key, NULL, CHALLENGE, 8, sig, 8, &r),
                     KS_ERR_MALFORMED);
    assert_int_equal(aa_verify(bad_key, sizeof bad_key, NULL, CHALLENGE, 0, sig, 8, &r),
                     KS_ERR_ARG);
}

/* ISO/IEC 9796-2 (edition 1) example as transcribed in Bouncy Castle's
 * ISO9796Test (test 5): 640-bit modulus, e = 3, RIPEMD-160 implied by the
 * BC trailer, partial recovery of a 112-byte message (58 bytes recovered).
 * Checked by hand: the opened representative is 6A || M1 || RIPEMD-160(M) || BC. */
static void iso9796_2_published_example_verifies(void **state)
{
    (void)state;
    HEX(n, "ffffffff78f6c55506c59785e871211ee120b0b5dd644aa796d82413a47b24573f1be5745b5cd9950f"
           "6b389b52350d4e01e90009669a8720bf265a2865994190a661dea3c7828e2e7ca1b19651adc2d5");
    HEX(sig, "5cf9a01854dbacaec83aae8efc563d74538192e95466babacd361d7c86000fe42dcb4581e48e4feb"
             "862d04698da9203b1803b262105104d510b365ee9c660857ba1c001aa57abfd1c8de92e47c275cae");
    uint8_t msg[112];
    static const uint8_t unit[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    for (size_t i = 0; i < sizeof msg; i += 8)
        memcpy(msg + i, unit, 8);

    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL), *bn_e = BN_new();
    assert_int_equal(BN_set_word(bn_e, 3), 1);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pk = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);

    aa_result r;
    assert_int_equal(aa_iso9796_verify(pk, NID_ripemd160, msg + 58, sizeof msg - 58, sig, sig_len,
                                       &r),
                     KS_OK);
    assert_true(r.valid);
    assert_non_null(strstr(r.reason, "partial recovery"));
    /* A different non-recoverable part, or SHA-1 for BC as in Doc 9303, fails. */
    assert_int_equal(aa_iso9796_verify(pk, NID_ripemd160, msg + 59, sizeof msg - 59, sig, sig_len,
                                       &r),
                     KS_OK);
    assert_false(r.valid);
    assert_int_equal(aa_iso9796_verify(pk, NID_sha1, msg + 58, sizeof msg - 58, sig, sig_len, &r),
                     KS_OK);
    assert_false(r.valid);

    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
}

/* ---- ECDSA ------------------------------------------------------------------ */

static void ecdsa_plain_sha256_by_default_with_a_note(void **state)
{
    (void)state;
    EVP_PKEY *pk = ec_key();
    uint8_t dg15[512], sig[160];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_ecdsa_plain(pk, "SHA256", CHALLENGE, 8, sig);
    assert_int_equal(sig_len, 64);
    aa_result r;
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_true(r.valid);
    assert_non_null(strstr(r.reason, "SHA-256 assumed"));
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, OTHER_CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    EVP_PKEY_free(pk);
}

static void ecdsa_uses_the_hash_of_active_authentication_info(void **state)
{
    (void)state;
    EVP_PKEY *pk = ec_key();
    uint8_t dg15[512], sig[160];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_ecdsa_plain(pk, "SHA384", CHALLENGE, 8, sig);
    secinfo_aa info = {.version = 1, .signature_oid = "0.4.0.127.0.7.1.1.4.1.4",
                       .hash_nid = NID_sha384};
    aa_result r;
    assert_int_equal(aa_verify(dg15, dg15_len, &info, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_true(r.valid);
    assert_null(strstr(r.reason, "assumed"));
    /* The same signature checked with the default hash fails. */
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    info.hash_nid = NID_sha224;
    assert_int_equal(aa_verify(dg15, dg15_len, &info, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    EVP_PKEY_free(pk);
}

static void ecdsa_bad_signatures_are_invalid(void **state)
{
    (void)state;
    EVP_PKEY *pk = ec_key(), *other = ec_key();
    uint8_t dg15[512], sig[160], junk[200];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_ecdsa_plain(other, "SHA256", CHALLENGE, 8, sig);
    aa_result r;
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, sig_len, &r), KS_OK);
    assert_false(r.valid);
    sig_len = sign_ecdsa_plain(pk, "SHA256", CHALLENGE, 8, sig);
    for (size_t cut = 0; cut < sig_len; cut++) {
        assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, sig, cut, &r), KS_OK);
        assert_false(r.valid);
    }
    memset(junk, 0, sizeof junk);
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, junk, 64, &r), KS_OK);
    assert_false(r.valid);
    memset(junk, 0xFF, sizeof junk);
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, junk, 64, &r), KS_OK);
    assert_false(r.valid);
    assert_int_equal(aa_verify(dg15, dg15_len, NULL, CHALLENGE, 8, junk, sizeof junk, &r), KS_OK);
    assert_false(r.valid);
    EVP_PKEY_free(pk);
    EVP_PKEY_free(other);
}

/* ---- aa_run over a scripted transport ----------------------------------------- */

typedef struct fake_card {
    transport base;
    uint8_t last_cmd[300];
    size_t last_cmd_len;
    uint8_t answer[600];
    size_t answer_len;
    unsigned calls;
} fake_card;

static ks_status fake_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len)
{
    fake_card *f = (fake_card *)t;
    f->calls++;
    assert_true(cmd_len <= sizeof f->last_cmd);
    memcpy(f->last_cmd, cmd, cmd_len);
    f->last_cmd_len = cmd_len;
    if (f->answer_len > resp_cap)
        return KS_ERR_TOO_LARGE;
    memcpy(resp, f->answer, f->answer_len);
    *resp_len = f->answer_len;
    return KS_OK;
}

static ks_status fake_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    (void)t;
    (void)out;
    (void)cap;
    *len = 0;
    return KS_ERR_NOT_FOUND; /* no ATR: the channel stays with short APDUs */
}

static ks_status fake_caps(transport *t, transport_caps *out)
{
    (void)t;
    out->max_command = 261;
    out->max_response = 258;
    out->extended_length = false;
    return KS_OK;
}

static ks_status fake_present(transport *t)
{
    (void)t;
    return KS_OK;
}

static void fake_close(transport *t)
{
    (void)t;
}

static const struct transport_ops FAKE_OPS = {fake_transmit, fake_atr, fake_caps, fake_present,
                                              fake_close};

static void run_sends_internal_authenticate_and_verifies_the_answer(void **state)
{
    (void)state;
    EVP_PKEY *pk = rsa_key(2048);
    uint8_t dg15[1024], sig[512];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    size_t sig_len = sign_9796_partial(pk, "SHA256", 0x34, CHALLENGE, false, sig);
    assert_int_equal(sig_len, 256);

    fake_card card = {.base = {&FAKE_OPS}};
    memcpy(card.answer, sig, sig_len);
    card.answer[sig_len] = 0x90;
    card.answer[sig_len + 1] = 0x00;
    card.answer_len = sig_len + 2;
    chan c;
    assert_int_equal(chan_init(&c, &card.base), KS_OK);
    assert_false(c.sm_active);

    aa_result r;
    assert_int_equal(aa_run(&c, dg15, dg15_len, NULL, CHALLENGE, &r), KS_OK);
    assert_true(r.valid);
    assert_int_equal(card.calls, 1);
    static const uint8_t head[] = {0x00, 0x88, 0x00, 0x00, 0x08};
    assert_int_equal(card.last_cmd_len, 14);
    assert_memory_equal(card.last_cmd, head, sizeof head);
    assert_memory_equal(card.last_cmd + 5, CHALLENGE, 8);
    assert_int_equal(card.last_cmd[13], 0x00); /* Le = 256 */

    /* The chip refuses: a card error, not a verdict. */
    card.answer[0] = 0x69;
    card.answer[1] = 0x85;
    card.answer_len = 2;
    assert_int_equal(aa_run(&c, dg15, dg15_len, NULL, CHALLENGE, &r), KS_ERR_CARD);
    assert_false(r.valid);
    assert_non_null(strstr(r.reason, "6985"));
    chan_free(&c);
    EVP_PKEY_free(pk);
}

static void run_reports_a_wrong_answer_as_invalid(void **state)
{
    (void)state;
    EVP_PKEY *pk = ec_key();
    uint8_t dg15[512], sig[160];
    size_t dg15_len = make_dg15(pk, dg15, sizeof dg15);
    /* A replayed signature over an earlier challenge. */
    size_t sig_len = sign_ecdsa_plain(pk, "SHA256", OTHER_CHALLENGE, 8, sig);
    fake_card card = {.base = {&FAKE_OPS}};
    memcpy(card.answer, sig, sig_len);
    card.answer[sig_len] = 0x90;
    card.answer[sig_len + 1] = 0x00;
    card.answer_len = sig_len + 2;
    chan c;
    assert_int_equal(chan_init(&c, &card.base), KS_OK);
    aa_result r;
    assert_int_equal(aa_run(&c, dg15, dg15_len, NULL, CHALLENGE, &r), KS_OK);
    assert_false(r.valid);
    assert_int_equal(r.signature_len, sig_len);
    chan_free(&c);
    EVP_PKEY_free(pk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rsa1024_sha1_trailer_bc_verifies_and_binds_the_challenge),
        cmocka_unit_test(rsa2048_sha256_trailer_34cc_verifies_and_binds_the_challenge),
        cmocka_unit_test(rsa_explicit_sha1_and_sha512_trailers_verify),
        cmocka_unit_test(rsa_signature_sent_as_n_minus_s_verifies),
        cmocka_unit_test(rsa_full_recovery_verifies),
        cmocka_unit_test(rsa_signature_by_another_key_is_invalid),
        cmocka_unit_test(rsa_truncated_or_garbage_signature_is_invalid),
        cmocka_unit_test(malformed_dg15_is_reported),
        cmocka_unit_test(iso9796_2_published_example_verifies),
        cmocka_unit_test(ecdsa_plain_sha256_by_default_with_a_note),
        cmocka_unit_test(ecdsa_uses_the_hash_of_active_authentication_info),
        cmocka_unit_test(ecdsa_bad_signatures_are_invalid),
        cmocka_unit_test(run_sends_internal_authenticate_and_verifies_the_answer),
        cmocka_unit_test(run_reports_a_wrong_answer_as_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
