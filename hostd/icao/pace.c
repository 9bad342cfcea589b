/*
 * pace.c — the PACE protocol run: commands, the chip's answers, key
 * derivation and the token check. The group arithmetic is in pace_map.c.
 */
#include "pace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "kdf.h"
#include "mrz.h"
#include "tlv.h"

/* Largest element: a 2048-bit MODP value (256 bytes) or a P-521 point (133). */
#define PACE_MAX_ELEM 256u
#define PACE_MAX_SK 132u
#define PACE_MAX_NONCE 32u
#define PACE_MSG_CAP (PACE_MAX_ELEM + 16u)
#define PACE_OID_DER_MAX 32u

static pace_keygen_fn g_keygen;
static void *g_keygen_arg;

void pace_set_keygen_hook(pace_keygen_fn fn, void *arg)
{
    g_keygen = fn;
    g_keygen_arg = arg;
}

ks_status pace_mrz_password(const char *docno, const char *dob, const char *doe, uint8_t out[20])
{
    if (!docno || !dob || !doe || !out)
        return KS_ERR_ARG;
    size_t nl = strlen(docno);
    if (nl == 0 || nl > 39 || strlen(dob) != 6 || strlen(doe) != 6)
        return KS_ERR_ARG;
    /* docno padded to 9, cd, dob, cd, doe, cd */
    char info[39 + 1 + 7 + 7 + 1];
    size_t n = 0;
    memcpy(info, docno, nl);
    n = nl;
    while (n < 9)
        info[n++] = '<';
    int cd[3] = {mrz_check_digit(info, n), mrz_check_digit(dob, 6), mrz_check_digit(doe, 6)};
    for (size_t i = 0; i < 6; i++)
        if (dob[i] < '0' || dob[i] > '9' || doe[i] < '0' || doe[i] > '9')
            cd[1] = -1;
    if (cd[0] < 0 || cd[1] < 0 || cd[2] < 0)
        return KS_ERR_ARG;
    info[n++] = (char)('0' + cd[0]);
    memcpy(info + n, dob, 6);
    n += 6;
    info[n++] = (char)('0' + cd[1]);
    memcpy(info + n, doe, 6);
    n += 6;
    info[n++] = (char)('0' + cd[2]);
    unsigned dl = 0;
    int ok = EVP_Digest(info, n, out, &dl, EVP_sha1(), NULL) == 1 && dl == 20;
    OPENSSL_cleanse(info, sizeof info);
    return ok ? KS_OK : KS_ERR_CRYPTO;
}

ks_status pace_decrypt_nonce(ks_cipher c, const uint8_t *password, size_t password_len,
                             const uint8_t *z, size_t z_len, uint8_t *s)
{
    size_t block = cipher_block_size(c);
    if (!password || !z || !s || block == 0 || z_len == 0 || z_len % block != 0 ||
        z_len > PACE_MAX_NONCE)
        return KS_ERR_ARG;
    uint8_t k_pi[CIPHER_MAX_KEY];
    ks_status st = kdf_derive(c, password, password_len, KDF_PACE, k_pi);
    if (st == KS_OK)
        st = cipher_cbc(c, false, k_pi, NULL, z, z_len, s);
    OPENSSL_cleanse(k_pi, sizeof k_pi);
    return st;
}

/* DER content (no tag/length) of a dotted OID. */
static ks_status oid_der(const char *dotted, uint8_t *out, size_t cap, size_t *len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(dotted, 1);
    if (!obj)
        return KS_ERR_ARG;
    size_t n = OBJ_length(obj);
    const unsigned char *d = OBJ_get0_data(obj);
    ks_status st = KS_OK;
    if (n == 0 || !d)
        st = KS_ERR_CRYPTO;
    else if (n > cap)
        st = KS_ERR_TOO_LARGE;
    else {
        memcpy(out, d, n);
        *len = n;
    }
    ASN1_OBJECT_free(obj);
    return st;
}

