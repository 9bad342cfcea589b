#include "vc_group.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#define MAX_SCALAR_TRIES 64

void vc_group_free(vc_group *g)
{
    if (!g)
        return;
    EC_GROUP_free(g->ec);
    BN_free(g->p);
    BN_free(g->g);
    BN_free(g->q);
    BN_CTX_free(g->bn);
    memset(g, 0, sizeof *g);
}

void vc_elem_free(vc_elem *e)
{
    if (!e)
        return;
    EC_POINT_clear_free(e->pt);
    BN_clear_free(e->bn);
    e->pt = NULL;
    e->bn = NULL;
}

static ks_status finish_ec(vc_group *g)
{
    g->bn = BN_CTX_new();
    if (!g->ec || !g->bn) {
        vc_group_free(g);
        return KS_ERR_CRYPTO;
    }
    g->field_len = (size_t)(EC_GROUP_get_degree(g->ec) + 7) / 8;
    return KS_OK;
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
    default: return NID_undef;
    }
}

/* Copies p, g and (when present) q out of a DH key or parameter set. */
static ks_status dh_from_pkey(vc_group *g, const EVP_PKEY *key)
{
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_P, &g->p) != 1 ||
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_G, &g->g) != 1) {
        vc_group_free(g);
        return KS_ERR_CRYPTO;
    }
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_Q, &g->q) != 1)
        g->q = NULL;
    g->bn = BN_CTX_new();
    if (!g->bn) {
        vc_group_free(g);
        return KS_ERR_NO_MEMORY;
    }
    g->field_len = (size_t)BN_num_bytes(g->p);
    return KS_OK;
}

/* RFC 5114 groups, which OpenSSL knows by name: ids 0, 1, 2. */
static ks_status dh_from_id(vc_group *g, int id)
{
    static const char *names[] = {"dh_1024_160", "dh_2048_224", "dh_2048_256"};
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DHX", NULL);
    EVP_PKEY *params = NULL;
    OSSL_PARAM p[2];
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)names[id], 0);
    p[1] = OSSL_PARAM_construct_end();
    ks_status st = KS_ERR_CRYPTO;
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &params, EVP_PKEY_KEY_PARAMETERS, p) == 1)
        st = dh_from_pkey(g, params);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

ks_status vc_group_from_param_id(vc_group *g, int id)
{
    if (!g)
        return KS_ERR_ARG;
    memset(g, 0, sizeof *g);
    if (id >= 0 && id <= 2)
        return dh_from_id(g, id);
    int nid = curve_nid(id);
    if (nid == NID_undef)
        return KS_ERR_UNSUPPORTED;
    g->ec = EC_GROUP_new_by_curve_name(nid);
    return finish_ec(g);
}

ks_status vc_group_from_pkey(vc_group *g, const EVP_PKEY *key, BIGNUM **priv)
{
    if (!g || !key)
        return KS_ERR_ARG;
    memset(g, 0, sizeof *g);
    int type = EVP_PKEY_get_base_id(key);
    ks_status st;
    if (type == EVP_PKEY_EC) {
        OSSL_PARAM *params = NULL;
        if (EVP_PKEY_todata(key, EVP_PKEY_KEY_PARAMETERS, &params) != 1)
            return KS_ERR_CRYPTO;
        g->ec = EC_GROUP_new_from_params(params, NULL, NULL);
        OSSL_PARAM_free(params);
        st = finish_ec(g);
    } else if (type == EVP_PKEY_DH || type == EVP_PKEY_DHX) {
        st = dh_from_pkey(g, key);
    } else {
        return KS_ERR_UNSUPPORTED;
    }
    if (st == KS_OK && priv) {
        *priv = NULL;
        if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) {
            vc_group_free(g);
            st = KS_ERR_CRYPTO;
        }
    }
    return st;
}

ks_status vc_group_generator(const vc_group *g, vc_elem *out)
{
    memset(out, 0, sizeof *out);
    if (g->ec) {
        out->pt = EC_POINT_dup(EC_GROUP_get0_generator(g->ec), g->ec);
        return out->pt ? KS_OK : KS_ERR_CRYPTO;
    }
    out->bn = BN_dup(g->g);
    return out->bn ? KS_OK : KS_ERR_CRYPTO;
}

ks_status vc_group_random_scalar(const vc_group *g, vc_rng_fn rng, void *rng_ctx, BIGNUM **out)
{
    BIGNUM *order = NULL;
    if (g->ec) {
        order = BN_dup(EC_GROUP_get0_order(g->ec));
    } else if (g->q) {
        order = BN_dup(g->q);
    } else {
        order = BN_dup(g->p);
        if (order && BN_sub_word(order, 1) != 1) {
            BN_free(order);
            order = NULL;
        }
    }
    if (!order)
        return KS_ERR_CRYPTO;
    size_t n = (size_t)BN_num_bytes(order);
    uint8_t buf[VC_GROUP_MAX_ELEM];
    ks_status st = n <= sizeof buf ? KS_ERR_CRYPTO : KS_ERR_UNSUPPORTED;
    BIGNUM *k = BN_new();
    for (int i = 0; k && n <= sizeof buf && i < MAX_SCALAR_TRIES; i++) {
        st = rng(rng_ctx, buf, n);
        if (st != KS_OK)
            break;
        st = KS_ERR_CRYPTO;
        /* Only as many bits as the order has (P-521's order is 521 bits in 66
         * bytes): otherwise almost every draw would be rejected below. */
        buf[0] &= (uint8_t)(0xFFu >> (n * 8 - (size_t)BN_num_bits(order)));
        /* Rejection sampling keeps the key uniform and lets a test feed a known key. */
        if (!BN_bin2bn(buf, (int)n, k))
            break;
        if (!BN_is_zero(k) && BN_cmp(k, order) < 0) {
            *out = k;
            k = NULL;
            st = KS_OK;
            break;
        }
    }
    memset(buf, 0, sizeof buf);
    BN_clear_free(k);
    BN_free(order);
    return st;
}

