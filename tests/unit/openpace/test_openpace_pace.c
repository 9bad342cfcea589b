/*
 * PACE against OpenPACE (libeac), an implementation written independently of
 * this project. OpenPACE plays the chip: it reads an EF.CardAccess built
 * here, holds the password, encrypts the nonce, maps the generator, agrees
 * the key and checks the host's token. A fake transport in front of it
 * parses the host's MSE:Set AT and GENERAL AUTHENTICATE commands (7C data
 * objects) and answers as a chip would. Once both sides are done, the host's
 * session keys must equal OpenPACE's, and a command/response pair under
 * secure messaging must pass both ways: the chip checks the host's MAC and
 * decrypts its data with OpenPACE, then OpenPACE encrypts and MACs the answer
 * that the host's sm_unwrap() must accept.
 *
 * A wrong password makes OpenPACE reject the host's token (the chip answers
 * 6300): the host reports KS_ERR_ACCESS. A chip that answers with its own
 * token anyway (it cannot match) makes the host report KS_ERR_AUTH.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <eac/eac.h>
#include <eac/objects.h>
#include <eac/pace.h>
#include <openssl/buffer.h>

#include "apdu.h"
#include "chan.h"
#include "pace.h"
#include "secinfo.h"
#include "sm.h"
#include "tlv.h"

#include "opace_util.h"

#include "test_hex.h"

/* EF.CardAccess: SET { PACEInfo { oid, version 2, parameterId } } */
#define CA_ECDH_GM_AES128_P13 "31143012060A04007F0007020204020202010202010D"
#define CA_ECDH_GM_3DES_P13 "31143012060A04007F0007020204020102010202010D"
#define CA_DH_GM_AES128_P0 "31143012060A04007F00070202040102020102020100"
#define CA_DH_GM_3DES_P0 "31143012060A04007F00070202040101020102020100"

/* The ICAO Doc 9303-11 Appendix G holder: T22000129, 1964-08-12, 2010-10-31. */
#define DOC_NO "T22000129"
#define DOB "640812"
#define DOE "101031"
#define CAN "123456"

/* A BUF_MEM holding a copy of n bytes (OpenPACE's own helper is private). */
/* ---- the chip: OpenPACE behind a transport ------------------------------ */

typedef enum chip_mode {
    CHIP_HONEST = 0,
    CHIP_SENDS_TOKEN_EVEN_IF_WRONG, /* a chip that does not check the host's token */
} chip_mode;

typedef struct opace_chip {
    transport base;
    EAC_CTX *eac;
    PACE_SEC *sec;
    chip_mode mode;
    uint8_t want_pw_ref;      /* DO'83' the MSE must carry: 1 MRZ, 2 CAN */
    bool mse_done;
    unsigned ga_step;         /* GENERAL AUTHENTICATE commands seen */
    BUF_MEM *host_pub;        /* PK_IFD, for the chip's token */
    bool token_ok;            /* OpenPACE accepted the host's token */
    bool sm;                  /* secure messaging on, with OpenPACE's keys */
    unsigned sm_commands;
    uint8_t sm_plain[64];     /* data of the last protected command, decrypted */
    size_t sm_plain_len;
} opace_chip;

/* 7C { tag value } as the chip's dynamic authentication data. */
static void reply_7c(uint8_t *resp, size_t cap, size_t *len, uint8_t tag, const BUF_MEM *v)
{
    uint8_t buf[600];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x7C);
    tlv_put(&w, tag, (const uint8_t *)v->data, v->length);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    reply(resp, cap, len, 0x9000, buf, w.len);
}

/* The one data object inside the host's 7C, which must carry want_tag. */
static BUF_MEM *host_do(const uint8_t *data, size_t nc, uint8_t want_tag)
{
    tlv outer, inner;
    assert_int_equal(tlv_expect(data, nc, 0x7C, &outer), KS_OK);
    assert_int_equal(outer.total_len, nc);
    assert_int_equal(tlv_expect(outer.value, outer.len, want_tag, &inner), KS_OK);
    assert_int_equal(inner.total_len, outer.len);
    return buf_of(inner.value, inner.len);
}