ks_status pace_auth_token(const secinfo_pace *which, const uint8_t *ks_mac, const uint8_t *pk,
                          size_t pk_len, uint8_t token[8])
{
    if (!which || !ks_mac || !pk || !token || pk_len == 0 || pk_len > PACE_MAX_ELEM)
        return KS_ERR_ARG;
    uint8_t oid[PACE_OID_DER_MAX];
    size_t oid_len = 0;
    ks_status st = oid_der(which->oid, oid, sizeof oid, &oid_len);
    if (st != KS_OK)
        return st;
    uint8_t buf[PACE_MAX_ELEM + PACE_OID_DER_MAX + 32];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x7F49);
    tlv_put(&w, 0x06, oid, oid_len);
    tlv_put(&w, which->ka == SECINFO_KA_ECDH ? 0x86 : 0x84, pk, pk_len);
    tlv_close(&w);
    st = tlv_writer_status(&w);
    if (st != KS_OK)
        return st;
    size_t n = w.len;
    /* The retail MAC needs whole blocks: 3DES pads with method 2 as for SM. */
    if (which->cipher == KS_CIPHER_3DES) {
        n = cipher_pad(buf, n, sizeof buf, 8);
        if (n == 0)
            return KS_ERR_TOO_LARGE;
    }
    return cipher_mac(which->cipher, ks_mac, buf, n, token);
}

/* --- the exchange ------------------------------------------------------ */

typedef struct pace_run_ctx {
    chan *c;
    char *err;
    size_t err_cap;
} pace_run_ctx;

static ks_status fail(pace_run_ctx *r, ks_status st, const char *fmt, ...)
{
    if (r->err && r->err_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->err_cap, fmt, ap);
        va_end(ap);
    }
    return st;
}

static bool sw_refuses_password(uint16_t sw)
{
    return sw == 0x6300 || (sw & 0xFFF0) == 0x63C0 || sw == 0x6982 || sw == 0x6983;
}

/* MSE:Set AT for PACE (9303-11 4.4.4.1). */
static ks_status mse_set_at(pace_run_ctx *r, const secinfo_pace *which, pace_password_kind kind,
                            bool send_param_id)
{
    uint8_t oid[PACE_OID_DER_MAX], data[64];
    size_t oid_len = 0;
    ks_status st = oid_der(which->oid, oid, sizeof oid, &oid_len);
    if (st != KS_OK)
        return fail(r, KS_ERR_UNSUPPORTED, "PACE: protocol identifier not usable");
    tlv_writer w;
    tlv_writer_init(&w, data, sizeof data);
    tlv_put(&w, 0x80, oid, oid_len);
    uint8_t ref = (uint8_t)kind;
    tlv_put(&w, 0x83, &ref, 1);
    if (send_param_id) {
        uint8_t pid = (uint8_t)which->parameter_id;
        tlv_put(&w, 0x84, &pid, 1);
    }
    if (tlv_writer_status(&w) != KS_OK)
        return fail(r, KS_ERR_ARG, "PACE: MSE:Set AT does not fit");
    apdu_cmd cmd = {.cla = 0x00, .ins = 0x22, .p1 = 0xC1, .p2 = 0xA4, .data = data, .nc = w.len};
    uint8_t resp[64];
    size_t n = 0;
    uint16_t sw = 0;
    st = chan_transmit(r->c, &cmd, resp, sizeof resp, &n, &sw);
    if (st != KS_OK)
        return fail(r, st, "PACE: MSE:Set AT: %s", ks_status_str(st));
    /* 63Cx with x > 0 only warns about the retry counter. */
    if (sw == 0x9000 || ((sw & 0xFFF0) == 0x63C0 && (sw & 0x0F) != 0))
        return KS_OK;
    if (sw_refuses_password(sw))
        return fail(r, KS_ERR_ACCESS, "PACE: the card refused the password (status %04X)", sw);
    return fail(r, KS_ERR_CARD, "PACE: MSE:Set AT refused (status %04X)", sw);
}

