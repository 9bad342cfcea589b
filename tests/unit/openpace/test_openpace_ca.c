/*
 * Chip Authentication against OpenPACE (libeac), written independently of
 * this project. OpenPACE plays the chip: it holds the static CA key pair
 * whose public half the host finds in a DG14 built here, computes the shared
 * secret from the host's ephemeral public key (CA_STEP4) and derives the
 * session keys. The host's ca_run() output must equal OpenPACE's keys, and a
 * READ BINARY answered under those keys with OpenPACE's SM (encrypt + MAC)
 * must unwrap on the host, after the chip has verified the host's MAC.
 *
 * ICAO CA (version 1) derives the keys from the shared secret alone; the
 * public CA_STEP5 is TR-03110 CA version 2 (with a chip nonce and token), so
 * the chip calls OpenPACE's KA_CTX_derive_keys() with no nonce. libeac
 * exports that function but its header (eac_lib.h) is not installed, hence
 * the prototype below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <eac/ca.h>
#include <eac/eac.h>
#include <eac/objects.h>
#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "apdu.h"
#include "ca.h"
#include "chan.h"
#include "secinfo.h"
#include "sm.h"
#include "tlv.h"

#include "opace_util.h"
#include "chip_keys.h"

int KA_CTX_derive_keys(KA_CTX *ctx, const BUF_MEM *nonce, EVP_MD_CTX *md_ctx);

static const uint8_t OID_CA_ECDH_AES128[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02};
static const uint8_t OID_CA_ECDH_3DES[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x01};
static const uint8_t OID_CA_DH_3DES[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x01, 0x01};
static const uint8_t OID_CA_DH_AES128[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x01, 0x02};
static const uint8_t OID_PK_ECDH[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02};
static const uint8_t OID_PK_DH[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x01};

/* ---- the chip: OpenPACE behind a transport ------------------------------ */

typedef struct opace_chip {
    transport base;
    EAC_CTX *eac;
    const uint8_t *want_oid;  /* DO'80' of MSE:Set AT (AES), NULL for Set KAT */
    size_t want_oid_len;
    int want_key_id;          /* DO'84', -1 absent */
    uint8_t chain[1024];      /* a chained command's data so far */
    size_t chain_len;
    unsigned chained_pieces;
    bool mse_at_done;
    bool keys_derived;
    bool sm;
    unsigned sm_commands;
} opace_chip;

static void check_key_id(const opace_chip *f, const uint8_t *data, size_t nc)
{
    tlv id;
    if (f->want_key_id < 0) {
        assert_int_equal(tlv_find(data, nc, 0x84, &id), KS_ERR_NOT_FOUND);
        return;
    }
    assert_int_equal(tlv_find(data, nc, 0x84, &id), KS_OK);
    int v = 0;
    for (size_t i = 0; i < id.len; i++)
        v = v << 8 | id.value[i];
    assert_int_equal(v, f->want_key_id);
}

/* The host's ephemeral public key reached the chip: OpenPACE does the rest. */
static void chip_agree(opace_chip *f, const uint8_t *pub, size_t pub_len)
{
    BUF_MEM *in = buf_of(pub, pub_len);
    assert_int_equal(CA_STEP4_compute_shared_secret(f->eac, in), 1);
    assert_int_equal(KA_CTX_derive_keys(f->eac->ca_ctx->ka_ctx, NULL, f->eac->md_ctx), 1);
    BUF_MEM_free(in);
    f->keys_derived = true;
}

