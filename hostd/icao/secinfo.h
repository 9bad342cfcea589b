/*
 * secinfo.h — SecurityInfos (ICAO Doc 9303-11 section 9.2, BSI TR-03110-3
 * A.1) as found in EF.CardAccess and DG14: PACEInfo, PACEDomainParameterInfo,
 * ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
 * TerminalAuthenticationInfo and ActiveAuthenticationInfo. Infos with an OID
 * this module does not know are skipped and counted (n_unknown); a known OID
 * with a malformed body fails the whole parse. Entries beyond SECINFO_MAX of
 * one kind are counted as unknown.
 *
 * Ownership: pointers inside a secinfo_set point into the parsed buffer, which
 * must outlive the set. Errors: KS_ERR_ARG (NULL), KS_ERR_TRUNCATED /
 * KS_ERR_MALFORMED (bad DER or a known info with a bad body).
 */
#ifndef KS_SECINFO_H
#define KS_SECINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cipher.h"
#include "status.h"

typedef enum secinfo_ka { SECINFO_KA_DH = 1, SECINFO_KA_ECDH } secinfo_ka;
typedef enum secinfo_mapping { SECINFO_MAP_GM = 1, SECINFO_MAP_IM, SECINFO_MAP_CAM } secinfo_mapping;

#define SECINFO_MAX 8

typedef struct secinfo_pace {
    char oid[48];              /* dotted */
    int version;
    int parameter_id;          /* -1 absent */
    secinfo_ka ka;
    secinfo_mapping mapping;
    ks_cipher cipher;
} secinfo_pace;

typedef struct secinfo_domain {
    int parameter_id;          /* -1 absent */
    /* DER AlgorithmIdentifier of explicit domain parameters, into the input */
    const uint8_t *algorithm_identifier;
    size_t algorithm_identifier_len;
} secinfo_domain;

typedef struct secinfo_ca {
    char oid[48];
    int version;
    int key_id;                /* -1 absent */
    secinfo_ka ka;
    ks_cipher cipher;
} secinfo_ca;

typedef struct secinfo_ca_pk {
    char oid[48];
    int key_id;                /* -1 absent */
    secinfo_ka ka;
    const uint8_t *spki;       /* DER SubjectPublicKeyInfo, into the input */
    size_t spki_len;
} secinfo_ca_pk;

typedef struct secinfo_aa {
    int version;
    char signature_oid[48];    /* "" when absent (RSA / ISO 9796-2) */
    int hash_nid;              /* OpenSSL NID of the hash for ecdsa-plain-SHAx, 0 if unknown */
} secinfo_aa;

typedef struct secinfo_set {
    secinfo_pace pace[SECINFO_MAX];
    size_t n_pace;
    secinfo_domain pace_domain[SECINFO_MAX];
    size_t n_pace_domain;
    secinfo_ca ca[SECINFO_MAX];
    size_t n_ca;
    secinfo_ca_pk ca_pk[SECINFO_MAX];
    size_t n_ca_pk;
    bool has_ta;
    bool has_aa;
    secinfo_aa aa;
    size_t n_unknown;
} secinfo_set;

/* buf is a DER SET OF SecurityInfo (tag 0x31): EF.CardAccess's whole content,
 * or DG14's inner SET. Pointers in *out point into buf. */
ks_status secinfo_parse(const uint8_t *buf, size_t len, secinfo_set *out);

/* The best PACE entry this host supports (prefer ECDH-GM, AES over 3DES), or NULL. */
const secinfo_pace *secinfo_best_pace(const secinfo_set *s);

/* Domain parameters for a standardised id (0..2 MODP RFC 5114, 8..18 curves,
 * BSI TR-03110-3 table A.2) as an EVP_PKEY holding parameters only; the caller
 * frees it. NULL for unknown ids. */
EVP_PKEY *secinfo_std_domain(int parameter_id);

#endif