/* One GENERAL AUTHENTICATE: sends 7C { in_tag in } (or an empty 7C) and
 * returns the value of out_tag inside the answer's 7C. */
static ks_status general_authenticate(pace_run_ctx *r, unsigned step, bool last, uint32_t in_tag,
                                      const uint8_t *in, size_t in_len, uint32_t out_tag,
                                      uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t data[PACE_MSG_CAP], resp[PACE_MSG_CAP + 64];
    tlv_writer w;
    tlv_writer_init(&w, data, sizeof data);
    tlv_open(&w, 0x7C);
    if (in)
        tlv_put(&w, in_tag, in, in_len);
    tlv_close(&w);
    if (tlv_writer_status(&w) != KS_OK)
        return fail(r, KS_ERR_TOO_LARGE, "PACE: step %u command does not fit", step);
    /* The chip answers with an element as long as ours: a 2048-bit DH key
     * does not fit a short response and needs an extended Le. */
    size_t ne = w.len > APDU_SHORT_MAX_NE - 8 ? APDU_EXT_MAX_NE : APDU_SHORT_MAX_NE;
    apdu_cmd cmd = {.cla = last ? 0x00 : 0x10, .ins = 0x86, .p1 = 0, .p2 = 0,
                    .data = data, .nc = w.len, .ne = ne};
    size_t n = 0;
    uint16_t sw = 0;
    ks_status st = chan_transmit(r->c, &cmd, resp, sizeof resp, &n, &sw);
    if (st != KS_OK)
        return fail(r, st, "PACE: GENERAL AUTHENTICATE step %u: %s", step, ks_status_str(st));
    if (sw != 0x9000) {
        if (sw_refuses_password(sw))
            return fail(r, KS_ERR_ACCESS, "PACE: the card refused the password at step %u (status %04X)",
                        step, sw);
        return fail(r, KS_ERR_CARD, "PACE: GENERAL AUTHENTICATE step %u refused (status %04X)",
                    step, sw);
    }
    tlv dad, item;
    if (tlv_expect(resp, n, 0x7C, &dad) != KS_OK || tlv_find(dad.value, dad.len, out_tag, &item) != KS_OK)
        return fail(r, KS_ERR_MALFORMED, "PACE: step %u answer lacks data object %02X", step,
                    (unsigned)out_tag);
    if (item.len == 0 || item.len > cap)
        return fail(r, KS_ERR_MALFORMED, "PACE: step %u answer has a bad length", step);
    memcpy(out, item.value, item.len);
    *out_len = item.len;
    return KS_OK;
}

static ks_status host_key(pace_run_ctx *r, int pid, unsigned step, uint8_t *sk, size_t *sk_len)
{
    ks_status st = g_keygen ? g_keygen(g_keygen_arg, step, sk, PACE_MAX_SK, sk_len)
                            : pace_random_key(pid, sk, PACE_MAX_SK, sk_len);
    if (st == KS_OK && (*sk_len == 0 || *sk_len > PACE_MAX_SK))
        st = KS_ERR_CRYPTO;
    return st == KS_OK ? KS_OK : fail(r, st, "PACE: key generation failed");
}

/* The card offers several domain parameter sets: MSE:Set AT must name one. */
static bool param_id_needed(const secinfo_set *access, const secinfo_pace *which)
{
    if (!access || which->parameter_id < 0)
        return false;
    if (access->n_pace_domain > 0)
        return true;
    for (size_t i = 0; i < access->n_pace && i < SECINFO_MAX; i++)
        if (access->pace[i].parameter_id != which->parameter_id)
            return true;
    return false;
}

typedef struct pace_secrets {
    uint8_t s[PACE_MAX_NONCE];
    uint8_t sk_map[PACE_MAX_SK], sk[PACE_MAX_SK];
    uint8_t shared[PACE_MAX_ELEM];
    uint8_t ks_enc[CIPHER_MAX_KEY], ks_mac[CIPHER_MAX_KEY];
    size_t s_len, sk_map_len, sk_len, shared_len;
} pace_secrets;

