/*
 * pace_map.c — the group arithmetic of PACE: domain parameters by id, the
 * Generic Mapping, public keys, key agreement and peer-key validation, for
 * elliptic curves (EC_GROUP/EC_POINT) and MODP groups (BIGNUM).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "pace.h"

/* One set of domain parameters, either kind. */
typedef struct pace_group {
    EC_GROUP *ec;
    BIGNUM *p, *q, *g;     /* MODP */
    size_t elem_len;       /* EC field size or |p|, bytes */
    BN_CTX *bn;
} pace_group;

static void group_free(pace_group *gr)
{
    EC_GROUP_free(gr->ec);
    BN_free(gr->p);
    BN_free(gr->q);
    BN_free(gr->g);
    BN_CTX_free(gr->bn);
    memset(gr, 0, sizeof *gr);
}

static int curve_nid(int id)
{
    switch (id) {
    case 8: return NID_X9_62_prime192v1;
    case 9: return NID_brainpoolP192r1;
    case 10: return NID_secp224r1;
    case 11: return NID_brainpoolP224r1;
    case 12: return NID_X9_62_prime256v1;
    case 13: return NID_brainpoolP256r1;
    case 14: return NID_brainpoolP320r1;
    case 15: return NID_secp384r1;
    case 16: return NID_brainpoolP384r1;
    case 17: return NID_brainpoolP512r1;
    case 18: return NID_secp521r1;
    default: return 0;
    }
}

static ks_status group_load(int id, pace_group *gr)
{
    memset(gr, 0, sizeof *gr);
    gr->bn = BN_CTX_secure_new();
    if (!gr->bn)
        return KS_ERR_NO_MEMORY;
    int nid = curve_nid(id);
    if (nid) {
        gr->ec = EC_GROUP_new_by_curve_name(nid);
        if (!gr->ec)
            return KS_ERR_CRYPTO;
        gr->elem_len = (size_t)(EC_GROUP_get_degree(gr->ec) + 7) / 8;
        return KS_OK;
    }
    EVP_PKEY *dom = secinfo_std_domain(id);
    if (!dom)
        return KS_ERR_UNSUPPORTED;
    int ok = EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_P, &gr->p) == 1 &&
             EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_Q, &gr->q) == 1 &&
             EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_G, &gr->g) == 1;
    EVP_PKEY_free(dom);
    if (!ok)
        return KS_ERR_CRYPTO;
    gr->elem_len = (size_t)BN_num_bytes(gr->p);
    return KS_OK;
}

/* The order of the prime subgroup keys live in. */
static const BIGNUM *group_order(const pace_group *gr)
{
    return gr->ec ? EC_GROUP_get0_order(gr->ec) : gr->q;
}

/* --- element encoding and validation ---------------------------------- */

static ks_status point_decode(const pace_group *gr, const uint8_t *in, size_t len, EC_POINT *pt)
{
    /* Only the uncompressed form 9303 prescribes, exactly the field size. */
    if (len != 1 + 2 * gr->elem_len || in[0] != 0x04)
        return KS_ERR_MALFORMED;
    if (EC_POINT_oct2point(gr->ec, pt, in, len, gr->bn) != 1)
        return KS_ERR_MALFORMED; /* not on the curve */
    if (EC_POINT_is_at_infinity(gr->ec, pt))
        return KS_ERR_MALFORMED;
    /* Standard curves here have cofactor 1, so on-curve means in the group. */
    return KS_OK;
}

static ks_status point_encode(const pace_group *gr, const EC_POINT *pt, uint8_t *out, size_t cap,
                              size_t *len)
{
    if (EC_POINT_is_at_infinity(gr->ec, pt))
        return KS_ERR_CRYPTO;
    size_t n = EC_POINT_point2oct(gr->ec, pt, POINT_CONVERSION_UNCOMPRESSED, NULL, 0, gr->bn);
    if (n == 0)
        return KS_ERR_CRYPTO;
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    if (EC_POINT_point2oct(gr->ec, pt, POINT_CONVERSION_UNCOMPRESSED, out, cap, gr->bn) != n)
        return KS_ERR_CRYPTO;
    *len = n;
    return KS_OK;
}

