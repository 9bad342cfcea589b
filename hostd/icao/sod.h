/*
 * sod.h — EF.SOD, the Document Security Object (ICAO Doc 9303 Part 10/12):
 * 77 { ContentInfo (CMS SignedData) } whose encapsulated content
 * (eContentType 2.23.136.1.1.1) is the LDSSecurityObject, a hash per data
 * group.
 *
 * sod_parse() decodes the CMS structure with OpenSSL and the
 * LDSSecurityObject strictly (DER, version 0 without / version 1 with
 * LDSVersionInfo, SHA-1/224/256/384/512, data groups 1..16 at most once,
 * digests of the algorithm's size, no trailing bytes). It checks no
 * signature: that is pa_verify()'s job (pa.h).
 *
 * Ownership: a parsed sod owns the CMS object; release it with sod_free()
 * (also safe on a zeroed or failed sod). Errors: KS_ERR_ARG,
 * KS_ERR_TRUNCATED / KS_ERR_MALFORMED for bad encodings, KS_ERR_UNSUPPORTED
 * for a foreign content type or hash algorithm, KS_ERR_NO_MEMORY.
 */
#ifndef KS_SOD_H
#define KS_SOD_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct sod_hash {
    int dg;
    uint8_t value[64];
    size_t len;
} sod_hash;

typedef struct sod {
    void *cms;    /* CMS_ContentInfo*, owned */
    int hash_nid; /* OpenSSL NID of the LDSSecurityObject's hash algorithm */
    sod_hash hashes[16];
    size_t n_hashes;
    int lds_version_present; /* LDSSecurityObject v1 (LDS 1.8) */
    char lds_version[8];     /* e.g. "0108" when present, else "" */
    char unicode_version[8]; /* e.g. "040000" when present, else "" */
} sod;

ks_status sod_parse(const uint8_t *buf, size_t len, sod *out);
void sod_free(sod *s);

/* The SOD's hash entry for data group dg, or NULL. */
const sod_hash *sod_find_hash(const sod *s, int dg);

#endif