typedef struct pace_public {
    uint8_t pk_map_ifd[PACE_MAX_ELEM], pk_map_ic[PACE_MAX_ELEM];
    uint8_t generator[PACE_MAX_ELEM];
    uint8_t pk_ifd[PACE_MAX_ELEM], pk_ic[PACE_MAX_ELEM];
    size_t pk_map_ifd_len, pk_map_ic_len, generator_len, pk_ifd_len, pk_ic_len;
} pace_public;

/* Steps 1 and 2: the nonce, then the mapping to the ephemeral generator. */
static ks_status nonce_and_mapping(pace_run_ctx *r, const secinfo_pace *which,
                                   const uint8_t *password, size_t password_len, pace_secrets *x,
                                   pace_public *pub)
{
    uint8_t z[PACE_MAX_NONCE];
    size_t z_len = 0;
    ks_status st = general_authenticate(r, 1, false, 0, NULL, 0, 0x80, z, sizeof z, &z_len);
    if (st != KS_OK)
        return st;
    st = pace_decrypt_nonce(which->cipher, password, password_len, z, z_len, x->s);
    if (st != KS_OK)
        return fail(r, KS_ERR_MALFORMED, "PACE: the encrypted nonce has a bad length");
    x->s_len = z_len;

    int pid = which->parameter_id;
    if ((st = host_key(r, pid, 0, x->sk_map, &x->sk_map_len)) != KS_OK)
        return st;
    st = pace_public_key(pid, NULL, 0, x->sk_map, x->sk_map_len, pub->pk_map_ifd,
                         sizeof pub->pk_map_ifd, &pub->pk_map_ifd_len);
    if (st != KS_OK)
        return fail(r, st, "PACE: mapping key: %s", ks_status_str(st));
    st = general_authenticate(r, 2, false, 0x81, pub->pk_map_ifd, pub->pk_map_ifd_len, 0x82,
                              pub->pk_map_ic, sizeof pub->pk_map_ic, &pub->pk_map_ic_len);
    if (st != KS_OK)
        return st;
    st = pace_gm_map(pid, x->s, x->s_len, x->sk_map, x->sk_map_len, pub->pk_map_ic,
                     pub->pk_map_ic_len, NULL, pub->generator, sizeof pub->generator,
                     &pub->generator_len);
    if (st != KS_OK)
        return fail(r, st == KS_ERR_MALFORMED ? KS_ERR_MALFORMED : st,
                    "PACE: the card's mapping key is invalid (%s)", ks_status_str(st));
    return KS_OK;
}

/* Step 3: ephemeral key agreement on the mapped generator. */
static ks_status key_agreement(pace_run_ctx *r, const secinfo_pace *which, pace_secrets *x,
                               pace_public *pub)
{
    int pid = which->parameter_id;
    ks_status st = host_key(r, pid, 1, x->sk, &x->sk_len);
    if (st != KS_OK)
        return st;
    st = pace_public_key(pid, pub->generator, pub->generator_len, x->sk, x->sk_len, pub->pk_ifd,
                         sizeof pub->pk_ifd, &pub->pk_ifd_len);
    if (st != KS_OK)
        return fail(r, st, "PACE: ephemeral key: %s", ks_status_str(st));
    st = general_authenticate(r, 3, false, 0x83, pub->pk_ifd, pub->pk_ifd_len, 0x84, pub->pk_ic,
                              sizeof pub->pk_ic, &pub->pk_ic_len);
    if (st != KS_OK)
        return st;
    /* A chip echoing our key back would make the tokens reflectable. */
    if (pub->pk_ic_len == pub->pk_ifd_len &&
        CRYPTO_memcmp(pub->pk_ic, pub->pk_ifd, pub->pk_ifd_len) == 0)
        return fail(r, KS_ERR_AUTH, "PACE: the card returned the terminal's own key");
    st = pace_shared_secret(pid, x->sk, x->sk_len, pub->pk_ic, pub->pk_ic_len, x->shared,
                            sizeof x->shared, &x->shared_len);
    if (st != KS_OK)
        return fail(r, st, "PACE: the card's ephemeral key is invalid (%s)", ks_status_str(st));
    if (kdf_derive(which->cipher, x->shared, x->shared_len, KDF_ENC, x->ks_enc) != KS_OK ||
        kdf_derive(which->cipher, x->shared, x->shared_len, KDF_MAC, x->ks_mac) != KS_OK)
        return fail(r, KS_ERR_CRYPTO, "PACE: session key derivation failed");
    return KS_OK;
}