static void chip_plain_command(opace_chip *f, const apdu_cmd *c, const uint8_t *data, size_t nc,
                               uint8_t *resp, size_t cap, size_t *len)
{
    tlv t;
    if (c->ins == 0x22 && c->p1 == 0x41 && c->p2 == 0xA6) { /* MSE:Set KAT */
        assert_null(f->want_oid);
        assert_int_equal(tlv_find(data, nc, 0x91, &t), KS_OK);
        check_key_id(f, data, nc);
        chip_agree(f, t.value, t.len);
        reply(resp, cap, len, 0x9000, NULL, 0);
        return;
    }
    if (c->ins == 0x22 && c->p1 == 0x41 && c->p2 == 0xA4) { /* MSE:Set AT */
        assert_non_null(f->want_oid);
        assert_int_equal(tlv_find(data, nc, 0x80, &t), KS_OK);
        assert_int_equal(t.len, f->want_oid_len);
        assert_memory_equal(t.value, f->want_oid, t.len);
        check_key_id(f, data, nc);
        f->mse_at_done = true;
        reply(resp, cap, len, 0x9000, NULL, 0);
        return;
    }
    if (c->ins == 0x86 && c->p1 == 0x00 && c->p2 == 0x00) { /* GENERAL AUTHENTICATE */
        assert_true(f->mse_at_done);
        tlv outer;
        assert_int_equal(tlv_expect(data, nc, 0x7C, &outer), KS_OK);
        assert_int_equal(tlv_expect(outer.value, outer.len, 0x80, &t), KS_OK);
        chip_agree(f, t.value, t.len);
        static const uint8_t empty[] = {0x7C, 0x00};
        reply(resp, cap, len, 0x9000, empty, sizeof empty);
        return;
    }
    reply(resp, cap, len, 0x6D00, NULL, 0);
}

/* A READ BINARY under secure messaging, all of it done by OpenPACE: the
 * command's MAC checked, the answer (16 bytes 00..0F) encrypted and MACed. */
static void chip_sm_read(opace_chip *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                         size_t cap, size_t *len)
{
    apdu_cmd c;
    bool ext;
    assert_int_equal(apdu_parse_command(cmd, cmd_len, &c, &ext), KS_OK);
    assert_int_equal(c.cla, 0x0C);
    assert_int_equal(c.ins, 0xB0);
    f->sm_commands++;

    const size_t block = (size_t)EVP_CIPHER_block_size(f->eac->key_ctx->cipher);
    uint8_t header[16] = {0x0C, c.ins, c.p1, c.p2, 0x80};
    tlv do8e;
    assert_int_equal(tlv_find(c.data, c.nc, 0x8E, &do8e), KS_OK);
    size_t covered = (size_t)(do8e.value - 2 - c.data); /* DO'97' before DO'8E' */
    BUF_MEM *dos = buf_of(c.data, covered);
    BUF_MEM *dos_padded = EAC_add_iso_pad(f->eac, dos);
    BUF_MEM *mac_in = buf_of(header, block);
    assert_true(BUF_MEM_grow(mac_in, block + dos_padded->length) == block + dos_padded->length);
    memcpy(mac_in->data + block, dos_padded->data, dos_padded->length);
    BUF_MEM *mac = buf_of(do8e.value, do8e.len);
    assert_int_equal(EAC_increment_ssc(f->eac), 1);
    assert_int_equal(EAC_verify_authentication(f->eac, mac_in, mac), 1);
    BUF_MEM_free(dos);
    BUF_MEM_free(dos_padded);
    BUF_MEM_free(mac_in);
    BUF_MEM_free(mac);

    uint8_t content[16], body[64];
    for (size_t i = 0; i < sizeof content; i++)
        content[i] = (uint8_t)i;
    assert_int_equal(EAC_increment_ssc(f->eac), 1);
    size_t n = opace_sm_answer(f->eac, content, sizeof content, body, sizeof body);
    reply(resp, cap, len, 0x9000, body, n);
}

static ks_status chip_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len)
{
    opace_chip *f = (opace_chip *)t;
    if (f->sm) {
        chip_sm_read(f, cmd, cmd_len, resp, resp_cap, resp_len);
        return KS_OK;
    }
    apdu_cmd c;
    bool ext;
    assert_int_equal(apdu_parse_command(cmd, cmd_len, &c, &ext), KS_OK);
    assert_false(ext);
    assert_true(f->chain_len + c.nc <= sizeof f->chain);
    if (c.nc)
        memcpy(f->chain + f->chain_len, c.data, c.nc);
    f->chain_len += c.nc;
    if (c.cla & 0x10) {
        f->chained_pieces++;
        reply(resp, resp_cap, resp_len, 0x9000, NULL, 0);
        return KS_OK;
    }
    size_t nc = f->chain_len;
    f->chain_len = 0;
    chip_plain_command(f, &c, f->chain, nc, resp, resp_cap, resp_len);
    return KS_OK;
}

static const struct transport_ops CHIP_OPS = {chip_transmit, chip_atr, chip_caps, chip_present,
                                              chip_close};

