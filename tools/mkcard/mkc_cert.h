/*
 * mkc_cert.h — the document signer of the card image.
 *
 * Offers: a test PKI made on the spot (a self-signed CSCA: CA:TRUE critical,
 * keyCertSign + cRLSign; and a DSC it signs: digitalSignature; both with
 * subject/authority key identifiers, valid from yesterday for 15 / 10 years),
 * or a DSC key and certificate loaded from PEM files; the set-up of a signing
 * context for the chosen algorithm (RSA PKCS#1 v1.5, RSA-PSS with salt = hash
 * length and MGF1 with the same hash, or ECDSA); PEM encoders.
 *
 * Keys of the test PKI: RSA (CSCA 3072, DSC 2048 bits) for rsa and rsa-pss,
 * EC P-256 for ecdsa. The CSCA's private key is freed once the DSC is signed:
 * only its certificate leaves this module.
 *
 * Ownership: an mkc_signer owns its key and certificates; release it with
 * mkc_signer_free(). Errors: KS_ERR_CRYPTO (OpenSSL reason in the message),
 * KS_ERR_IO for unreadable files, KS_ERR_ARG for a key that does not fit the
 * algorithm or the certificate.
 */
#ifndef MKC_CERT_H
#define MKC_CERT_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mkc_util.h"
#include "status.h"

typedef enum mkc_sig_alg { MKC_SIG_RSA, MKC_SIG_RSA_PSS, MKC_SIG_ECDSA } mkc_sig_alg;

typedef struct mkc_signer {
    EVP_PKEY *dsc_key;
    X509 *dsc;
    X509 *csca; /* NULL when the DSC was loaded from files */
} mkc_signer;

/* country: 2-letter ISO 3166 code for the certificates' C attribute. */
ks_status mkc_cert_generate(mkc_sig_alg alg, const EVP_MD *md, const char *country,
                            mkc_signer *out);
ks_status mkc_cert_load(const char *key_path, const char *cert_path, mkc_signer *out);
void mkc_signer_free(mkc_signer *s);

/* True when key can make signatures of kind alg (RSA for rsa/rsa-pss, EC for ecdsa). */
bool mkc_cert_key_fits(EVP_PKEY *key, mkc_sig_alg alg);

/* Configures a signing key context (as got from EVP_DigestSignInit or CMS). */
ks_status mkc_cert_set_padding(EVP_PKEY_CTX *pctx, mkc_sig_alg alg, const EVP_MD *md);

/* The 2-letter country for an MRZ issuing state ("VNM" -> "VN"). */
void mkc_cert_country(const char *issuing_state, char out[3]);

ks_status mkc_pem_private_key(EVP_PKEY *key, mkc_bytes *out); /* PKCS#8, unencrypted */
ks_status mkc_pem_certificate(X509 *cert, mkc_bytes *out);

#endif