/* Step 4: exchange and check the authentication tokens. */
static ks_status mutual_authentication(pace_run_ctx *r, const secinfo_pace *which,
                                       const pace_secrets *x, const pace_public *pub)
{
    uint8_t t_ifd[8], t_ic_want[8], t_ic[PACE_MSG_CAP];
    size_t t_ic_len = 0;
    ks_status st = pace_auth_token(which, x->ks_mac, pub->pk_ic, pub->pk_ic_len, t_ifd);
    if (st == KS_OK)
        st = pace_auth_token(which, x->ks_mac, pub->pk_ifd, pub->pk_ifd_len, t_ic_want);
    if (st != KS_OK)
        return fail(r, st, "PACE: token computation failed");
    st = general_authenticate(r, 4, true, 0x85, t_ifd, sizeof t_ifd, 0x86, t_ic, sizeof t_ic,
                              &t_ic_len);
    if (st != KS_OK)
        return st;
    if (t_ic_len != 8 || CRYPTO_memcmp(t_ic, t_ic_want, 8) != 0)
        return fail(r, KS_ERR_AUTH, "PACE: the card's authentication token does not verify");
    return KS_OK;
}

static bool which_supported(const secinfo_pace *w)
{
    if (w->mapping != SECINFO_MAP_GM || cipher_key_size(w->cipher) == 0)
        return false;
    bool ec = w->parameter_id >= 8 && w->parameter_id <= 18;
    bool modp = w->parameter_id >= 0 && w->parameter_id <= 2;
    return w->ka == SECINFO_KA_ECDH ? ec : (w->ka == SECINFO_KA_DH && modp);
}

ks_status pace_run(chan *c, const secinfo_set *access, const secinfo_pace *which,
                   pace_password_kind kind, const uint8_t *password, size_t password_len,
                   sm_ctx *sm, char *err, size_t err_cap)
{
    pace_run_ctx r = {.c = c, .err = err, .err_cap = err_cap};
    if (err && err_cap)
        err[0] = '\0';
    if (!c || !which || !password || password_len == 0 || !sm ||
        (kind != PACE_PW_MRZ && kind != PACE_PW_CAN))
        return fail(&r, KS_ERR_ARG, "PACE: invalid arguments");
    if (!which_supported(which))
        return fail(&r, KS_ERR_UNSUPPORTED,
                    "PACE: only the generic mapping on standardised domain parameters is supported");

    ks_status st = mse_set_at(&r, which, kind, param_id_needed(access, which));
    if (st != KS_OK)
        return st;
    pace_secrets x;
    pace_public pub;
    memset(&x, 0, sizeof x);
    memset(&pub, 0, sizeof pub);
    st = nonce_and_mapping(&r, which, password, password_len, &x, &pub);
    if (st == KS_OK)
        st = key_agreement(&r, which, &x, &pub);
    if (st == KS_OK)
        st = mutual_authentication(&r, which, &x, &pub);
    if (st == KS_OK && sm_init(sm, which->cipher, x.ks_enc, x.ks_mac, NULL) != KS_OK)
        st = fail(&r, KS_ERR_CRYPTO, "PACE: secure messaging set-up failed");
    OPENSSL_cleanse(&x, sizeof x);
    return st;
}
