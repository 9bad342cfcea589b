/*
 * Chip Authentication. A scripted chip holds the CA private key, takes the
 * MSE:Set KAT / MSE:Set AT + GENERAL AUTHENTICATE commands (reassembling
 * chained ones) and keeps the host's ephemeral public key. The test then
 * computes the shared secret from the chip's side and the session keys with
 * its own KDF (SHA-1(K || counter), ICAO Doc 9303-11 9.7.1, DES parity for
 * 3DES) and checks that ca_run() arrived at the same keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "apdu.h"
#include "ca.h"
#include "chan.h"
#include "tlv.h"
#include "chip_keys.h"

#define OID_CA_ECDH_AES128 "0.4.0.127.0.7.2.2.3.2.2"
#define OID_CA_DH_3DES "0.4.0.127.0.7.2.2.3.1.1"
#define OID_PK_ECDH "0.4.0.127.0.7.2.2.1.2"
#define OID_PK_DH "0.4.0.127.0.7.2.2.1.1"

/* ---- the chip ----------------------------------------------------------- */

typedef struct fake_chip {
    transport base;
    bool extended;
    uint16_t refuse_sw;          /* non-zero: answer MSE with this */
    uint8_t chain[1024];         /* data of a chained command so far */
    size_t chain_len;
    unsigned commands, chained_pieces;
    uint8_t mse[64];             /* MSE:Set AT data */
    size_t mse_len;
    uint8_t p2;                  /* A4 or A6 */
    uint8_t host_pub[600];
    size_t host_pub_len;
    uint8_t kat_key_id[8];
    size_t kat_key_id_len;
} fake_chip;

static void reply(uint8_t *resp, size_t *len, uint16_t sw, const uint8_t *data, size_t n)
{
    if (n)
        memcpy(resp, data, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    *len = n + 2;
}

/* Finds a primitive data object with a one-byte tag in a flat list. */
static const uint8_t *find_do(const uint8_t *p, size_t len, uint8_t tag, size_t *out_len)
{
    size_t i = 0;
    while (i + 2 <= len) {
        uint8_t t = p[i];
        size_t l = p[i + 1], h = 2;
        if (l == 0x81) {
            l = p[i + 2];
            h = 3;
        } else if (l == 0x82) {
            l = (size_t)p[i + 2] << 8 | p[i + 3];
            h = 4;
        }
        assert_true(i + h + l <= len);
        if (t == tag) {
            *out_len = l;
            return p + i + h;
        }
        i += h + l;
    }
    return NULL;
}

static ks_status chip_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len)
{
    fake_chip *f = (fake_chip *)t;
    apdu_cmd c;
    bool ext;
    assert_int_equal(apdu_parse_command(cmd, cmd_len, &c, &ext), KS_OK);
    assert_true(resp_cap >= 64);
    if (!f->extended)
        assert_false(ext);
    f->commands++;
    assert_true(f->chain_len + c.nc <= sizeof f->chain);
    if (c.nc)
        memcpy(f->chain + f->chain_len, c.data, c.nc);
    f->chain_len += c.nc;
    if (c.cla & 0x10) {
        f->chained_pieces++;
        reply(resp, resp_len, 0x9000, NULL, 0);
        return KS_OK;
    }
    const uint8_t *data = f->chain;
    size_t nc = f->chain_len;
    f->chain_len = 0;

    size_t l = 0;
    const uint8_t *v;
    if (c.ins == 0x22 && c.p1 == 0x41) {
        f->p2 = c.p2;
        if (f->refuse_sw) {
            reply(resp, resp_len, f->refuse_sw, NULL, 0);
            return KS_OK;
        }
        if (c.p2 == 0xA6) {
            v = find_do(data, nc, 0x91, &l);
            assert_non_null(v);
            memcpy(f->host_pub, v, l);
            f->host_pub_len = l;
            v = find_do(data, nc, 0x84, &l);
            f->kat_key_id_len = v ? l : 0;
            if (v)
                memcpy(f->kat_key_id, v, l);
        } else {
            assert_int_equal(c.p2, 0xA4);
            assert_true(nc <= sizeof f->mse);
            memcpy(f->mse, data, nc);
            f->mse_len = nc;
        }
        reply(resp, resp_len, 0x9000, NULL, 0);
        return KS_OK;
    }
    if (c.ins == 0x86) {
        assert_int_equal(f->p2, 0xA4); /* after MSE:Set AT only */
        assert_true(nc >= 2 && data[0] == 0x7C);
        v = find_do(data, nc, 0x7C, &l);
        assert_non_null(v);
        v = find_do(v, l, 0x80, &l);
        assert_non_null(v);
        memcpy(f->host_pub, v, l);
        f->host_pub_len = l;
        static const uint8_t empty[] = {0x7C, 0x00};
        reply(resp, resp_len, 0x9000, empty, sizeof empty);
        return KS_OK;
    }
    reply(resp, resp_len, 0x6D00, NULL, 0);
    return KS_OK;
}