static void chip_mse(opace_chip *f, const apdu_cmd *c, const uint8_t *data, size_t nc,
                     uint8_t *resp, size_t cap, size_t *len)
{
    assert_int_equal(c->p1, 0xC1);
    assert_int_equal(c->p2, 0xA4);
    tlv oid, ref;
    assert_int_equal(tlv_find(data, nc, 0x80, &oid), KS_OK);
    /* The OID the host names is the one OpenPACE took from EF.CardAccess. */
    ASN1_OBJECT *want = EAC_OBJ_nid2obj(f->eac->pace_ctx->protocol);
    assert_non_null(want);
    assert_int_equal(oid.len, (size_t)OBJ_length(want));
    assert_memory_equal(oid.value, OBJ_get0_data(want), oid.len);
    assert_int_equal(tlv_find(data, nc, 0x83, &ref), KS_OK);
    assert_int_equal(ref.len, 1);
    assert_int_equal(ref.value[0], f->want_pw_ref);
    f->mse_done = true;
    f->ga_step = 0;
    reply(resp, cap, len, 0x9000, NULL, 0);
}

static void chip_general_authenticate(opace_chip *f, const uint8_t *data, size_t nc,
                                      uint8_t *resp, size_t cap, size_t *len)
{
    assert_true(f->mse_done);
    BUF_MEM *in = NULL, *out = NULL;
    switch (f->ga_step++) {
    case 0: /* 7C 00 -> encrypted nonce */
        assert_int_equal(nc, 2);
        assert_int_equal(data[0], 0x7C);
        assert_int_equal(data[1], 0x00);
        out = PACE_STEP1_enc_nonce(f->eac, f->sec);
        assert_non_null(out);
        reply_7c(resp, cap, len, 0x80, out);
        break;
    case 1: /* mapping data */
        in = host_do(data, nc, 0x81);
        out = PACE_STEP3A_generate_mapping_data(f->eac);
        assert_non_null(out);
        assert_int_equal(PACE_STEP3A_map_generator(f->eac, in), 1);
        reply_7c(resp, cap, len, 0x82, out);
        break;
    case 2: /* key agreement on the mapped generator */
        in = host_do(data, nc, 0x83);
        out = PACE_STEP3B_generate_ephemeral_key(f->eac);
        assert_non_null(out);
        assert_int_equal(PACE_STEP3B_compute_shared_secret(f->eac, in), 1);
        assert_int_equal(PACE_STEP3C_derive_keys(f->eac), 1);
        BUF_MEM_free(f->host_pub);
        f->host_pub = in;
        in = NULL;
        reply_7c(resp, cap, len, 0x84, out);
        break;
    case 3: /* tokens */
        in = host_do(data, nc, 0x85);
        f->token_ok = PACE_STEP3D_verify_authentication_token(f->eac, in) == 1;
        if (!f->token_ok && f->mode == CHIP_HONEST) {
            reply(resp, cap, len, 0x6300, NULL, 0);
            break;
        }
        out = PACE_STEP3D_compute_authentication_token(f->eac, f->host_pub);
        assert_non_null(out);
        reply_7c(resp, cap, len, 0x86, out);
        if (f->token_ok) {
            assert_int_equal(EAC_CTX_set_encryption_ctx(f->eac, EAC_ID_PACE), 1);
            assert_int_equal(EAC_reset_ssc(f->eac), 1);
            f->sm = true;
        }
        break;
    default:
        fail_msg("unexpected GENERAL AUTHENTICATE");
    }
    BUF_MEM_free(in);
    BUF_MEM_free(out);
}

/* ---- secure messaging, the chip's side, all crypto by OpenPACE ---------- */

