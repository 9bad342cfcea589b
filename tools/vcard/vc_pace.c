#include "vc_pace.h"

#include <string.h>

#include "tlv.h"
#include "vc_crypto.h"

#define TOKEN_LEN 8u

void vc_pace_init(vc_pace *pace) { memset(pace, 0, sizeof *pace); }

void vc_pace_reset(vc_pace *pace)
{
    if (!pace)
        return;
    vc_group_free(&pace->group);
    BN_clear_free(pace->s);
    BN_clear_free(pace->sk_map);
    BN_clear_free(pace->sk_eph);
    vc_elem_free(&pace->gen);
    OPENSSL_cleanse(pace, sizeof *pace);
}

ks_status vc_pace_set_at(vc_pace *pace, const uint8_t *oid, size_t oid_len, int param_id,
                         const uint8_t *password, size_t pw_len)
{
    if (!pace || !oid || !password || pw_len == 0 || pw_len > VC_PACE_PW_MAX)
        return KS_ERR_ARG;
    vc_pace_reset(pace);
    if (oid_len > VC_PACE_OID_MAX)
        return KS_ERR_UNSUPPORTED;
    ks_status st = vc_proto_from_oid(oid, oid_len, VC_PROTO_PACE_GM, &pace->proto);
    if (st == KS_OK)
        st = vc_group_from_param_id(&pace->group, param_id);
    if (st == KS_OK && (pace->group.ec != NULL) != pace->proto.ecdh)
        st = KS_ERR_UNSUPPORTED; /* an ECDH OID with DH parameters, or the reverse */
    if (st == KS_OK)
        st = vc_proto_kdf(&pace->proto, password, pw_len, 3, pace->k_pi);
    if (st != KS_OK) {
        vc_pace_reset(pace);
        return st;
    }
    memcpy(pace->oid, oid, oid_len);
    pace->oid_len = oid_len;
    pace->stage = 1;
    return KS_OK;
}

/* The content of the command's 7C, which must hold exactly `tag` (or be empty when tag is 0). */
static ks_status dynamic_data(const uint8_t *data, size_t len, uint32_t tag, tlv *inner)
{
    tlv outer;
    if (tlv_expect(data, len, 0x7C, &outer) != KS_OK)
        return KS_ERR_MALFORMED;
    if (tag == 0)
        return outer.len == 0 ? KS_OK : KS_ERR_MALFORMED;
    if (tlv_expect(outer.value, outer.len, tag, inner) != KS_OK || inner->len == 0)
        return KS_ERR_MALFORMED;
    return KS_OK;
}

static ks_status answer(uint32_t tag, const uint8_t *value, size_t len, uint8_t *out, size_t cap,
                        size_t *out_len)
{
    tlv_writer w;
    tlv_writer_init(&w, out, cap);
    tlv_open(&w, 0x7C);
    tlv_put(&w, tag, value, len);
    tlv_close(&w);
    if (tlv_writer_status(&w) != KS_OK)
        return KS_ERR_TOO_LARGE;
    *out_len = w.len;
    return KS_OK;
}

static ks_status step_nonce(vc_pace *pace, vc_rng_fn rng, void *ctx, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    uint8_t s[VC_PACE_NONCE_LEN], z[VC_PACE_NONCE_LEN];
    ks_status st = rng(ctx, s, sizeof s);
    if (st == KS_OK)
        st = pace->proto.aes
                 ? vc_aes_cbc(pace->k_pi, pace->proto.key_len, NULL, true, s, sizeof s, z)
                 : vc_3des_cbc(pace->k_pi, true, s, sizeof s, z);
    if (st == KS_OK) {
        pace->s = BN_bin2bn(s, sizeof s, NULL);
        st = pace->s ? answer(0x80, z, sizeof z, out, cap, out_len) : KS_ERR_NO_MEMORY;
    }
    OPENSSL_cleanse(s, sizeof s);
    return st;
}