static ks_status chip_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    (void)t;
    (void)out;
    (void)cap;
    *len = 0;
    return KS_ERR_NOT_FOUND;
}

static ks_status chip_caps(transport *t, transport_caps *out)
{
    (void)t;
    out->max_command = 261;
    out->max_response = 258;
    out->extended_length = false;
    return KS_OK;
}

static ks_status chip_present(transport *t)
{
    (void)t;
    return KS_OK;
}

static void chip_close(transport *t)
{
    (void)t;
}

static const struct transport_ops CHIP_OPS = {chip_transmit, chip_atr, chip_caps, chip_present,
                                              chip_close};

/* ---- keys and the independent computation --------------------------------- */


static size_t spki_of(EVP_PKEY *pk, uint8_t *out, size_t cap)
{
    uint8_t *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    assert_true(n > 0 && (size_t)n <= cap);
    memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    return (size_t)n;
}

/* The host's public key as the chip sees it, on the chip key's group. */
static EVP_PKEY *host_key_seen_by_chip(bool dh, const uint8_t *pub, size_t len)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *y = NULL;
    if (dh) {
        y = BN_bin2bn(pub, (int)len, NULL);
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "dh_2048_224", 0);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y);
    } else {
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "brainpoolP256r1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, len);
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, dh ? "DHX" : "EC", NULL);
    EVP_PKEY *pk = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(y);
    return pk;
}

static size_t chip_secret(EVP_PKEY *chip, bool dh, const uint8_t *pub, size_t pub_len,
                          uint8_t *out)
{
    EVP_PKEY *peer = host_key_seen_by_chip(dh, pub, pub_len);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
    size_t n = 512;
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    if (dh)
        assert_int_equal(EVP_PKEY_CTX_set_dh_pad(ctx, 1), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, out, &n), 1);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    return n;
}

/* SHA-1(K || counter) truncated to 16 bytes (3DES two-key and AES-128). */
static void kdf16(const uint8_t *k, size_t k_len, uint8_t counter, bool des_parity,
                  uint8_t out[16])
{
    uint8_t buf[600], md[20];
    unsigned md_len = 0;
    memcpy(buf, k, k_len);
    buf[k_len] = 0;
    buf[k_len + 1] = 0;
    buf[k_len + 2] = 0;
    buf[k_len + 3] = counter;
    assert_int_equal(EVP_Digest(buf, k_len + 4, md, &md_len, EVP_sha1(), NULL), 1);
    memcpy(out, md, 16);
    if (des_parity) {
        for (int i = 0; i < 16; i++) {
            int ones = __builtin_popcount(out[i] & 0xFE);
            out[i] = (uint8_t)((out[i] & 0xFE) | (ones % 2 == 0 ? 1 : 0));
        }
    }
}

static void check_keys(const sm_ctx *sm, EVP_PKEY *chip, bool dh, const fake_chip *card,
                       ks_cipher cipher)
{
    uint8_t secret[512], kenc[16], kmac[16], zero[16] = {0};
    size_t n = chip_secret(chip, dh, card->host_pub, card->host_pub_len, secret);
    assert_int_equal(n, dh ? 256 : 32);
    kdf16(secret, n, 1, cipher == KS_CIPHER_3DES, kenc);
    kdf16(secret, n, 2, cipher == KS_CIPHER_3DES, kmac);
    assert_int_equal(sm->cipher, cipher);
    assert_memory_equal(sm->k_enc, kenc, 16);
    assert_memory_equal(sm->k_mac, kmac, 16);
    assert_memory_equal(sm->ssc, zero, 16);
}

static void setup_chan(fake_chip *card, chan *c)
{
    memset(card, 0, sizeof *card);
    card->base.ops = &CHIP_OPS;
    assert_int_equal(chan_init(c, &card->base), KS_OK);
}

static void set_ec_dg14(secinfo_set *s, const uint8_t *spki, size_t spki_len, int key_id)
{
    memset(s, 0, sizeof *s);
    s->ca[0] = (secinfo_ca){.oid = OID_CA_ECDH_AES128, .version = 1, .key_id = key_id,
                            .ka = SECINFO_KA_ECDH, .cipher = KS_CIPHER_AES128};
    s->n_ca = 1;
    s->ca_pk[0] = (secinfo_ca_pk){.oid = OID_PK_ECDH, .key_id = key_id, .ka = SECINFO_KA_ECDH,
                                  .spki = spki, .spki_len = spki_len};
    s->n_ca_pk = 1;
}