/* A MODP element y must satisfy 1 < y < p-1 and y^q = 1 (prime-order subgroup). */
static ks_status modp_decode(const pace_group *gr, const uint8_t *in, size_t len, BIGNUM *y)
{
    if (len == 0 || len > gr->elem_len)
        return KS_ERR_MALFORMED;
    if (!BN_bin2bn(in, (int)len, y))
        return KS_ERR_CRYPTO;
    BN_CTX_start(gr->bn);
    BIGNUM *pm1 = BN_CTX_get(gr->bn), *t = BN_CTX_get(gr->bn);
    ks_status st = KS_ERR_CRYPTO;
    if (t && BN_copy(pm1, gr->p) && BN_sub_word(pm1, 1)) {
        if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
            st = KS_ERR_MALFORMED;
        else if (BN_mod_exp(t, y, gr->q, gr->p, gr->bn) != 1)
            st = KS_ERR_CRYPTO;
        else
            st = BN_is_one(t) ? KS_OK : KS_ERR_MALFORMED;
    }
    BN_CTX_end(gr->bn);
    return st;
}

static ks_status modp_encode(const pace_group *gr, const BIGNUM *y, uint8_t *out, size_t cap,
                             size_t *len)
{
    if (gr->elem_len > cap)
        return KS_ERR_TOO_LARGE;
    if (BN_bn2binpad(y, out, (int)gr->elem_len) < 0)
        return KS_ERR_CRYPTO;
    *len = gr->elem_len;
    return KS_OK;
}

static ks_status scalar_decode(const uint8_t *in, size_t len, BIGNUM *k)
{
    if (len == 0 || len > 132)
        return KS_ERR_ARG;
    if (!BN_bin2bn(in, (int)len, k))
        return KS_ERR_CRYPTO;
    return BN_is_zero(k) ? KS_ERR_ARG : KS_OK;
}

/* --- public operations ----------------------------------------------- */

ks_status pace_random_key(int parameter_id, uint8_t *sk, size_t cap, size_t *len)
{
    if (!sk || !len)
        return KS_ERR_ARG;
    pace_group gr;
    ks_status st = group_load(parameter_id, &gr);
    BIGNUM *k = BN_secure_new(), *range = BN_new();
    if (st == KS_OK && (!k || !range))
        st = KS_ERR_NO_MEMORY;
    if (st == KS_OK) {
        /* Uniform in [1, order-1]. */
        const BIGNUM *n = group_order(&gr);
        size_t n_len = (size_t)BN_num_bytes(n);
        if (n_len > cap)
            st = KS_ERR_TOO_LARGE;
        else if (!BN_copy(range, n) || !BN_sub_word(range, 1) ||
                 BN_priv_rand_range_ex(k, range, 0, gr.bn) != 1 || !BN_add_word(k, 1) ||
                 BN_bn2binpad(k, sk, (int)n_len) < 0)
            st = KS_ERR_CRYPTO;
        else
            *len = n_len;
    }
    BN_clear_free(k);
    BN_free(range);
    group_free(&gr);
    return st;
}