ks_status vc_group_mul(const vc_group *g, const BIGNUM *k, const vc_elem *base, vc_elem *out)
{
    memset(out, 0, sizeof *out);
    if (g->ec) {
        out->pt = EC_POINT_new(g->ec);
        if (!out->pt || EC_POINT_mul(g->ec, out->pt, NULL, base->pt, k, g->bn) != 1) {
            vc_elem_free(out);
            return KS_ERR_CRYPTO;
        }
        return KS_OK;
    }
    out->bn = BN_new();
    if (!out->bn || BN_mod_exp(out->bn, base->bn, k, g->p, g->bn) != 1) {
        vc_elem_free(out);
        return KS_ERR_CRYPTO;
    }
    return KS_OK;
}

ks_status vc_group_map_generic(const vc_group *g, const BIGNUM *s, const vc_elem *h,
                               vc_elem *out)
{
    memset(out, 0, sizeof *out);
    if (g->ec) {
        out->pt = EC_POINT_new(g->ec);
        /* EC_POINT_mul computes s*G + 1*H in one call. */
        BIGNUM *one = BN_new();
        bool ok = out->pt && one && BN_one(one) == 1 &&
                  EC_POINT_mul(g->ec, out->pt, s, h->pt, one, g->bn) == 1 &&
                  EC_POINT_is_at_infinity(g->ec, out->pt) == 0;
        BN_free(one);
        if (!ok) {
            vc_elem_free(out);
            return KS_ERR_CRYPTO;
        }
        return KS_OK;
    }
    out->bn = BN_new();
    BIGNUM *gs = BN_new();
    bool ok = out->bn && gs && BN_mod_exp(gs, g->g, s, g->p, g->bn) == 1 &&
              BN_mod_mul(out->bn, gs, h->bn, g->p, g->bn) == 1 && !BN_is_one(out->bn);
    BN_clear_free(gs);
    if (!ok) {
        vc_elem_free(out);
        return KS_ERR_CRYPTO;
    }
    return KS_OK;
}

static ks_status decode_dh(const vc_group *g, const uint8_t *in, size_t len, vc_elem *out)
{
    if (len == 0 || len > g->field_len)
        return KS_ERR_MALFORMED;
    out->bn = BN_bin2bn(in, (int)len, NULL);
    BIGNUM *pm1 = BN_dup(g->p);
    BIGNUM *t = BN_new();
    ks_status st = KS_ERR_CRYPTO;
    if (out->bn && pm1 && t && BN_sub_word(pm1, 1) == 1) {
        /* 1 < y < p-1, and y in the order-q subgroup when q is known. */
        st = KS_ERR_MALFORMED;
        if (BN_cmp(out->bn, BN_value_one()) > 0 && BN_cmp(out->bn, pm1) < 0) {
            if (!g->q)
                st = KS_OK;
            else if (BN_mod_exp(t, out->bn, g->q, g->p, g->bn) == 1 && BN_is_one(t))
                st = KS_OK;
        }
    }
    BN_free(pm1);
    BN_free(t);
    if (st != KS_OK)
        vc_elem_free(out);
    return st;
}

ks_status vc_group_decode(const vc_group *g, const uint8_t *in, size_t len, vc_elem *out)
{
    if (!g || !in || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!g->ec)
        return decode_dh(g, in, len, out);
    /* Uncompressed points only, as Doc 9303 prescribes. */
    if (len != 1 + 2 * g->field_len || in[0] != 0x04)
        return KS_ERR_MALFORMED;
    out->pt = EC_POINT_new(g->ec);
    if (!out->pt)
        return KS_ERR_NO_MEMORY;
    /* EC_POINT_oct2point rejects points off the curve. */
    if (EC_POINT_oct2point(g->ec, out->pt, in, len, g->bn) != 1 ||
        EC_POINT_is_at_infinity(g->ec, out->pt) ||
        EC_POINT_is_on_curve(g->ec, out->pt, g->bn) != 1) {
        vc_elem_free(out);
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

ks_status vc_group_encode(const vc_group *g, const vc_elem *e, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    if (!g || !e || !out || !out_len)
        return KS_ERR_ARG;
    if (g->ec) {
        size_t n = EC_POINT_point2oct(g->ec, e->pt, POINT_CONVERSION_UNCOMPRESSED, out, cap,
                                      g->bn);
        if (n != 1 + 2 * g->field_len)
            return KS_ERR_CRYPTO;
        *out_len = n;
        return KS_OK;
    }
    if (cap < g->field_len || cap > 0x7FFFFFFF ||
        BN_bn2binpad(e->bn, out, (int)g->field_len) != (int)g->field_len)
        return KS_ERR_TOO_LARGE;
    *out_len = g->field_len;
    return KS_OK;
}

ks_status vc_group_secret(const vc_group *g, const vc_elem *e, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    if (!g || !e || !out || !out_len || cap < g->field_len)
        return KS_ERR_ARG;
    if (!g->ec)
        return vc_group_encode(g, e, out, cap, out_len);
    BIGNUM *x = BN_new();
    ks_status st = KS_ERR_CRYPTO;
    if (x && EC_POINT_is_at_infinity(g->ec, e->pt) == 0 &&
        EC_POINT_get_affine_coordinates(g->ec, e->pt, x, NULL, g->bn) == 1 &&
        BN_bn2binpad(x, out, (int)g->field_len) == (int)g->field_len) {
        *out_len = g->field_len;
        st = KS_OK;
    }
    BN_clear_free(x);
    return st;
}