/* ---- tests ---------------------------------------------------------------- */

static void ecdh_aes128_sends_mse_set_at_and_ga_and_agrees_keys(void **state)
{
    (void)state;
    EVP_PKEY *chip = ec_chip_key();
    uint8_t spki[512];
    size_t spki_len = spki_of(chip, spki, sizeof spki);
    secinfo_set dg14;
    set_ec_dg14(&dg14, spki, spki_len, 1);
    fake_chip card;
    chan c;
    setup_chan(&card, &c);

    sm_ctx sm;
    ca_result r;
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_OK);
    assert_true(r.done);
    static const uint8_t want_mse[] = {0x80, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02,
                                       0x03, 0x02, 0x02, 0x84, 0x01, 0x01};
    assert_int_equal(card.p2, 0xA4);
    assert_int_equal(card.mse_len, sizeof want_mse);
    assert_memory_equal(card.mse, want_mse, sizeof want_mse);
    assert_int_equal(card.commands, 2);
    assert_int_equal(card.host_pub_len, 65);
    assert_int_equal(card.host_pub[0], 0x04);
    check_keys(&sm, chip, false, &card, KS_CIPHER_AES128);

    /* A second run uses a fresh ephemeral key, hence fresh session keys. */
    uint8_t first[16];
    memcpy(first, sm.k_enc, 16);
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_OK);
    assert_memory_not_equal(sm.k_enc, first, 16);
    check_keys(&sm, chip, false, &card, KS_CIPHER_AES128);
    sm_clear(&sm);
    chan_free(&c);
    EVP_PKEY_free(chip);
}

static void dh_3des_sends_chained_mse_set_kat_and_agrees_keys(void **state)
{
    (void)state;
    EVP_PKEY *chip = dh_chip_key();
    uint8_t spki[1024];
    size_t spki_len = spki_of(chip, spki, sizeof spki);
    secinfo_set dg14;
    memset(&dg14, 0, sizeof dg14);
    dg14.ca[0] = (secinfo_ca){.oid = OID_CA_DH_3DES, .version = 1, .key_id = 300,
                              .ka = SECINFO_KA_DH, .cipher = KS_CIPHER_3DES};
    dg14.n_ca = 1;
    dg14.ca_pk[0] = (secinfo_ca_pk){.oid = OID_PK_DH, .key_id = 300, .ka = SECINFO_KA_DH,
                                    .spki = spki, .spki_len = spki_len};
    dg14.n_ca_pk = 1;
    fake_chip card;
    chan c;
    setup_chan(&card, &c);

    sm_ctx sm;
    ca_result r;
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_OK);
    assert_true(r.done);
    assert_int_equal(card.p2, 0xA6);
    /* 91 82 0100 <256 bytes> 84 02 012C does not fit one short APDU. */
    assert_int_equal(card.chained_pieces, 1);
    assert_int_equal(card.commands, 2);
    assert_int_equal(card.host_pub_len, 256);
    assert_int_equal(card.kat_key_id_len, 2);
    assert_int_equal(card.kat_key_id[0], 0x01);
    assert_int_equal(card.kat_key_id[1], 0x2C);
    check_keys(&sm, chip, true, &card, KS_CIPHER_3DES);
    sm_clear(&sm);
    chan_free(&c);
    EVP_PKEY_free(chip);
}

static void key_without_chip_authentication_info_means_3des(void **state)
{
    (void)state;
    EVP_PKEY *chip = ec_chip_key();
    uint8_t spki[512];
    size_t spki_len = spki_of(chip, spki, sizeof spki);
    secinfo_set dg14;
    set_ec_dg14(&dg14, spki, spki_len, -1);
    dg14.n_ca = 0;
    fake_chip card;
    chan c;
    setup_chan(&card, &c);
    sm_ctx sm;
    ca_result r;
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_OK);
    assert_int_equal(card.p2, 0xA6);
    assert_int_equal(card.kat_key_id_len, 0);
    assert_int_equal(card.chained_pieces, 0);
    check_keys(&sm, chip, false, &card, KS_CIPHER_3DES);
    sm_clear(&sm);
    chan_free(&c);
    EVP_PKEY_free(chip);
}