/* ---- keys and DG14 ---------------------------------------------------------- */


static void put_int(tlv_writer *w, int v)
{
    uint8_t b[3];
    size_t n = 0;
    if (v > 0x7FFF)
        b[n++] = (uint8_t)(v >> 16);
    if (v > 0x7F)
        b[n++] = (uint8_t)(v >> 8);
    b[n++] = (uint8_t)v;
    tlv_put(w, 0x02, b, n);
}

/* DG14's SET OF SecurityInfos: a ChipAuthenticationInfo (unless ca_oid is
 * NULL) and a ChipAuthenticationPublicKeyInfo with the X.509 SPKI of chip. */
static size_t build_dg14(const uint8_t *ca_oid, size_t ca_oid_len, const uint8_t *pk_oid,
                         size_t pk_oid_len, EVP_PKEY *chip, int key_id, uint8_t *out, size_t cap)
{
    uint8_t *spki = NULL;
    int spki_len = i2d_PUBKEY(chip, &spki);
    assert_true(spki_len > 0);
    tlv_writer w;
    tlv_writer_init(&w, out, cap);
    tlv_open(&w, 0x31);
    if (ca_oid) {
        tlv_open(&w, 0x30);
        tlv_put(&w, 0x06, ca_oid, ca_oid_len);
        put_int(&w, 1);
        if (key_id >= 0)
            put_int(&w, key_id);
        tlv_close(&w);
    }
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x06, pk_oid, pk_oid_len);
    tlv_put_raw(&w, spki, (size_t)spki_len);
    if (key_id >= 0)
        put_int(&w, key_id);
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    OPENSSL_free(spki);
    return w.len;
}

/* OpenPACE's chip context for protocol on standardised domain parameters
 * std_dp, holding chip's private key (PKCS#8 / traditional DER). */
static EAC_CTX *openpace_chip(int protocol, int std_dp, EVP_PKEY *chip)
{
    EAC_CTX *eac = EAC_CTX_new();
    assert_non_null(eac);
    assert_int_equal(EAC_CTX_init_ca(eac, protocol, std_dp), 1);
    uint8_t *der = NULL;
    int der_len = i2d_PrivateKey(chip, &der);
    assert_true(der_len > 0);
    assert_int_equal(CA_set_key(eac, der, (size_t)der_len, NULL, 0), 1);
    OPENSSL_clear_free(der, (size_t)der_len);
    return eac;
}

/* ---- a whole run ------------------------------------------------------------ */

typedef struct ca_case {
    bool dh;
    int protocol_nid;
    int std_dp;
    const uint8_t *ca_oid;     /* NULL: DG14 without ChipAuthenticationInfo */
    size_t ca_oid_len;
    int key_id;
    ks_cipher cipher;
    bool mse_set_at;           /* AES: MSE:Set AT + GA; 3DES: MSE:Set KAT */
    unsigned want_chained;
} ca_case;

static void assert_same_key(const uint8_t *host, const BUF_MEM *theirs, ks_cipher cipher)
{
    /* 3DES: the host sets DES parity (9303-11 9.7.1), OpenPACE does not;
     * DES ignores those bits. */
    assert_int_equal(theirs->length, 16);
    const uint8_t *t = (const uint8_t *)theirs->data;
    uint8_t mask = cipher == KS_CIPHER_3DES ? 0xFE : 0xFF;
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(host[i] & mask, t[i] & mask);
}

