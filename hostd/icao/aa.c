#include "aa.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "lds.h"

#define AA_MAX_CHALLENGE 64u

static void say(aa_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
}

/* Appends a note to the reason already set, so a default that was assumed
 * stays visible next to the verdict. */
static void say_more(aa_result *out, const char *note)
{
    size_t used = strlen(out->reason);
    if (used + 3 < sizeof out->reason)
        snprintf(out->reason + used, sizeof out->reason - used, "; %s", note);
}

int aa_hash_nid_from_iso_id(uint8_t id)
{
    /* ISO/IEC 10118-3 dedicated hash-function identifiers. */
    switch (id) {
    case 0x31: return NID_ripemd160;
    case 0x33: return NID_sha1;
    case 0x34: return NID_sha256;
    case 0x35: return NID_sha512;
    case 0x36: return NID_sha384;
    case 0x38: return NID_sha224;
    default: return 0;
    }
}

static EVP_MD *fetch_md(int nid)
{
    const char *name = OBJ_nid2sn(nid);
    return name ? EVP_MD_fetch(NULL, name, NULL) : NULL;
}

/* hash(a || b) into out; *out_len gets the digest size. */
static ks_status digest2(const EVP_MD *md, const uint8_t *a, size_t a_len, const uint8_t *b,
                         size_t b_len, uint8_t out[EVP_MAX_MD_SIZE], unsigned *out_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_ERR_CRYPTO;
    if (EVP_DigestInit_ex(ctx, md, NULL) == 1 && (a_len == 0 || EVP_DigestUpdate(ctx, a, a_len) == 1) &&
        (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1) &&
        EVP_DigestFinal_ex(ctx, out, out_len) == 1)
        st = KS_OK;
    EVP_MD_CTX_free(ctx);
    return st;
}

/* ---- RSA, ISO/IEC 9796-2 scheme 1 -------------------------------------- */

/* Checks the opened representative F (klen bytes). */
static ks_status check_representative(const uint8_t *f, size_t klen, int implicit_nid,
                                      const uint8_t *challenge, size_t challenge_len,
                                      aa_result *out)
{
    if ((f[0] & 0xC0u) != 0x40u) {
        say(out, "ISO 9796-2 header bits are not 01");
        return KS_OK;
    }
    bool partial = (f[0] & 0x20u) != 0;

    int nid;
    size_t trailer_len;
    if (f[klen - 1] == 0xBC) {
        nid = implicit_nid;
        trailer_len = 1;
    } else if (f[klen - 1] == 0xCC) {
        nid = aa_hash_nid_from_iso_id(f[klen - 2]);
        trailer_len = 2;
        if (nid == 0) {
            say(out, "ISO 9796-2 trailer names unknown hash id %02X", f[klen - 2]);
            return KS_OK;
        }
    } else {
        say(out, "ISO 9796-2 trailer %02X is neither BC nor ..CC", f[klen - 1]);
        return KS_OK;
    }

    /* Padding: the low nibble of the first byte starts it; nibbles B, the
     * last one A, then the message. */
    size_t m_start;
    if ((f[0] & 0x0Fu) == 0x0Au) {
        m_start = 1;
    } else if ((f[0] & 0x0Fu) == 0x0Bu) {
        size_t i = 1;
        while (i < klen && f[i] == 0xBB)
            i++;
        if (i >= klen || f[i] != 0xBA) {
            say(out, "ISO 9796-2 padding is malformed");
            return KS_OK;
        }
        m_start = i + 1;
    } else {
        say(out, "ISO 9796-2 padding is malformed");
        return KS_OK;
    }

    EVP_MD *md = fetch_md(nid);
    if (!md)
        return KS_ERR_CRYPTO;
    size_t hlen = (size_t)EVP_MD_get_size(md);
    if (m_start + hlen + trailer_len > klen) {
        EVP_MD_free(md);
        say(out, "ISO 9796-2 representative too short for its hash");
        return KS_OK;
    }
    const uint8_t *m1 = f + m_start;
    size_t m1_len = klen - trailer_len - hlen - m_start;
    const uint8_t *h = f + klen - trailer_len - hlen;

    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    ks_status st;
    if (partial) {
        /* The challenge is the non-recoverable part M2. */
        st = digest2(md, m1, m1_len, challenge, challenge_len, d, &dlen);
        if (st == KS_OK) {
            out->valid = dlen == hlen && CRYPTO_memcmp(d, h, hlen) == 0;
            say(out, out->valid ? "RSA ISO 9796-2 signature verified (%s, partial recovery)"
                                : "RSA ISO 9796-2 hash mismatch (%s, partial recovery)",
                OBJ_nid2sn(nid));
        }
    } else {
        /* Everything was recovered: the message must end with the challenge. */
        st = digest2(md, m1, m1_len, NULL, 0, d, &dlen);
        if (st == KS_OK) {
            bool ends = m1_len >= challenge_len &&
                        (challenge_len == 0 || memcmp(m1 + m1_len - challenge_len, challenge, challenge_len) == 0);
            out->valid = ends && dlen == hlen && CRYPTO_memcmp(d, h, hlen) == 0;
            say(out, out->valid ? "RSA ISO 9796-2 signature verified (%s, full recovery)"
                     : ends     ? "RSA ISO 9796-2 hash mismatch (%s, full recovery)"
                                : "RSA ISO 9796-2 recovered message lacks the challenge (%s)",
                OBJ_nid2sn(nid));
        }
    }
    EVP_MD_free(md);
    return st;
}

