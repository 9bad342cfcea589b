/*
 * mkc_sod.h — EF.SOD, the Document Security Object (ICAO Doc 9303 Part 10
 * 4.6.2 and Part 12).
 *
 * EF.SOD = 77 { ContentInfo { id-signedData, SignedData v3 {
 *   digestAlgorithms { hash },
 *   encapContentInfo { id-icao-mrtd-security-ldsSecurityObject,
 *                      DER LDSSecurityObject },
 *   certificates { the DSC },
 *   one SignerInfo (issuerAndSerialNumber) with signed attributes
 *   contentType, messageDigest and signingTime, signed by the DSC key } } }
 * LDSSecurityObject = SEQUENCE { INTEGER 0, AlgorithmIdentifier hash,
 *   SEQUENCE OF SEQUENCE { INTEGER dg, OCTET STRING hash(file) } }
 * hashing each data-group file exactly as written (tag, length and value).
 *
 * Ownership: the caller keeps the files and the signer; the result is a new
 * mkc_bytes. Errors: KS_ERR_ARG (no or bad data groups, key unfit for the
 * algorithm), KS_ERR_CRYPTO with the OpenSSL reason.
 */
#ifndef MKC_SOD_H
#define MKC_SOD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "mkc_cert.h"
#include "mkc_util.h"
#include "status.h"

#define MKC_OID_LDS_SECURITY_OBJECT "2.23.136.1.1.1"

typedef struct mkc_dg_file {
    unsigned number; /* 1..16 */
    const uint8_t *data;
    size_t len;
} mkc_dg_file;

ks_status mkc_sod_lds_object(const mkc_dg_file *dgs, size_t n, const EVP_MD *md,
                             mkc_bytes *out);

ks_status mkc_sod_build(const mkc_dg_file *dgs, size_t n, const EVP_MD *md,
                        mkc_sig_alg alg, const mkc_signer *signer, mkc_bytes *out);

#endif