static void chip_sm_command(opace_chip *f, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                            size_t cap, size_t *len)
{
    apdu_cmd c;
    bool ext;
    assert_int_equal(apdu_parse_command(cmd, cmd_len, &c, &ext), KS_OK);
    assert_int_equal(c.cla, 0x0C);
    f->sm_commands++;

    /* MAC input: padded header || DO'87' || DO'97', padded; SSC in front. */
    uint8_t mac_in[600];
    size_t mac_in_len = 0;
    const size_t block = (size_t)EVP_CIPHER_block_size(f->eac->key_ctx->cipher);
    memcpy(mac_in, cmd, 4);
    mac_in[0] = 0x0C;
    mac_in[4] = 0x80;
    memset(mac_in + 5, 0, block - 5);
    mac_in_len = block;

    tlv do87 = {0}, do8e = {0}, t;
    bool have87 = false, have8e = false;
    tlv_iter it;
    tlv_iter_init(&it, c.data, c.nc);
    while (tlv_iter_next(&it, &t) == KS_OK) {
        const uint8_t *raw = t.value - (t.total_len - t.len);
        if (t.tag == 0x8E) {
            do8e = t;
            have8e = true;
            break;
        }
        assert_true(mac_in_len + t.total_len <= sizeof mac_in);
        memcpy(mac_in + mac_in_len, raw, t.total_len);
        mac_in_len += t.total_len;
        if (t.tag == 0x87) {
            do87 = t;
            have87 = true;
        }
    }
    assert_true(have8e);
    BUF_MEM *mac_data = buf_of(mac_in + block, mac_in_len - block);
    BUF_MEM *padded = EAC_add_iso_pad(f->eac, mac_data);
    assert_non_null(padded);
    /* OpenPACE puts the SSC in front itself; the header block goes first. */
    BUF_MEM *full = buf_of(mac_in, block);
    assert_true(BUF_MEM_grow(full, block + padded->length) == block + padded->length);
    memcpy(full->data + block, padded->data, padded->length);
    BUF_MEM *mac = buf_of(do8e.value, do8e.len);
    assert_int_equal(EAC_increment_ssc(f->eac), 1);
    assert_int_equal(EAC_verify_authentication(f->eac, full, mac), 1);
    BUF_MEM_free(mac_data);
    BUF_MEM_free(padded);
    BUF_MEM_free(full);
    BUF_MEM_free(mac);

    f->sm_plain_len = 0;
    if (have87) {
        assert_true(do87.len > 1 && do87.value[0] == 0x01);
        BUF_MEM *crypt = buf_of(do87.value + 1, do87.len - 1);
        BUF_MEM *plain_padded = EAC_decrypt(f->eac, crypt);
        assert_non_null(plain_padded);
        BUF_MEM *plain = EAC_remove_iso_pad(plain_padded);
        assert_non_null(plain);
        assert_true(plain->length <= sizeof f->sm_plain);
        memcpy(f->sm_plain, plain->data, plain->length);
        f->sm_plain_len = plain->length;
        BUF_MEM_free(crypt);
        BUF_MEM_free(plain_padded);
        BUF_MEM_free(plain);
    }

    /* The answer: READ BINARY gets 16 bytes 00 01 02 ... (the test always
     * asks for 16 in DO'97'), anything else none. */
    static const uint8_t content[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t body[300];
    assert_int_equal(EAC_increment_ssc(f->eac), 1);
    size_t body_len = opace_sm_answer(f->eac, content, c.ins == 0xB0 ? sizeof content : 0, body,
                                      sizeof body);
    reply(resp, cap, len, 0x9000, body, body_len);
}

static ks_status chip_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len)
{
    opace_chip *f = (opace_chip *)t;
    if (f->sm) {
        chip_sm_command(f, cmd, cmd_len, resp, resp_cap, resp_len);
        return KS_OK;
    }
    apdu_cmd c;
    bool ext;
    assert_int_equal(apdu_parse_command(cmd, cmd_len, &c, &ext), KS_OK);
    assert_false(ext);
    /* PACE marks every GENERAL AUTHENTICATE but the last with the chaining
     * bit; each is still a whole step that gets its own answer. */
    if (c.ins == 0x86)
        assert_int_equal(c.cla, f->ga_step < 3 ? 0x10 : 0x00);
    else
        assert_int_equal(c.cla, 0x00);
    const uint8_t *data = c.data;
    size_t nc = c.nc;
    if (c.ins == 0x22)
        chip_mse(f, &c, data, nc, resp, resp_cap, resp_len);
    else if (c.ins == 0x86)
        chip_general_authenticate(f, data, nc, resp, resp_cap, resp_len);
    else
        reply(resp, resp_cap, resp_len, 0x6D00, NULL, 0);
    return KS_OK;
}