static ks_status ec_map(pace_group *gr, const BIGNUM *s, const BIGNUM *sk_map,
                        const uint8_t *pk_map_ic, size_t pk_len, uint8_t *h, uint8_t *gen,
                        size_t cap, size_t *len)
{
    EC_POINT *pk = EC_POINT_new(gr->ec), *hp = EC_POINT_new(gr->ec), *g2 = EC_POINT_new(gr->ec);
    ks_status st = (pk && hp && g2) ? KS_OK : KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = point_decode(gr, pk_map_ic, pk_len, pk);
    if (st == KS_OK && EC_POINT_mul(gr->ec, hp, NULL, pk, sk_map, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    /* G' = s*G + H in one call: EC_POINT_mul computes n*G + m*Q. */
    BIGNUM *one = BN_new();
    if (st == KS_OK && (!one || !BN_one(one)))
        st = KS_ERR_CRYPTO;
    if (st == KS_OK && EC_POINT_mul(gr->ec, g2, s, hp, one, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    size_t n = 0;
    if (st == KS_OK && h)
        st = point_encode(gr, hp, h, cap, &n);
    if (st == KS_OK)
        st = point_encode(gr, g2, gen, cap, len);
    BN_free(one);
    EC_POINT_clear_free(pk);
    EC_POINT_clear_free(hp);
    EC_POINT_clear_free(g2);
    return st;
}

static ks_status dh_map(pace_group *gr, const BIGNUM *s, const BIGNUM *sk_map,
                        const uint8_t *pk_map_ic, size_t pk_len, uint8_t *h, uint8_t *gen,
                        size_t cap, size_t *len)
{
    BN_CTX_start(gr->bn);
    BIGNUM *pk = BN_CTX_get(gr->bn), *hv = BN_CTX_get(gr->bn), *gs = BN_CTX_get(gr->bn);
    ks_status st = gs ? KS_OK : KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = modp_decode(gr, pk_map_ic, pk_len, pk);
    if (st == KS_OK && (BN_mod_exp(hv, pk, sk_map, gr->p, gr->bn) != 1 ||
                        BN_mod_exp(gs, gr->g, s, gr->p, gr->bn) != 1 ||
                        BN_mod_mul(gs, gs, hv, gr->p, gr->bn) != 1))
        st = KS_ERR_CRYPTO;
    /* A degenerate generator would make every later key predictable. */
    if (st == KS_OK && BN_is_one(gs))
        st = KS_ERR_MALFORMED;
    size_t n = 0;
    if (st == KS_OK && h)
        st = modp_encode(gr, hv, h, cap, &n);
    if (st == KS_OK)
        st = modp_encode(gr, gs, gen, cap, len);
    BN_clear(hv);
    BN_clear(gs);
    BN_CTX_end(gr->bn);
    return st;
}

ks_status pace_gm_map(int parameter_id, const uint8_t *s, size_t s_len, const uint8_t *sk_map,
                      size_t sk_map_len, const uint8_t *pk_map_ic, size_t pk_map_ic_len,
                      uint8_t *h, uint8_t *generator, size_t cap, size_t *len)
{
    if (!s || !sk_map || !pk_map_ic || !generator || !len || s_len == 0 || s_len > 64)
        return KS_ERR_ARG;
    pace_group gr;
    ks_status st = group_load(parameter_id, &gr);
    BIGNUM *sb = BN_secure_new(), *kb = BN_secure_new();
    if (st == KS_OK && (!sb || !kb))
        st = KS_ERR_NO_MEMORY;
    if (st == KS_OK && !BN_bin2bn(s, (int)s_len, sb))
        st = KS_ERR_CRYPTO;
    if (st == KS_OK)
        st = scalar_decode(sk_map, sk_map_len, kb);
    if (st == KS_OK)
        st = gr.ec ? ec_map(&gr, sb, kb, pk_map_ic, pk_map_ic_len, h, generator, cap, len)
                   : dh_map(&gr, sb, kb, pk_map_ic, pk_map_ic_len, h, generator, cap, len);
    BN_clear_free(sb);
    BN_clear_free(kb);
    group_free(&gr);
    return st;
}

static ks_status ec_public(pace_group *gr, const uint8_t *generator, size_t generator_len,
                           const BIGNUM *k, uint8_t *out, size_t cap, size_t *len)
{
    EC_POINT *g = EC_POINT_new(gr->ec), *pk = EC_POINT_new(gr->ec);
    ks_status st = (g && pk) ? KS_OK : KS_ERR_NO_MEMORY;
    if (st == KS_OK) {
        if (generator)
            st = point_decode(gr, generator, generator_len, g);
        else if (!EC_POINT_copy(g, EC_GROUP_get0_generator(gr->ec)))
            st = KS_ERR_CRYPTO;
    }
    if (st == KS_OK && EC_POINT_mul(gr->ec, pk, NULL, g, k, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    if (st == KS_OK)
        st = point_encode(gr, pk, out, cap, len);
    EC_POINT_free(g);
    EC_POINT_free(pk);
    return st;
}

static ks_status dh_public(pace_group *gr, const uint8_t *generator, size_t generator_len,
                           const BIGNUM *k, uint8_t *out, size_t cap, size_t *len)
{
    BN_CTX_start(gr->bn);
    BIGNUM *g = BN_CTX_get(gr->bn), *y = BN_CTX_get(gr->bn);
    ks_status st = y ? KS_OK : KS_ERR_NO_MEMORY;
    if (st == KS_OK) {
        if (generator)
            st = modp_decode(gr, generator, generator_len, g);
        else if (!BN_copy(g, gr->g))
            st = KS_ERR_CRYPTO;
    }
    if (st == KS_OK && BN_mod_exp(y, g, k, gr->p, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    if (st == KS_OK)
        st = modp_encode(gr, y, out, cap, len);
    BN_CTX_end(gr->bn);
    return st;
}

ks_status pace_public_key(int parameter_id, const uint8_t *generator, size_t generator_len,
                          const uint8_t *sk, size_t sk_len, uint8_t *out, size_t cap,
                          size_t *len)
{
    if (!sk || !out || !len)
        return KS_ERR_ARG;
    pace_group gr;
    ks_status st = group_load(parameter_id, &gr);
    BIGNUM *k = BN_secure_new();
    if (st == KS_OK && !k)
        st = KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = scalar_decode(sk, sk_len, k);
    if (st == KS_OK)
        st = gr.ec ? ec_public(&gr, generator, generator_len, k, out, cap, len)
                   : dh_public(&gr, generator, generator_len, k, out, cap, len);
    BN_clear_free(k);
    group_free(&gr);
    return st;
}

static ks_status ec_shared(pace_group *gr, const BIGNUM *k, const uint8_t *pk, size_t pk_len,
                           uint8_t *out, size_t cap, size_t *len)
{
    EC_POINT *q = EC_POINT_new(gr->ec), *r = EC_POINT_new(gr->ec);
    BIGNUM *x = BN_secure_new();
    ks_status st = (q && r && x) ? KS_OK : KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = point_decode(gr, pk, pk_len, q);
    if (st == KS_OK && EC_POINT_mul(gr->ec, r, NULL, q, k, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    if (st == KS_OK && EC_POINT_is_at_infinity(gr->ec, r))
        st = KS_ERR_MALFORMED;
    if (st == KS_OK && EC_POINT_get_affine_coordinates(gr->ec, r, x, NULL, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    if (st == KS_OK && gr->elem_len > cap)
        st = KS_ERR_TOO_LARGE;
    if (st == KS_OK && BN_bn2binpad(x, out, (int)gr->elem_len) < 0)
        st = KS_ERR_CRYPTO;
    if (st == KS_OK)
        *len = gr->elem_len;
    BN_clear_free(x);
    EC_POINT_free(q);
    EC_POINT_clear_free(r);
    return st;
}

static ks_status dh_shared(pace_group *gr, const BIGNUM *k, const uint8_t *pk, size_t pk_len,
                           uint8_t *out, size_t cap, size_t *len)
{
    BN_CTX_start(gr->bn);
    BIGNUM *y = BN_CTX_get(gr->bn), *z = BN_CTX_get(gr->bn);
    ks_status st = z ? KS_OK : KS_ERR_NO_MEMORY;
    /* The peer's key lives in the subgroup of the mapped generator, which is
     * the same prime-order subgroup as the standard one. */
    if (st == KS_OK)
        st = modp_decode(gr, pk, pk_len, y);
    if (st == KS_OK && BN_mod_exp(z, y, k, gr->p, gr->bn) != 1)
        st = KS_ERR_CRYPTO;
    if (st == KS_OK)
        st = modp_encode(gr, z, out, cap, len);
    BN_clear(z);
    BN_CTX_end(gr->bn);
    return st;
}

ks_status pace_shared_secret(int parameter_id, const uint8_t *sk, size_t sk_len,
                             const uint8_t *pk, size_t pk_len, uint8_t *out, size_t cap,
                             size_t *len)
{
    if (!sk || !pk || !out || !len)
        return KS_ERR_ARG;
    pace_group gr;
    ks_status st = group_load(parameter_id, &gr);
    BIGNUM *k = BN_secure_new();
    if (st == KS_OK && !k)
        st = KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = scalar_decode(sk, sk_len, k);
    if (st == KS_OK)
        st = gr.ec ? ec_shared(&gr, k, pk, pk_len, out, cap, len)
                   : dh_shared(&gr, k, pk, pk_len, out, cap, len);
    BN_clear_free(k);
    group_free(&gr);
    return st;
}