static void chip_refusing_mse_is_a_card_error_and_leaves_no_keys(void **state)
{
    (void)state;
    EVP_PKEY *chip = ec_chip_key();
    uint8_t spki[512];
    size_t spki_len = spki_of(chip, spki, sizeof spki);
    secinfo_set dg14;
    set_ec_dg14(&dg14, spki, spki_len, 1);
    fake_chip card;
    chan c;
    setup_chan(&card, &c);
    card.refuse_sw = 0x6A80;
    sm_ctx sm, zero;
    memset(&zero, 0, sizeof zero);
    ca_result r;
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_ERR_CARD);
    assert_false(r.done);
    assert_non_null(strstr(r.reason, "6A80"));
    assert_memory_equal(&sm, &zero, sizeof sm);
    chan_free(&c);
    EVP_PKEY_free(chip);
}

static void mismatched_key_ids_or_kinds_find_nothing(void **state)
{
    (void)state;
    EVP_PKEY *chip = ec_chip_key();
    uint8_t spki[512];
    size_t spki_len = spki_of(chip, spki, sizeof spki);
    secinfo_set dg14;
    set_ec_dg14(&dg14, spki, spki_len, 1);
    dg14.ca_pk[0].key_id = 2;
    const secinfo_ca *info;
    const secinfo_ca_pk *pk;
    ks_cipher cipher;
    assert_int_equal(ca_choose(&dg14, &info, &pk, &cipher), KS_ERR_NOT_FOUND);
    dg14.ca_pk[0].key_id = 1;
    dg14.ca_pk[0].ka = SECINFO_KA_DH;
    assert_int_equal(ca_choose(&dg14, &info, &pk, &cipher), KS_ERR_NOT_FOUND);

    fake_chip card;
    chan c;
    setup_chan(&card, &c);
    sm_ctx sm;
    ca_result r;
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_ERR_NOT_FOUND);
    assert_int_equal(card.commands, 0);
    assert_true(r.reason[0] != '\0');
    chan_free(&c);
    EVP_PKEY_free(chip);
}

static void aes_is_preferred_over_3des(void **state)
{
    (void)state;
    static const uint8_t dummy[] = {0x30, 0x00};
    secinfo_set s;
    memset(&s, 0, sizeof s);
    s.ca[0] = (secinfo_ca){.oid = "0.4.0.127.0.7.2.2.3.2.1", .key_id = 5, .ka = SECINFO_KA_ECDH,
                           .cipher = KS_CIPHER_3DES};
    s.ca[1] = (secinfo_ca){.oid = OID_CA_ECDH_AES128, .key_id = 6, .ka = SECINFO_KA_ECDH,
                           .cipher = KS_CIPHER_AES128};
    s.n_ca = 2;
    s.ca_pk[0] = (secinfo_ca_pk){.key_id = 5, .ka = SECINFO_KA_ECDH, .spki = dummy, .spki_len = 2};
    s.ca_pk[1] = (secinfo_ca_pk){.key_id = 6, .ka = SECINFO_KA_ECDH, .spki = dummy, .spki_len = 2};
    s.n_ca_pk = 2;
    const secinfo_ca *info;
    const secinfo_ca_pk *pk;
    ks_cipher cipher;
    assert_int_equal(ca_choose(&s, &info, &pk, &cipher), KS_OK);
    assert_ptr_equal(info, &s.ca[1]);
    assert_ptr_equal(pk, &s.ca_pk[1]);
    assert_int_equal(cipher, KS_CIPHER_AES128);
}