static const struct transport_ops CHIP_OPS = {chip_transmit, chip_atr, chip_caps, chip_present,
                                              chip_close};

/* ---- passwords ----------------------------------------------------------- */

static char check_digit(const char *s)
{
    static const int weight[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; s[i]; i++) {
        int v = 0;
        if (s[i] >= '0' && s[i] <= '9')
            v = s[i] - '0';
        else if (s[i] >= 'A' && s[i] <= 'Z')
            v = s[i] - 'A' + 10;
        sum += v * weight[i % 3];
    }
    return (char)('0' + sum % 10);
}

/* A TD1 MRZ (lines 1 and 2 run together), the input OpenPACE wants for
 * PACE_MRZ: it reads the document number at 5, birth at 30, expiry at 38. */
static void td1_mrz(const char *docno, const char *dob, const char *doe, char out[61])
{
    memset(out, '<', 60);
    out[60] = '\0';
    memcpy(out, "I<UTO", 5);
    memcpy(out + 5, docno, 9);
    out[14] = check_digit(docno);
    memcpy(out + 30, dob, 6);
    out[36] = check_digit(dob);
    out[37] = 'F';
    memcpy(out + 38, doe, 6);
    out[44] = check_digit(doe);
    memcpy(out + 45, "UTO", 3);
}

/* ---- a whole run ----------------------------------------------------------- */

typedef struct pace_case {
    const char *card_access;
    pace_password_kind kind;
    const char *chip_password;  /* what OpenPACE holds: CAN, or docno for MRZ */
    const char *host_password;  /* what the host is told */
    chip_mode mode;
} pace_case;

typedef struct pace_outcome {
    ks_status st;
    char err[160];
    sm_ctx sm;
    opace_chip chip;
    chan c;
    secinfo_set access;
    uint8_t access_der[64];
} pace_outcome;

static void start(pace_outcome *o, const pace_case *pc)
{
    memset(o, 0, sizeof *o);
    size_t n = unhex(pc->card_access, o->access_der, sizeof o->access_der);
    assert_int_equal(secinfo_parse(o->access_der, n, &o->access), KS_OK);

    opace_chip *f = &o->chip;
    f->base.ops = &CHIP_OPS;
    f->mode = pc->mode;
    f->eac = EAC_CTX_new();
    assert_non_null(f->eac);
    assert_int_equal(EAC_CTX_init_ef_cardaccess(o->access_der, n, f->eac), 1);
    assert_non_null(f->eac->pace_ctx);
    if (pc->kind == PACE_PW_MRZ) {
        char mrz[61];
        td1_mrz(pc->chip_password, DOB, DOE, mrz);
        f->sec = PACE_SEC_new(mrz, 60, PACE_MRZ);
        f->want_pw_ref = 1;
    } else {
        f->sec = PACE_SEC_new(pc->chip_password, strlen(pc->chip_password), PACE_CAN);
        f->want_pw_ref = 2;
    }
    assert_non_null(f->sec);

    uint8_t pw[20];
    const uint8_t *host_pw = pw;
    size_t host_pw_len = 20;
    if (pc->kind == PACE_PW_MRZ) {
        assert_int_equal(pace_mrz_password(pc->host_password, DOB, DOE, pw), KS_OK);
    } else {
        host_pw = (const uint8_t *)pc->host_password;
        host_pw_len = strlen(pc->host_password);
    }
    assert_int_equal(chan_init(&o->c, &f->base), KS_OK);
    const secinfo_pace *which = secinfo_best_pace(&o->access);
    assert_non_null(which);
    o->st = pace_run(&o->c, &o->access, which, pc->kind, host_pw, host_pw_len, &o->sm, o->err,
                     sizeof o->err);
}