/* A fresh key pair: *sk random, public sk * base encoded into pub. */
static ks_status new_key_pair(vc_pace *pace, const vc_elem *base, vc_rng_fn rng, void *ctx,
                              BIGNUM **sk, uint8_t *pub, size_t *pub_len)
{
    ks_status st = vc_group_random_scalar(&pace->group, rng, ctx, sk);
    if (st != KS_OK)
        return st;
    vc_elem pk;
    st = vc_group_mul(&pace->group, *sk, base, &pk);
    if (st == KS_OK)
        st = vc_group_encode(&pace->group, &pk, pub, VC_GROUP_MAX_ELEM, pub_len);
    vc_elem_free(&pk);
    return st;
}

static ks_status step_map(vc_pace *pace, const tlv *host_pk, vc_rng_fn rng, void *ctx,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    vc_elem g, peer, h;
    memset(&h, 0, sizeof h);
    ks_status st = vc_group_decode(&pace->group, host_pk->value, host_pk->len, &peer);
    if (st != KS_OK)
        return st;
    uint8_t pub[VC_GROUP_MAX_ELEM];
    size_t pub_len = 0;
    st = vc_group_generator(&pace->group, &g);
    if (st == KS_OK)
        st = new_key_pair(pace, &g, rng, ctx, &pace->sk_map, pub, &pub_len);
    /* H = SK_map,IC * PK_map,IFD; G' = s * G + H. */
    if (st == KS_OK)
        st = vc_group_mul(&pace->group, pace->sk_map, &peer, &h);
    if (st == KS_OK)
        st = vc_group_map_generic(&pace->group, pace->s, &h, &pace->gen);
    if (st == KS_OK)
        st = answer(0x82, pub, pub_len, out, cap, out_len);
    vc_elem_free(&g);
    vc_elem_free(&peer);
    vc_elem_free(&h);
    return st;
}

/* 7F49 { 06 OID, 86 point | 84 DH value }: what a token authenticates. */
static ks_status public_key_object(const vc_pace *pace, const uint8_t *pk, size_t pk_len,
                                   uint8_t *out, size_t cap, size_t *out_len)
{
    tlv_writer w;
    tlv_writer_init(&w, out, cap);
    tlv_open(&w, 0x7F49);
    tlv_put(&w, 0x06, pace->oid, pace->oid_len);
    tlv_put(&w, pace->proto.ecdh ? 0x86u : 0x84u, pk, pk_len);
    tlv_close(&w);
    if (tlv_writer_status(&w) != KS_OK)
        return KS_ERR_TOO_LARGE;
    *out_len = w.len;
    return KS_OK;
}

static ks_status token(const vc_pace *pace, const uint8_t *ks_mac, const uint8_t *pk,
                       size_t pk_len, uint8_t tok[TOKEN_LEN])
{
    uint8_t obj[VC_GROUP_MAX_ELEM + 40];
    size_t n = 0;
    ks_status st = public_key_object(pace, pk, pk_len, obj, sizeof obj, &n);
    if (st == KS_OK)
        st = vc_proto_mac(&pace->proto, ks_mac, obj, n, tok);
    return st;
}

static ks_status step_agree(vc_pace *pace, const tlv *host_pk, vc_rng_fn rng, void *ctx,
                            uint8_t *out, size_t cap, size_t *out_len)
{
    vc_elem peer;
    ks_status st = vc_group_decode(&pace->group, host_pk->value, host_pk->len, &peer);
    if (st != KS_OK)
        return st;
    vc_elem_free(&peer); /* kept only as bytes until step 4 */
    st = new_key_pair(pace, &pace->gen, rng, ctx, &pace->sk_eph, pace->pk_chip,
                      &pace->pk_chip_len);
    /* The terminal must not echo the chip's key (Doc 9303 Part 11, 4.4.3.4). */
    if (st == KS_OK && host_pk->len == pace->pk_chip_len &&
        memcmp(host_pk->value, pace->pk_chip, host_pk->len) == 0)
        st = KS_ERR_MALFORMED;
    if (st == KS_OK)
        st = answer(0x84, pace->pk_chip, pace->pk_chip_len, out, cap, out_len);
    return st;
}

