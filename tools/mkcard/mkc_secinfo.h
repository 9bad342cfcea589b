/*
 * mkc_secinfo.h — the chip's own key pairs and the files that publish them:
 * DG14 (SecurityInfos for Chip Authentication, BSI TR-03110 / Doc 9303
 * Part 11) and DG15 (the Active Authentication public key).
 *
 * Keys: AA is RSA-2048 (e = 65537) or EC brainpoolP256r1; CA is EC
 * brainpoolP256r1 (ECDH) or X9.42 DH on the RFC 5114 2048-bit MODP group with
 * a 224-bit subgroup (OpenSSL "dh_2048_224", TR-03110 standardized domain
 * parameters id 1). Public keys are SubjectPublicKeyInfo with named curves or
 * the explicit X9.42 (dhpublicnumber) group.
 *
 * DG14 = 6E { SET (DER-sorted) {
 *   ChipAuthenticationInfo { id-CA-(EC)DH-<cipher>, 1 } (cipher: 3DES-CBC-CBC
 *     or AES-CBC-CMAC-128/192/256, default AES-128),
 *   ChipAuthenticationPublicKeyInfo { id-PK-(EC)DH, SPKI },
 *   [ActiveAuthenticationInfo { id-AA, 1, ecdsa-plain-SHA256 } when AA is EC] } }
 * (no keyId: the chip has one CA key). DG15 = 6F { SPKI }.
 *
 * Ownership: generated keys are new EVP_PKEYs (EVP_PKEY_free); encodings are
 * new mkc_bytes. Errors: KS_ERR_CRYPTO with the OpenSSL reason, KS_ERR_ARG.
 */
#ifndef MKC_SECINFO_H
#define MKC_SECINFO_H

#include <openssl/evp.h>

#include "mkc_util.h"
#include "status.h"

typedef enum mkc_aa_alg { MKC_AA_NONE, MKC_AA_RSA, MKC_AA_ECDSA } mkc_aa_alg;
typedef enum mkc_ca_alg { MKC_CA_NONE, MKC_CA_ECDH, MKC_CA_DH } mkc_ca_alg;
/* The cipher named by a PACE or CA protocol OID; the value is the OID's last arc. */
typedef enum mkc_cipher {
    MKC_CIPHER_3DES = 1,
    MKC_CIPHER_AES128 = 2,
    MKC_CIPHER_AES192 = 3,
    MKC_CIPHER_AES256 = 4
} mkc_cipher;

/* Room for any dotted OID this tool writes, with its NUL. */
#define MKC_OID_MAX 48

#define MKC_OID_PK_DH "0.4.0.127.0.7.2.2.1.1"
#define MKC_OID_PK_ECDH "0.4.0.127.0.7.2.2.1.2"
#define MKC_OID_CA_DH_AES_CBC_CMAC_128 "0.4.0.127.0.7.2.2.3.1.2"
#define MKC_OID_CA_ECDH_AES_CBC_CMAC_128 "0.4.0.127.0.7.2.2.3.2.2"
#define MKC_OID_CA_PREFIX "0.4.0.127.0.7.2.2.3"
#define MKC_OID_TA "0.4.0.127.0.7.2.2.2"
#define MKC_OID_AA "2.23.136.1.1.5"
#define MKC_OID_ECDSA_PLAIN_SHA256 "0.4.0.127.0.7.1.1.4.1.3"

ks_status mkc_secinfo_gen_aa_key(mkc_aa_alg alg, EVP_PKEY **out);
ks_status mkc_secinfo_gen_ca_key(mkc_ca_alg alg, EVP_PKEY **out);

/* The dotted id-CA-(EC)DH-<cipher> OID; KS_ERR_ARG for MKC_CA_NONE or a bad cipher. */
ks_status mkc_secinfo_ca_oid(mkc_ca_alg ca, mkc_cipher cipher, char out[MKC_OID_MAX]);
/* ChipAuthenticationInfo { id-CA-..., version 1 } (no keyId), as DG14 has it. */
ks_status mkc_secinfo_ca_info(mkc_ca_alg ca, mkc_cipher cipher, mkc_bytes *out);
/* TerminalAuthenticationInfo { id-TA, version 1 }. */
ks_status mkc_secinfo_ta_info(mkc_bytes *out);

/* DG14; ca_key may be NULL only with MKC_CA_NONE (then aa must be ECDSA). */
ks_status mkc_secinfo_dg14(mkc_ca_alg ca, mkc_cipher ca_cipher, EVP_PKEY *ca_key,
                           mkc_aa_alg aa, mkc_bytes *out);
ks_status mkc_secinfo_dg15(EVP_PKEY *aa_key, mkc_bytes *out);

/* DER of a public key's SubjectPublicKeyInfo. */
ks_status mkc_secinfo_spki(EVP_PKEY *key, mkc_bytes *out);

/* DER SET OF the n encoded SecurityInfos (sorted in place first). */
ks_status mkc_secinfo_set(mkc_bytes *infos, size_t n, mkc_bytes *out);

/* Sorts n encodings in place into DER SET OF order (X.690 11.6). */
void mkc_secinfo_der_sort(mkc_bytes *items, size_t n);

#endif