static ks_status rsa_verify(EVP_PKEY *pk, int implicit_nid, const uint8_t *challenge,
                            size_t challenge_len, const uint8_t *sig, size_t sig_len,
                            aa_result *out)
{
    BIGNUM *n = NULL, *e = NULL;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
        BN_free(n);
        return KS_ERR_CRYPTO;
    }
    ks_status st = KS_OK;
    BIGNUM *s = NULL, *j = NULL;
    BN_CTX *bctx = NULL;
    uint8_t f[AA_MAX_SIGNATURE];
    int bits = BN_num_bits(n);
    size_t klen = (size_t)bits / 8;

    if (bits % 8 != 0 || klen > sizeof f || klen < 32) {
        say(out, "RSA modulus of %d bits is not handled", bits);
        st = KS_ERR_UNSUPPORTED;
        goto done;
    }
    if (sig_len == 0 || sig_len > klen) {
        say(out, "RSA signature of %zu bytes for a %zu-byte modulus", sig_len, klen);
        goto done;
    }
    s = BN_bin2bn(sig, (int)sig_len, NULL);
    j = BN_new();
    bctx = BN_CTX_new();
    if (!s || !j || !bctx) {
        st = KS_ERR_NO_MEMORY;
        goto done;
    }
    if (BN_cmp(s, n) >= 0) {
        say(out, "RSA signature is not below the modulus");
        goto done;
    }
    if (BN_mod_exp(j, s, e, n, bctx) != 1 || BN_bn2binpad(j, f, (int)klen) != (int)klen) {
        st = KS_ERR_CRYPTO;
        goto done;
    }
    /* ISO/IEC 9796-2 lets the signer send min(J, n - J); the one whose
     * last nibble is C is the representative. */
    if ((f[klen - 1] & 0x0Fu) != 0x0Cu) {
        if (BN_sub(j, n, j) != 1 || BN_bn2binpad(j, f, (int)klen) != (int)klen) {
            st = KS_ERR_CRYPTO;
            goto done;
        }
        if ((f[klen - 1] & 0x0Fu) != 0x0Cu) {
            say(out, "RSA signature does not open to an ISO 9796-2 representative");
            goto done;
        }
    }
    st = check_representative(f, klen, implicit_nid, challenge, challenge_len, out);
done:
    OPENSSL_cleanse(f, sizeof f);
    BN_free(n);
    BN_free(e);
    BN_free(s);
    BN_free(j);
    BN_CTX_free(bctx);
    return st;
}

ks_status aa_iso9796_verify(EVP_PKEY *pk, int implicit_hash_nid, const uint8_t *m2, size_t m2_len,
                            const uint8_t *sig, size_t sig_len, aa_result *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!pk || implicit_hash_nid == 0 || (m2_len && !m2) || (sig_len && !sig))
        return KS_ERR_ARG;
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        return KS_ERR_UNSUPPORTED;
    if (sig_len <= sizeof out->signature) {
        if (sig_len)
            memcpy(out->signature, sig, sig_len);
        out->signature_len = sig_len;
    }
    ks_status st = rsa_verify(pk, implicit_hash_nid, m2, m2_len, sig, sig_len, out);
    ERR_clear_error();
    return st;
}

/* ---- ECDSA ---------------------------------------------------------------- */

static ks_status plain_to_der(const uint8_t *sig, size_t sig_len, uint8_t **der, int *der_len)
{
    size_t half = sig_len / 2;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)half, NULL);
    BIGNUM *s = BN_bin2bn(sig + half, (int)half, NULL);
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        return KS_ERR_NO_MEMORY;
    }
    *der = NULL;
    *der_len = i2d_ECDSA_SIG(es, der);
    ECDSA_SIG_free(es);
    return *der_len > 0 ? KS_OK : KS_ERR_CRYPTO;
}