static void finish(pace_outcome *o)
{
    sm_clear(&o->sm);
    chan_free(&o->c);
    BUF_MEM_free(o->chip.host_pub);
    PACE_SEC_clear_free(o->chip.sec);
    EAC_CTX_clear_free(o->chip.eac);
}

/* 3DES keys: the host sets the DES parity bits (9303-11 9.7.1) and OpenPACE
 * leaves them as the hash gave them. DES ignores those bits, so the keys are
 * the same key when the other seven bits of every byte agree. */
static void assert_same_key(const uint8_t *host, const BUF_MEM *theirs, ks_cipher cipher)
{
    assert_int_equal(theirs->length, 16);
    const uint8_t *t = (const uint8_t *)theirs->data;
    uint8_t mask = cipher == KS_CIPHER_3DES ? 0xFE : 0xFF;
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(host[i] & mask, t[i] & mask);
}

/* The host's session keys are OpenPACE's, and SM works both ways. */
static void assert_agreed_and_usable(pace_outcome *o, ks_cipher cipher)
{
    assert_int_equal(o->st, KS_OK);
    assert_true(o->chip.token_ok);
    assert_int_equal(o->chip.ga_step, 4);
    const KA_CTX *ka = o->chip.eac->pace_ctx->ka_ctx;
    assert_non_null(ka->k_enc);
    assert_non_null(ka->k_mac);
    assert_int_equal(o->sm.cipher, cipher);
    assert_same_key(o->sm.k_enc, ka->k_enc, cipher);
    assert_same_key(o->sm.k_mac, ka->k_mac, cipher);

    chan_start_sm(&o->c, &o->sm);
    /* SELECT EF.COM: the chip checks the host's MAC and decrypts 01 1E. */
    static const uint8_t fid[] = {0x01, 0x1E};
    apdu_cmd sel = {.cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = fid, .nc = 2};
    uint8_t resp[300];
    size_t resp_len = 99;
    uint16_t sw = 0;
    assert_int_equal(chan_transmit(&o->c, &sel, resp, sizeof resp, &resp_len, &sw), KS_OK);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(resp_len, 0);
    assert_int_equal(o->chip.sm_plain_len, 2);
    assert_memory_equal(o->chip.sm_plain, fid, 2);
    /* READ BINARY: OpenPACE encrypts and MACs, the host unwraps. */
    apdu_cmd rb = {.cla = 0x00, .ins = 0xB0, .p1 = 0x00, .p2 = 0x00, .ne = 16};
    assert_int_equal(chan_transmit(&o->c, &rb, resp, sizeof resp, &resp_len, &sw), KS_OK);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(resp_len, 16);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(resp[i], i);
    assert_int_equal(o->chip.sm_commands, 2);
}

static void run_ok(const pace_case *pc, ks_cipher cipher)
{
    pace_outcome *o = test_malloc(sizeof *o);
    start(o, pc);
    if (o->st != KS_OK)
        print_error("pace_run: %s\n", o->err);
    assert_agreed_and_usable(o, cipher);
    finish(o);
    test_free(o);
}

/* ---- tests ----------------------------------------------------------------- */

static void ecdh_gm_aes_with_mrz_agrees_with_openpace(void **state)
{
    (void)state;
    pace_case pc = {CA_ECDH_GM_AES128_P13, PACE_PW_MRZ, DOC_NO, DOC_NO, CHIP_HONEST};
    run_ok(&pc, KS_CIPHER_AES128);
}