/* Rebuilds an X.509 SPKI with the BSI algorithm OID and given parameters. */
static size_t bsi_spki(const uint8_t *x509, size_t x509_len, const uint8_t *oid, size_t oid_len,
                       const uint8_t *params, size_t params_len, uint8_t *out, size_t cap)
{
    tlv outer, alg, bits;
    tlv_iter it;
    assert_int_equal(tlv_expect(x509, x509_len, 0x30, &outer), KS_OK);
    tlv_iter_init(&it, outer.value, outer.len);
    assert_int_equal(tlv_iter_next(&it, &alg), KS_OK);
    assert_int_equal(tlv_iter_next(&it, &bits), KS_OK);
    tlv_iter_init(&it, alg.value, alg.len);
    tlv o, p;
    assert_int_equal(tlv_iter_next(&it, &o), KS_OK);
    assert_int_equal(tlv_iter_next(&it, &p), KS_OK);
    tlv_writer w;
    tlv_writer_init(&w, out, cap);
    tlv_open(&w, 0x30);
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x06, oid, oid_len);
    if (params)
        tlv_put_raw(&w, params, params_len);
    else
        tlv_put_raw(&w, p.value - (p.total_len - p.len), p.total_len);
    tlv_close(&w);
    tlv_put_raw(&w, bits.value - (bits.total_len - bits.len), bits.total_len);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static void bsi_encoded_chip_keys_load(void **state)
{
    (void)state;
    static const uint8_t pk_ecdh[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02};
    static const uint8_t std_13[] = {0x02, 0x01, 0x0D}; /* brainpoolP256r1 */
    EVP_PKEY *chip = ec_chip_key();
    uint8_t x509[512], bsi[512];
    size_t x509_len = spki_of(chip, x509, sizeof x509);
    EVP_PKEY *loaded = NULL;

    size_t n = bsi_spki(x509, x509_len, pk_ecdh, sizeof pk_ecdh, NULL, 0, bsi, sizeof bsi);
    assert_int_equal(ca_load_public_key(bsi, n, &loaded), KS_OK);
    assert_int_equal(EVP_PKEY_eq(loaded, chip), 1);
    EVP_PKEY_free(loaded);

    n = bsi_spki(x509, x509_len, pk_ecdh, sizeof pk_ecdh, std_13, sizeof std_13, bsi, sizeof bsi);
    assert_int_equal(ca_load_public_key(bsi, n, &loaded), KS_OK);
    assert_int_equal(EVP_PKEY_eq(loaded, chip), 1);
    EVP_PKEY_free(loaded);

    /* ... and a whole CA run with the standardised-parameter form. */
    secinfo_set dg14;
    set_ec_dg14(&dg14, bsi, n, 1);
    fake_chip card;
    chan c;
    setup_chan(&card, &c);
    sm_ctx sm;
    ca_result r;
    assert_int_equal(ca_run(&c, &dg14, &sm, &r), KS_OK);
    check_keys(&sm, chip, false, &card, KS_CIPHER_AES128);
    sm_clear(&sm);
    chan_free(&c);

    /* Garbage does not load. */
    bsi[n - 5] ^= 0xFF;
    EVP_PKEY *bad = NULL;
    assert_int_not_equal(ca_load_public_key(bsi, n, &bad), KS_OK);
    assert_null(bad);
    assert_int_equal(ca_load_public_key(bsi, 3, &bad), KS_ERR_MALFORMED);
    EVP_PKEY_free(chip);
}

static void bsi_encoded_dh_chip_keys_load(void **state)
{
    (void)state;
    static const uint8_t pk_dh[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x01};
    static const uint8_t std_1[] = {0x30, 0x0C, 0x06, 0x07, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x01,
                                    0x02, 0x02, 0x01, 0x01}; /* RFC 5114 2048/224 */
    EVP_PKEY *chip = dh_chip_key();
    uint8_t x509[1024], bsi[1024];
    size_t x509_len = spki_of(chip, x509, sizeof x509);
    EVP_PKEY *loaded = NULL;

    size_t n = bsi_spki(x509, x509_len, pk_dh, sizeof pk_dh, NULL, 0, bsi, sizeof bsi);
    assert_int_equal(ca_load_public_key(bsi, n, &loaded), KS_OK);
    assert_int_equal(EVP_PKEY_eq(loaded, chip), 1);
    EVP_PKEY_free(loaded);

    n = bsi_spki(x509, x509_len, pk_dh, sizeof pk_dh, std_1, sizeof std_1, bsi, sizeof bsi);
    assert_int_equal(ca_load_public_key(bsi, n, &loaded), KS_OK);
    assert_int_equal(EVP_PKEY_parameters_eq(loaded, chip), 1);
    BIGNUM *y1 = NULL, *y2 = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(loaded, OSSL_PKEY_PARAM_PUB_KEY, &y1), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(chip, OSSL_PKEY_PARAM_PUB_KEY, &y2), 1);
    assert_int_equal(BN_cmp(y1, y2), 0);
    BN_free(y1);
    BN_free(y2);
    EVP_PKEY_free(loaded);
    EVP_PKEY_free(chip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecdh_aes128_sends_mse_set_at_and_ga_and_agrees_keys),
        cmocka_unit_test(dh_3des_sends_chained_mse_set_kat_and_agrees_keys),
        cmocka_unit_test(key_without_chip_authentication_info_means_3des),
        cmocka_unit_test(chip_refusing_mse_is_a_card_error_and_leaves_no_keys),
        cmocka_unit_test(mismatched_key_ids_or_kinds_find_nothing),
        cmocka_unit_test(aes_is_preferred_over_3des),
        cmocka_unit_test(bsi_encoded_chip_keys_load),
        cmocka_unit_test(bsi_encoded_dh_chip_keys_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
