#include "sod.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "lds.h"
#include "tlv.h"

/* id-icao-mrtd-security-ldsSecurityObject, 2.23.136.1.1.1, DER body */
static const uint8_t oid_lds_security_object[] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x01};

static bool is_supported_hash(int nid)
{
    return nid == NID_sha1 || nid == NID_sha224 || nid == NID_sha256 || nid == NID_sha384 ||
           nid == NID_sha512;
}

/* The bytes of an element including its header, from a decoded tlv. */
static const uint8_t *tlv_start(const tlv *e)
{
    return e->value - (e->total_len - e->len);
}

/* AlgorithmIdentifier { OID, NULL or nothing } -> a supported hash NID. */
static ks_status parse_hash_algorithm(const tlv *alg, int *nid)
{
    tlv_iter it;
    tlv oid, params;
    tlv_iter_init(&it, alg->value, alg->len);
    ks_status st = tlv_iter_next(&it, &oid);
    if (st != KS_OK)
        return st == KS_ERR_NOT_FOUND ? KS_ERR_MALFORMED : st;
    if (oid.tag != 0x06 || oid.len == 0)
        return KS_ERR_MALFORMED;
    st = tlv_iter_next(&it, &params);
    if (st == KS_OK) {
        if (params.tag != 0x05 || params.len != 0)
            return KS_ERR_MALFORMED;
        st = tlv_iter_next(&it, &params);
        if (st == KS_OK)
            return KS_ERR_MALFORMED;
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;

    const unsigned char *p = tlv_start(&oid);
    ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid.total_len);
    if (!obj)
        return KS_ERR_MALFORMED;
    int n = OBJ_obj2nid(obj);
    ASN1_OBJECT_free(obj);
    if (!is_supported_hash(n))
        return KS_ERR_UNSUPPORTED;
    *nid = n;
    return KS_OK;
}

/* DataGroupHash ::= SEQUENCE { INTEGER 1..16, OCTET STRING } */
static ks_status parse_dg_hash(const tlv *e, size_t digest_len, sod_hash *out)
{
    if (e->tag != 0x30)
        return KS_ERR_MALFORMED;
    tlv_iter it;
    tlv num, val, extra;
    tlv_iter_init(&it, e->value, e->len);
    if (tlv_iter_next(&it, &num) != KS_OK || tlv_iter_next(&it, &val) != KS_OK ||
        tlv_iter_next(&it, &extra) != KS_ERR_NOT_FOUND)
        return KS_ERR_MALFORMED;
    if (num.tag != 0x02 || num.len != 1 || num.value[0] < 1 || num.value[0] > 16)
        return KS_ERR_MALFORMED;
    if (val.tag != 0x04 || val.len != digest_len || val.len > sizeof out->value)
        return KS_ERR_MALFORMED;
    out->dg = num.value[0];
    memcpy(out->value, val.value, val.len);
    out->len = val.len;
    return KS_OK;
}

static ks_status parse_dg_hashes(const tlv *seq, sod *out)
{
    const EVP_MD *md = EVP_get_digestbynid(out->hash_nid);
    if (!md)
        return KS_ERR_UNSUPPORTED;
    size_t digest_len = (size_t)EVP_MD_get_size(md);
    if (seq->tag != 0x30)
        return KS_ERR_MALFORMED;
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, seq->value, seq->len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (out->n_hashes >= 16)
            return KS_ERR_MALFORMED;
        sod_hash h;
        st = parse_dg_hash(&e, digest_len, &h);
        if (st != KS_OK)
            return st;
        if (sod_find_hash(out, h.dg))
            return KS_ERR_MALFORMED; /* a data group hashed twice is ambiguous */
        out->hashes[out->n_hashes++] = h;
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;
    return out->n_hashes > 0 ? KS_OK : KS_ERR_MALFORMED;
}

static ks_status copy_printable(const tlv *e, char *dst, size_t cap)
{
    if (e->tag != 0x13 || e->len >= cap)
        return KS_ERR_MALFORMED;
    for (size_t i = 0; i < e->len; i++)
        if (e->value[i] < 0x20 || e->value[i] > 0x7E)
            return KS_ERR_MALFORMED;
    memcpy(dst, e->value, e->len);
    dst[e->len] = '\0';
    return KS_OK;
}

/* LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString } */
static ks_status parse_version_info(const tlv *e, sod *out)
{
    if (e->tag != 0x30)
        return KS_ERR_MALFORMED;
    tlv_iter it;
    tlv lds, uni, extra;
    tlv_iter_init(&it, e->value, e->len);
    if (tlv_iter_next(&it, &lds) != KS_OK || tlv_iter_next(&it, &uni) != KS_OK ||
        tlv_iter_next(&it, &extra) != KS_ERR_NOT_FOUND)
        return KS_ERR_MALFORMED;
    ks_status st = copy_printable(&lds, out->lds_version, sizeof out->lds_version);
    if (st == KS_OK)
        st = copy_printable(&uni, out->unicode_version, sizeof out->unicode_version);
    if (st == KS_OK)
        out->lds_version_present = 1;
    return st;
}

static ks_status parse_lds_security_object(const uint8_t *buf, size_t len, sod *out)
{
    tlv seq;
    ks_status st = tlv_expect(buf, len, 0x30, &seq);
    if (st != KS_OK)
        return st;
    tlv_iter it;
    tlv version, alg, hashes, info;
    tlv_iter_init(&it, seq.value, seq.len);
    if (tlv_iter_next(&it, &version) != KS_OK || tlv_iter_next(&it, &alg) != KS_OK ||
        tlv_iter_next(&it, &hashes) != KS_OK)
        return KS_ERR_MALFORMED;
    if (version.tag != 0x02 || version.len != 1 || version.value[0] > 1)
        return KS_ERR_MALFORMED;
    if (alg.tag != 0x30)
        return KS_ERR_MALFORMED;
    st = parse_hash_algorithm(&alg, &out->hash_nid);
    if (st == KS_OK)
        st = parse_dg_hashes(&hashes, out);
    if (st != KS_OK)
        return st;

    st = tlv_iter_next(&it, &info);
    if (version.value[0] == 0)
        return st == KS_ERR_NOT_FOUND ? KS_OK : KS_ERR_MALFORMED;
    if (st != KS_OK)
        return KS_ERR_MALFORMED; /* v1 requires LDSVersionInfo */
    st = parse_version_info(&info, out);
    if (st != KS_OK)
        return st;
    return tlv_iter_next(&it, &info) == KS_ERR_NOT_FOUND ? KS_OK : KS_ERR_MALFORMED;
}

static bool is_lds_content_type(const ASN1_OBJECT *obj)
{
    if (!obj)
        return false;
    size_t n = (size_t)OBJ_length(obj);
    const unsigned char *d = OBJ_get0_data(obj);
    return d && n == sizeof oid_lds_security_object &&
           memcmp(d, oid_lds_security_object, n) == 0;
}

static ks_status parse_cms(const uint8_t *der, size_t len, sod *out)
{
    if (len > 0x7FFFFFFF)
        return KS_ERR_TOO_LARGE;
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (!cms)
        return KS_ERR_MALFORMED;
    out->cms = cms;
    if (p != der + len)
        return KS_ERR_MALFORMED;
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
        return KS_ERR_UNSUPPORTED;
    if (!is_lds_content_type(CMS_get0_eContentType(cms)))
        return KS_ERR_UNSUPPORTED;
    STACK_OF(CMS_SignerInfo) *signers = CMS_get0_SignerInfos(cms);
    if (!signers || sk_CMS_SignerInfo_num(signers) < 1)
        return KS_ERR_MALFORMED;
    ASN1_OCTET_STRING **content = CMS_get0_content(cms);
    if (!content || !*content)
        return KS_ERR_MALFORMED; /* detached content: nothing to check the hashes against */
    int clen = ASN1_STRING_length(*content);
    const unsigned char *cdata = ASN1_STRING_get0_data(*content);
    if (clen <= 0 || !cdata)
        return KS_ERR_MALFORMED;
    return parse_lds_security_object(cdata, (size_t)clen, out);
}

ks_status sod_parse(const uint8_t *buf, size_t len, sod *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, LDS_TAG_SOD, &in, &in_len);
    if (st != KS_OK)
        return st;
    st = parse_cms(in, in_len, out);
    ERR_clear_error(); /* failures are reported by status, not the error queue */
    if (st != KS_OK)
        sod_free(out);
    return st;
}

void sod_free(sod *s)
{
    if (!s)
        return;
    CMS_ContentInfo_free((CMS_ContentInfo *)s->cms);
    memset(s, 0, sizeof *s);
}

const sod_hash *sod_find_hash(const sod *s, int dg)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->n_hashes && i < 16; i++)
        if (s->hashes[i].dg == dg)
            return &s->hashes[i];
    return NULL;
}