static void ecdh_gm_aes_with_can_agrees_with_openpace(void **state)
{
    (void)state;
    pace_case pc = {CA_ECDH_GM_AES128_P13, PACE_PW_CAN, CAN, CAN, CHIP_HONEST};
    run_ok(&pc, KS_CIPHER_AES128);
}

static void ecdh_gm_aes_agrees_on_every_run(void **state)
{
    (void)state;
    /* Fresh random keys on both sides each time: edge cases such as a short
     * x-coordinate get a chance to show. */
    pace_case pc = {CA_ECDH_GM_AES128_P13, PACE_PW_CAN, CAN, CAN, CHIP_HONEST};
    for (int i = 0; i < 16; i++)
        run_ok(&pc, KS_CIPHER_AES128);
}

static void ecdh_gm_3des_agrees_with_openpace(void **state)
{
    (void)state;
    pace_case pc = {CA_ECDH_GM_3DES_P13, PACE_PW_MRZ, DOC_NO, DOC_NO, CHIP_HONEST};
    run_ok(&pc, KS_CIPHER_3DES);
}

static void dh_gm_aes_agrees_with_openpace(void **state)
{
    (void)state;
    pace_case pc = {CA_DH_GM_AES128_P0, PACE_PW_MRZ, DOC_NO, DOC_NO, CHIP_HONEST};
    run_ok(&pc, KS_CIPHER_AES128);
}

static void dh_gm_3des_agrees_with_openpace(void **state)
{
    (void)state;
    pace_case pc = {CA_DH_GM_3DES_P0, PACE_PW_CAN, CAN, CAN, CHIP_HONEST};
    run_ok(&pc, KS_CIPHER_3DES);
}

static void wrong_password_is_an_access_error(void **state)
{
    (void)state;
    static const pace_case cases[] = {
        {CA_ECDH_GM_AES128_P13, PACE_PW_CAN, CAN, "123457", CHIP_HONEST},
        {CA_ECDH_GM_AES128_P13, PACE_PW_MRZ, DOC_NO, "T22000130", CHIP_HONEST},
        {CA_DH_GM_AES128_P0, PACE_PW_CAN, CAN, "654321", CHIP_HONEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pace_outcome *o = test_malloc(sizeof *o);
        start(o, &cases[i]);
        assert_int_equal(o->st, KS_ERR_ACCESS);
        assert_false(o->chip.token_ok);
        assert_int_equal(o->chip.ga_step, 4);
        static const uint8_t zero[32];
        assert_memory_equal(o->sm.k_enc, zero, 32);
        assert_memory_equal(o->sm.k_mac, zero, 32);
        finish(o);
        test_free(o);
    }
}

static void chip_token_under_other_password_is_an_auth_error(void **state)
{
    (void)state;
    /* The chip skips its check and sends its token: it was computed from
     * another password's keys, so the host must not trust the channel. */
    pace_case pc = {CA_ECDH_GM_AES128_P13, PACE_PW_CAN, CAN, "000000",
                    CHIP_SENDS_TOKEN_EVEN_IF_WRONG};
    pace_outcome *o = test_malloc(sizeof *o);
    start(o, &pc);
    assert_int_equal(o->st, KS_ERR_AUTH);
    assert_false(o->chip.token_ok);
    static const uint8_t zero[32];
    assert_memory_equal(o->sm.k_enc, zero, 32);
    finish(o);
    test_free(o);
}

int main(void)
{
    EAC_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecdh_gm_aes_with_mrz_agrees_with_openpace),
        cmocka_unit_test(ecdh_gm_aes_with_can_agrees_with_openpace),
        cmocka_unit_test(ecdh_gm_aes_agrees_on_every_run),
        cmocka_unit_test(ecdh_gm_3des_agrees_with_openpace),
        cmocka_unit_test(dh_gm_aes_agrees_with_openpace),
        cmocka_unit_test(dh_gm_3des_agrees_with_openpace),
        cmocka_unit_test(wrong_password_is_an_access_error),
        cmocka_unit_test(chip_token_under_other_password_is_an_auth_error),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    EAC_cleanup();
    return rc;
}
