#include "secinfo.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>

#include "tlv.h"

#define TAG_INTEGER 0x02u
#define TAG_OID 0x06u
#define TAG_SEQUENCE 0x30u
#define TAG_SET 0x31u

#define MAX_ARCS 16

/* The arcs under bsi-de (0.4.0.127.0.7) that SecurityInfos use. */
static const uint32_t BSI_DE[] = {0, 4, 0, 127, 0, 7};
#define BSI_LEN 6u

typedef struct oid_arcs {
    uint32_t arc[MAX_ARCS];
    size_t n;
} oid_arcs;

/* Decodes DER OID content into arcs and dotted text. Arcs above 2^28 are
 * refused: nothing in these structures uses them and it keeps the maths
 * overflow-free. */
static ks_status oid_decode(const uint8_t *v, size_t len, oid_arcs *o, char *text, size_t cap)
{
    if (len == 0)
        return KS_ERR_MALFORMED;
    o->n = 0;
    uint32_t cur = 0;
    bool in_arc = false;
    for (size_t i = 0; i < len; i++) {
        if (!in_arc && v[i] == 0x80)
            return KS_ERR_MALFORMED; /* non-minimal encoding */
        if (cur > (UINT32_MAX >> 11))
            return KS_ERR_UNSUPPORTED;
        cur = cur << 7 | (v[i] & 0x7Fu);
        in_arc = true;
        if (v[i] & 0x80)
            continue;
        if (o->n == 0) {
            uint32_t first = cur < 40 ? 0 : cur < 80 ? 1 : 2;
            o->arc[o->n++] = first;
            o->arc[o->n++] = cur - 40 * first;
        } else {
            if (o->n >= MAX_ARCS)
                return KS_ERR_UNSUPPORTED;
            o->arc[o->n++] = cur;
        }
        cur = 0;
        in_arc = false;
    }
    if (in_arc)
        return KS_ERR_MALFORMED;
    size_t pos = 0;
    text[0] = '\0';
    for (size_t i = 0; i < o->n; i++) {
        int w = snprintf(text + pos, cap - pos, i ? ".%u" : "%u", (unsigned)o->arc[i]);
        if (w < 0 || (size_t)w >= cap - pos)
            return KS_ERR_UNSUPPORTED; /* longer than anything we recognise */
        pos += (size_t)w;
    }
    return KS_OK;
}