static ks_status step_tokens(vc_pace *pace, const tlv *host_token, const uint8_t *host_pk,
                             size_t host_pk_len, uint8_t *out, size_t cap, size_t *out_len,
                             vc_sm *session)
{
    if (host_token->len != TOKEN_LEN)
        return KS_ERR_MALFORMED;
    vc_elem peer, k;
    memset(&k, 0, sizeof k);
    ks_status st = vc_group_decode(&pace->group, host_pk, host_pk_len, &peer);
    if (st != KS_OK)
        return st;
    uint8_t secret[VC_GROUP_MAX_ELEM], ks_mac[32], mine[TOKEN_LEN], theirs[TOKEN_LEN];
    size_t slen = 0;
    st = vc_group_mul(&pace->group, pace->sk_eph, &peer, &k);
    if (st == KS_OK)
        st = vc_group_secret(&pace->group, &k, secret, sizeof secret, &slen);
    if (st == KS_OK)
        st = vc_proto_kdf(&pace->proto, secret, slen, 2, ks_mac);
    /* The terminal's token covers the chip's key, and the chip's token the terminal's. */
    if (st == KS_OK)
        st = token(pace, ks_mac, pace->pk_chip, pace->pk_chip_len, theirs);
    if (st == KS_OK && !vc_equal_ct(theirs, host_token->value, TOKEN_LEN))
        st = KS_ERR_AUTH;
    if (st == KS_OK)
        st = token(pace, ks_mac, host_pk, host_pk_len, mine);
    if (st == KS_OK)
        st = vc_proto_start_sm(&pace->proto, secret, slen, session);
    if (st == KS_OK)
        st = answer(0x86, mine, TOKEN_LEN, out, cap, out_len);
    vc_elem_free(&peer);
    vc_elem_free(&k);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(ks_mac, sizeof ks_mac);
    return st;
}

ks_status vc_pace_general_authenticate(vc_pace *pace, const uint8_t *data, size_t len,
                                       vc_rng_fn rng, void *rng_ctx, uint8_t *out, size_t cap,
                                       size_t *out_len, vc_sm *session, bool *established)
{
    if (!pace || (!data && len) || !rng || !out || !out_len || !session || !established)
        return KS_ERR_ARG;
    *established = false;
    tlv in;
    ks_status st;
    switch (pace->stage) {
    case 1:
        st = dynamic_data(data, len, 0, &in);
        if (st == KS_OK)
            st = step_nonce(pace, rng, rng_ctx, out, cap, out_len);
        break;
    case 2:
        st = dynamic_data(data, len, 0x81, &in);
        if (st == KS_OK)
            st = step_map(pace, &in, rng, rng_ctx, out, cap, out_len);
        break;
    case 3:
        st = dynamic_data(data, len, 0x83, &in);
        if (st == KS_OK && in.len > sizeof pace->pk_host)
            st = KS_ERR_MALFORMED;
        if (st == KS_OK)
            st = step_agree(pace, &in, rng, rng_ctx, out, cap, out_len);
        if (st == KS_OK) {
            memcpy(pace->pk_host, in.value, in.len);
            pace->pk_host_len = in.len;
        }
        break;
    case 4:
        st = dynamic_data(data, len, 0x85, &in);
        if (st == KS_OK)
            st = step_tokens(pace, &in, pace->pk_host, pace->pk_host_len, out, cap, out_len,
                             session);
        if (st == KS_OK) {
            *established = true;
            vc_pace_reset(pace); /* one run, one session */
            return KS_OK;
        }
        break;
    default:
        st = KS_ERR_ACCESS;
        break;
    }
    if (st == KS_OK) {
        pace->stage++;
        return KS_OK;
    }
    vc_pace_reset(pace);
    return st;
}