static ks_status ecdsa_verify(EVP_PKEY *pk, const secinfo_aa *aa_info, const uint8_t *challenge,
                              size_t challenge_len, const uint8_t *sig, size_t sig_len,
                              aa_result *out)
{
    int nid = NID_sha256;
    bool assumed = true;
    if (aa_info && aa_info->hash_nid != 0) {
        nid = aa_info->hash_nid;
        assumed = false;
    } else if (aa_info && aa_info->signature_oid[0] != '\0') {
        say(out, "ActiveAuthenticationInfo names an unknown signature algorithm");
        return KS_ERR_UNSUPPORTED;
    }
    int order_bits = EVP_PKEY_get_bits(pk);
    size_t olen = order_bits > 0 ? ((size_t)order_bits + 7) / 8 : 0;
    if (olen == 0)
        return KS_ERR_CRYPTO;
    if (sig_len == 0 || sig_len % 2 != 0 || sig_len > 2 * olen) {
        say(out, "ECDSA signature of %zu bytes for a %zu-byte order", sig_len, olen);
        return KS_OK;
    }
    EVP_MD *md = fetch_md(nid);
    if (!md)
        return KS_ERR_UNSUPPORTED;
    uint8_t *der = NULL;
    int der_len = 0;
    ks_status st = plain_to_der(sig, sig_len, &der, &der_len);
    EVP_MD_CTX *ctx = st == KS_OK ? EVP_MD_CTX_new() : NULL;
    if (st == KS_OK && !ctx)
        st = KS_ERR_NO_MEMORY;
    if (st == KS_OK) {
        if (EVP_DigestVerifyInit_ex(ctx, NULL, EVP_MD_get0_name(md), NULL, NULL, pk, NULL) != 1) {
            st = KS_ERR_CRYPTO;
        } else {
            int rc = EVP_DigestVerify(ctx, der, (size_t)der_len, challenge, challenge_len);
            out->valid = rc == 1;
            say(out, out->valid ? "ECDSA signature verified (%s)" : "ECDSA signature invalid (%s)",
                OBJ_nid2sn(nid));
            if (assumed)
                say_more(out, "DG14 names no hash, SHA-256 assumed");
        }
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    EVP_MD_free(md);
    return st;
}

/* ---- entry points --------------------------------------------------------- */

ks_status aa_verify(const uint8_t *dg15, size_t dg15_len, const secinfo_aa *aa_info,
                    const uint8_t *challenge, size_t challenge_len, const uint8_t *sig,
                    size_t sig_len, aa_result *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!dg15 || !challenge || challenge_len == 0 || challenge_len > AA_MAX_CHALLENGE ||
        (sig_len && !sig))
        return KS_ERR_ARG;
    if (sig_len > sizeof out->signature) {
        say(out, "signature of %zu bytes is longer than any supported key", sig_len);
        return KS_OK;
    }
    if (sig_len)
        memcpy(out->signature, sig, sig_len);
    out->signature_len = sig_len;

    const uint8_t *spki = NULL;
    size_t spki_len = 0;
    ks_status st = lds_dg15_public_key(dg15, dg15_len, &spki, &spki_len);
    if (st != KS_OK) {
        say(out, "DG15 is malformed");
        return KS_ERR_MALFORMED;
    }
    if (spki_len > 0x7FFFFFFFu)
        return KS_ERR_MALFORMED;
    const unsigned char *p = spki;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki_len);
    if (!pk || p != spki + spki_len) {
        EVP_PKEY_free(pk);
        ERR_clear_error();
        say(out, "DG15 public key cannot be decoded");
        return KS_ERR_MALFORMED;
    }
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
        /* Doc 9303-11: trailer BC means SHA-1. */
        st = rsa_verify(pk, NID_sha1, challenge, challenge_len, sig, sig_len, out);
        break;
    case EVP_PKEY_EC:
        st = ecdsa_verify(pk, aa_info, challenge, challenge_len, sig, sig_len, out);
        break;
    default:
        say(out, "DG15 key type is not RSA or EC");
        st = KS_ERR_UNSUPPORTED;
        break;
    }
    EVP_PKEY_free(pk);
    ERR_clear_error();
    if (st == KS_OK && out->reason[0] == '\0')
        say(out, "signature invalid");
    return st;
}

ks_status aa_run(chan *c, const uint8_t *dg15, size_t dg15_len, const secinfo_aa *aa_info,
                 const uint8_t challenge[8], aa_result *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!c || !dg15 || !challenge)
        return KS_ERR_ARG;
    /* Ask for as much as the path carries: a 2048-bit signature under SM
     * does not fit a short response. */
    apdu_cmd cmd = {.cla = 0x00, .ins = 0x88, .p1 = 0x00, .p2 = 0x00,
                    .data = challenge, .nc = 8,
                    .ne = c->extended ? APDU_EXT_MAX_NE : APDU_SHORT_MAX_NE};
    uint8_t sig[AA_MAX_SIGNATURE];
    size_t sig_len = 0;
    uint16_t sw = 0;
    ks_status st = chan_transmit(c, &cmd, sig, sizeof sig, &sig_len, &sw);
    if (st != KS_OK) {
        say(out, "INTERNAL AUTHENTICATE failed: %s", ks_status_str(st));
        return st;
    }
    if (sw != APDU_SW_OK) {
        say(out, "chip refused INTERNAL AUTHENTICATE (SW %04X)", sw);
        return KS_ERR_CARD;
    }
    return aa_verify(dg15, dg15_len, aa_info, challenge, 8, sig, sig_len, out);
}