static bool oid_under(const oid_arcs *o, const uint32_t *prefix, size_t n)
{
    if (o->n < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (o->arc[i] != prefix[i])
            return false;
    return true;
}

/* o is bsi-de.2.2.<proto>.<rest...> with exactly `tail` more arcs. */
static bool bsi_protocol(const oid_arcs *o, uint32_t proto, size_t tail)
{
    return oid_under(o, BSI_DE, BSI_LEN) && o->n == BSI_LEN + 3 + tail && o->arc[6] == 2 &&
           o->arc[7] == 2 && o->arc[8] == proto;
}

/* A small non-negative DER INTEGER. */
static ks_status int_decode(const tlv *t, int *out)
{
    if (t->tag != TAG_INTEGER || t->len == 0 || t->len > 5)
        return KS_ERR_MALFORMED;
    if (t->value[0] & 0x80)
        return KS_ERR_MALFORMED; /* negative */
    uint64_t v = 0;
    for (size_t i = 0; i < t->len; i++)
        v = v << 8 | t->value[i];
    if (v > INT_MAX)
        return KS_ERR_UNSUPPORTED;
    *out = (int)v;
    return KS_OK;
}

static ks_cipher cipher_arc(uint32_t a)
{
    switch (a) {
    case 1: return KS_CIPHER_3DES;
    case 2: return KS_CIPHER_AES128;
    case 3: return KS_CIPHER_AES192;
    case 4: return KS_CIPHER_AES256;
    default: return (ks_cipher)0;
    }
}

/* The elements after the OID in one SecurityInfo, at most three. */
typedef struct info_body {
    tlv el[3];
    size_t n;
} info_body;

enum { ID_PK = 1, ID_TA = 2, ID_CA = 3, ID_PACE = 4 };

static ks_status parse_pace(const oid_arcs *o, const char *oid, const info_body *b, secinfo_set *s)
{
    /* PACEInfo: bsi-de.2.2.4.<map/ka>.<cipher>; PACEDomainParameterInfo:
     * bsi-de.2.2.4.<map/ka> with an AlgorithmIdentifier. */
    uint32_t kind = o->arc[9];
    secinfo_ka ka;
    secinfo_mapping map;
    switch (kind) {
    case 1: ka = SECINFO_KA_DH, map = SECINFO_MAP_GM; break;
    case 2: ka = SECINFO_KA_ECDH, map = SECINFO_MAP_GM; break;
    case 3: ka = SECINFO_KA_DH, map = SECINFO_MAP_IM; break;
    case 4: ka = SECINFO_KA_ECDH, map = SECINFO_MAP_IM; break;
    case 6: ka = SECINFO_KA_ECDH, map = SECINFO_MAP_CAM; break;
    default: s->n_unknown++; return KS_OK;
    }
    if (o->n == BSI_LEN + 4) {
        if (b->n < 1 || b->el[0].tag != TAG_SEQUENCE)
            return KS_ERR_MALFORMED;
        int pid = -1;
        if (b->n >= 2 && int_decode(&b->el[1], &pid) != KS_OK)
            return KS_ERR_MALFORMED;
        if (s->n_pace_domain >= SECINFO_MAX) {
            s->n_unknown++;
            return KS_OK;
        }
        secinfo_domain *d = &s->pace_domain[s->n_pace_domain++];
        d->parameter_id = pid;
        d->algorithm_identifier = b->el[0].value - (b->el[0].total_len - b->el[0].len);
        d->algorithm_identifier_len = b->el[0].total_len;
        return KS_OK;
    }
    ks_cipher c = cipher_arc(o->arc[10]);
    if (!c) {
        s->n_unknown++;
        return KS_OK;
    }
    int version = 0, pid = -1;
    if (b->n < 1 || int_decode(&b->el[0], &version) != KS_OK)
        return KS_ERR_MALFORMED;
    if (b->n >= 2 && int_decode(&b->el[1], &pid) != KS_OK)
        return KS_ERR_MALFORMED;
    if (s->n_pace >= SECINFO_MAX) {
        s->n_unknown++;
        return KS_OK;
    }
    secinfo_pace *p = &s->pace[s->n_pace++];
    snprintf(p->oid, sizeof p->oid, "%s", oid);
    p->version = version;
    p->parameter_id = pid;
    p->ka = ka;
    p->mapping = map;
    p->cipher = c;
    return KS_OK;
}

static ks_status parse_ca(const oid_arcs *o, const char *oid, const info_body *b, secinfo_set *s)
{
    uint32_t kind = o->arc[9];
    if (kind != 1 && kind != 2) {
        s->n_unknown++;
        return KS_OK;
    }
    /* ChipAuthenticationDomainParameterInfo (no cipher arc) is not needed:
     * DG14's public key carries its own domain parameters. */
    if (o->n != BSI_LEN + 5) {
        s->n_unknown++;
        return KS_OK;
    }
    ks_cipher c = cipher_arc(o->arc[10]);
    if (!c) {
        s->n_unknown++;
        return KS_OK;
    }
    int version = 0, key_id = -1;
    if (b->n < 1 || int_decode(&b->el[0], &version) != KS_OK)
        return KS_ERR_MALFORMED;
    if (b->n >= 2 && int_decode(&b->el[1], &key_id) != KS_OK)
        return KS_ERR_MALFORMED;
    if (s->n_ca >= SECINFO_MAX) {
        s->n_unknown++;
        return KS_OK;
    }
    secinfo_ca *ca = &s->ca[s->n_ca++];
    snprintf(ca->oid, sizeof ca->oid, "%s", oid);
    ca->version = version;
    ca->key_id = key_id;
    ca->ka = kind == 1 ? SECINFO_KA_DH : SECINFO_KA_ECDH;
    ca->cipher = c;
    return KS_OK;
}

static ks_status parse_pk(const oid_arcs *o, const char *oid, const info_body *b, secinfo_set *s)
{
    uint32_t kind = o->arc[9];
    if (o->n != BSI_LEN + 4 || (kind != 1 && kind != 2)) {
        s->n_unknown++;
        return KS_OK;
    }
    if (b->n < 1 || b->el[0].tag != TAG_SEQUENCE)
        return KS_ERR_MALFORMED;
    int key_id = -1;
    if (b->n >= 2 && int_decode(&b->el[1], &key_id) != KS_OK)
        return KS_ERR_MALFORMED;
    if (s->n_ca_pk >= SECINFO_MAX) {
        s->n_unknown++;
        return KS_OK;
    }
    secinfo_ca_pk *pk = &s->ca_pk[s->n_ca_pk++];
    snprintf(pk->oid, sizeof pk->oid, "%s", oid);
    pk->key_id = key_id;
    pk->ka = kind == 1 ? SECINFO_KA_DH : SECINFO_KA_ECDH;
    pk->spki = b->el[0].value - (b->el[0].total_len - b->el[0].len);
    pk->spki_len = b->el[0].total_len;
    return KS_OK;
}

/* ecdsa-plain-SHAx (BSI TR-03111): bsi-de.1.1.4.1.<n>. */
static int plain_ecdsa_hash(const oid_arcs *o)
{
    static const uint32_t prefix[] = {0, 4, 0, 127, 0, 7, 1, 1, 4, 1};
    if (o->n != 11 || !oid_under(o, prefix, 10))
        return 0;
    switch (o->arc[10]) {
    case 1: return NID_sha1;
    case 2: return NID_sha224;
    case 3: return NID_sha256;
    case 4: return NID_sha384;
    case 5: return NID_sha512;
    case 6: return NID_ripemd160;
    default: return 0;
    }
}

static ks_status parse_aa(const info_body *b, secinfo_set *s)
{
    int version = 0;
    if (b->n < 1 || int_decode(&b->el[0], &version) != KS_OK)
        return KS_ERR_MALFORMED;
    secinfo_aa aa = {.version = version};
    if (b->n >= 2) {
        if (b->el[1].tag != TAG_OID)
            return KS_ERR_MALFORMED;
        oid_arcs sig;
        if (oid_decode(b->el[1].value, b->el[1].len, &sig, aa.signature_oid,
                       sizeof aa.signature_oid) != KS_OK)
            return KS_ERR_MALFORMED;
        aa.hash_nid = plain_ecdsa_hash(&sig);
    }
    if (s->has_aa) {
        s->n_unknown++; /* a second one cannot be told apart: keep the first */
        return KS_OK;
    }
    s->has_aa = true;
    s->aa = aa;
    return KS_OK;
}

static const uint32_t ID_AA[] = {2, 23, 136, 1, 1, 5};

/* Which parser an OID belongs to; 0 for infos this module does not know. */
typedef enum info_kind { INFO_UNKNOWN = 0, INFO_AA, INFO_TA, INFO_PACE, INFO_CA, INFO_PK } info_kind;

static info_kind classify(const oid_arcs *o)
{
    if (o->n == 6 && oid_under(o, ID_AA, 6))
        return INFO_AA;
    if (bsi_protocol(o, ID_TA, 0))
        return INFO_TA;
    if (bsi_protocol(o, ID_PACE, 1) || bsi_protocol(o, ID_PACE, 2))
        return INFO_PACE;
    if (bsi_protocol(o, ID_CA, 1) || bsi_protocol(o, ID_CA, 2))
        return INFO_CA;
    if (bsi_protocol(o, ID_PK, 1))
        return INFO_PK;
    return INFO_UNKNOWN;
}

/* Splits the SecurityInfo SEQUENCE into its OID and up to three more
 * elements; *extra is set when there are more than that. */
static ks_status split_info(const tlv *info, tlv *oid_el, info_body *b, bool *extra)
{
    if (info->tag != TAG_SEQUENCE)
        return KS_ERR_MALFORMED;
    tlv_iter it;
    tlv_iter_init(&it, info->value, info->len);
    ks_status st = tlv_iter_next(&it, oid_el);
    if (st == KS_ERR_NOT_FOUND || (st == KS_OK && oid_el->tag != TAG_OID))
        return KS_ERR_MALFORMED;
    if (st != KS_OK)
        return st;
    b->n = 0;
    *extra = false;
    for (;;) {
        tlv el;
        st = tlv_iter_next(&it, &el);
        if (st == KS_ERR_NOT_FOUND)
            return KS_OK;
        if (st != KS_OK)
            return st;
        if (b->n < 3)
            b->el[b->n++] = el;
        else
            *extra = true;
    }
}

static ks_status parse_one(const tlv *info, secinfo_set *s)
{
    tlv oid_el;
    info_body b;
    bool extra = false;
    ks_status st = split_info(info, &oid_el, &b, &extra);
    if (st != KS_OK)
        return st;
    oid_arcs o;
    char text[48];
    st = oid_decode(oid_el.value, oid_el.len, &o, text, sizeof text);
    if (st == KS_ERR_UNSUPPORTED) {
        s->n_unknown++; /* a well-formed OID too long for us is simply not ours */
        return KS_OK;
    }
    if (st != KS_OK)
        return st;
    info_kind kind = classify(&o);
    if (kind == INFO_UNKNOWN) {
        s->n_unknown++;
        return KS_OK;
    }
    /* Every known info has requiredData and at most two more fields. */
    if (b.n == 0 || extra)
        return KS_ERR_MALFORMED;
    switch (kind) {
    case INFO_AA: return parse_aa(&b, s);
    case INFO_PACE: return parse_pace(&o, text, &b, s);
    case INFO_CA: return parse_ca(&o, text, &b, s);
    case INFO_PK: return parse_pk(&o, text, &b, s);
    case INFO_TA: {
        int version = 0;
        if (int_decode(&b.el[0], &version) != KS_OK)
            return KS_ERR_MALFORMED;
        s->has_ta = true;
        return KS_OK;
    }
    default: return KS_ERR_MALFORMED;
    }
}

ks_status secinfo_parse(const uint8_t *buf, size_t len, secinfo_set *out)
{
    if (!buf || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    tlv set;
    ks_status st = tlv_expect(buf, len, TAG_SET, &set);
    if (st != KS_OK)
        return st;
    tlv_iter it;
    tlv_iter_init(&it, set.value, set.len);
    for (;;) {
        tlv info;
        st = tlv_iter_next(&it, &info);
        if (st == KS_ERR_NOT_FOUND)
            return KS_OK;
        if (st == KS_OK)
            st = parse_one(&info, out);
        if (st != KS_OK) {
            memset(out, 0, sizeof *out);
            return st == KS_ERR_UNSUPPORTED ? KS_ERR_MALFORMED : st;
        }
    }
}

static bool std_param_known(int id)
{
    return (id >= 0 && id <= 2) || (id >= 8 && id <= 18);
}

static int pace_score(const secinfo_pace *p)
{
    if (p->mapping != SECINFO_MAP_GM || !std_param_known(p->parameter_id))
        return 0;
    bool ec = p->parameter_id >= 8;
    if (ec != (p->ka == SECINFO_KA_ECDH))
        return 0;
    int score = p->ka == SECINFO_KA_ECDH ? 20 : 10;
    switch (p->cipher) {
    case KS_CIPHER_AES256: return score + 4;
    case KS_CIPHER_AES192: return score + 3;
    case KS_CIPHER_AES128: return score + 2;
    case KS_CIPHER_3DES: return score + 1;
    default: return 0;
    }
}

const secinfo_pace *secinfo_best_pace(const secinfo_set *s)
{
    if (!s)
        return NULL;
    const secinfo_pace *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < s->n_pace && i < SECINFO_MAX; i++) {
        int sc = pace_score(&s->pace[i]);
        if (sc > best_score) {
            best_score = sc;
            best = &s->pace[i];
        }
    }
    return best;
}

static const char *std_curve_name(int id)
{
    switch (id) {
    case 8: return SN_X9_62_prime192v1;
    case 9: return SN_brainpoolP192r1;
    case 10: return SN_secp224r1;
    case 11: return SN_brainpoolP224r1;
    case 12: return SN_X9_62_prime256v1;
    case 13: return SN_brainpoolP256r1;
    case 14: return SN_brainpoolP320r1;
    case 15: return SN_secp384r1;
    case 16: return SN_brainpoolP384r1;
    case 17: return SN_brainpoolP512r1;
    case 18: return SN_secp521r1;
    default: return NULL;
    }
}

static const char *std_modp_name(int id)
{
    switch (id) {
    case 0: return "dh_1024_160";
    case 1: return "dh_2048_224";
    case 2: return "dh_2048_256";
    default: return NULL;
    }
}

EVP_PKEY *secinfo_std_domain(int parameter_id)
{
    const char *curve = std_curve_name(parameter_id);
    const char *modp = std_modp_name(parameter_id);
    if (!curve && !modp)
        return NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, curve ? "EC" : "DHX", NULL);
    EVP_PKEY *params = NULL;
    if (!ctx)
        return NULL;
    OSSL_PARAM p[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(curve ? curve : modp),
                                         0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_PKEY_paramgen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, p) != 1 ||
        EVP_PKEY_paramgen(ctx, &params) != 1) {
        EVP_PKEY_free(params);
        params = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return params;
}