static void run_case(const ca_case *cc)
{
    EVP_PKEY *chip = cc->dh ? dh_chip_key() : ec_chip_key();
    uint8_t dg14[1200];
    size_t dg14_len = build_dg14(cc->ca_oid, cc->ca_oid_len, cc->dh ? OID_PK_DH : OID_PK_ECDH,
                                 cc->dh ? sizeof OID_PK_DH : sizeof OID_PK_ECDH, chip,
                                 cc->key_id, dg14, sizeof dg14);
    secinfo_set set;
    assert_int_equal(secinfo_parse(dg14, dg14_len, &set), KS_OK);

    opace_chip *f = test_calloc(1, sizeof *f);
    f->base.ops = &CHIP_OPS;
    f->eac = openpace_chip(cc->protocol_nid, cc->std_dp, chip);
    f->want_oid = cc->mse_set_at ? cc->ca_oid : NULL;
    f->want_oid_len = cc->mse_set_at ? cc->ca_oid_len : 0;
    f->want_key_id = cc->key_id;

    chan c;
    assert_int_equal(chan_init(&c, &f->base), KS_OK);
    sm_ctx sm;
    ca_result r;
    ks_status st = ca_run(&c, &set, &sm, &r);
    if (st != KS_OK)
        print_error("ca_run: %s\n", r.reason);
    assert_int_equal(st, KS_OK);
    assert_true(r.done);
    assert_true(f->keys_derived);
    assert_int_equal(f->chained_pieces, cc->want_chained);

    const KA_CTX *ka = f->eac->ca_ctx->ka_ctx;
    assert_int_equal(sm.cipher, cc->cipher);
    assert_same_key(sm.k_enc, ka->k_enc, cc->cipher);
    assert_same_key(sm.k_mac, ka->k_mac, cc->cipher);

    /* The chip switches to the new keys; so does the host. */
    assert_int_equal(EAC_CTX_set_encryption_ctx(f->eac, EAC_ID_CA), 1);
    assert_int_equal(EAC_reset_ssc(f->eac), 1);
    f->sm = true;
    chan_start_sm(&c, &sm);
    apdu_cmd rb = {.cla = 0x00, .ins = 0xB0, .p1 = 0x00, .p2 = 0x00, .ne = 16};
    uint8_t resp[300];
    size_t resp_len = 0;
    uint16_t sw = 0;
    assert_int_equal(chan_transmit(&c, &rb, resp, sizeof resp, &resp_len, &sw), KS_OK);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(resp_len, 16);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(resp[i], i);
    assert_int_equal(f->sm_commands, 1);

    sm_clear(&sm);
    chan_free(&c);
    EAC_CTX_clear_free(f->eac);
    test_free(f);
    EVP_PKEY_free(chip);
}

/* ---- tests ------------------------------------------------------------------ */

static void ecdh_aes128_keys_equal_openpace(void **state)
{
    (void)state;
    ca_case cc = {false, NID_id_CA_ECDH_AES_CBC_CMAC_128, 13, OID_CA_ECDH_AES128,
                  sizeof OID_CA_ECDH_AES128, 1, KS_CIPHER_AES128, true, 0};
    for (int i = 0; i < 8; i++) /* fresh keys each time */
        run_case(&cc);
}

static void ecdh_3des_keys_equal_openpace(void **state)
{
    (void)state;
    ca_case cc = {false, NID_id_CA_ECDH_3DES_CBC_CBC, 13, OID_CA_ECDH_3DES,
                  sizeof OID_CA_ECDH_3DES, 7, KS_CIPHER_3DES, false, 0};
    run_case(&cc);
}

static void ecdh_key_without_ca_info_is_3des_and_equal_to_openpace(void **state)
{
    (void)state;
    ca_case cc = {false, NID_id_CA_ECDH_3DES_CBC_CBC, 13, NULL, 0, -1, KS_CIPHER_3DES, false, 0};
    run_case(&cc);
}

static void dh_3des_keys_equal_openpace(void **state)
{
    (void)state;
    /* 256-byte DH key: MSE:Set KAT goes in two chained pieces. */
    ca_case cc = {true, NID_id_CA_DH_3DES_CBC_CBC, 1, OID_CA_DH_3DES, sizeof OID_CA_DH_3DES, 300,
                  KS_CIPHER_3DES, false, 1};
    run_case(&cc);
}

static void dh_aes128_keys_equal_openpace(void **state)
{
    (void)state;
    ca_case cc = {true, NID_id_CA_DH_AES_CBC_CMAC_128, 1, OID_CA_DH_AES128,
                  sizeof OID_CA_DH_AES128, 2, KS_CIPHER_AES128, true, 1};
    run_case(&cc);
}

int main(void)
{
    EAC_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecdh_aes128_keys_equal_openpace),
        cmocka_unit_test(ecdh_3des_keys_equal_openpace),
        cmocka_unit_test(ecdh_key_without_ca_info_is_3des_and_equal_to_openpace),
        cmocka_unit_test(dh_3des_keys_equal_openpace),
        cmocka_unit_test(dh_aes128_keys_equal_openpace),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    EAC_cleanup();
    return rc;
}
