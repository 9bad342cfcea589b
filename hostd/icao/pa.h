/*
 * pa.h — Passive Authentication (ICAO Doc 9303 Part 11 §5.1): is the data
 * read from the chip the data the issuing state signed?
 *
 * A trust store (pa_trust) holds CSCA certificates and CRLs loaded from a
 * directory: every *.pem / *.crt / *.cer / *.der / *.crl file, PEM (several
 * certificates / CRLs per file) or DER; other PEM blocks and unreadable
 * files are skipped. A missing directory is KS_ERR_NOT_FOUND; an empty one
 * gives an empty store. The store is read-only once loaded and may be shared
 * between threads.
 *
 * pa_verify() checks, in this order:
 *  1. the SOD's CMS signature over its signed attributes, including the
 *     messageDigest of the LDSSecurityObject, with the document signer
 *     certificate (DSC) from the SOD (or, failing that, from the store);
 *  2. every given data group's hash against the SOD (a given DG the SOD does
 *     not list is a failure);
 *  3. the DSC's chain to a CSCA of the store at the current time, with CRLs
 *     checked when the store has one from the DSC's issuer.
 * Outcome: PA_INVALID when 1 or 2 fails (failed_dg names the data group for
 * 2); otherwise PA_UNTRUSTED when 3 fails or the store is NULL/empty;
 * otherwise PA_VALID. reason is one English line without personal data
 * ("" for PA_VALID). Returns KS_OK whenever an outcome was reached;
 * KS_ERR_ARG for bad arguments (e.g. a DG number outside 1..16),
 * KS_ERR_NO_MEMORY / KS_ERR_CRYPTO when the check itself could not run.
 * OpenSSL caches the signer certificate inside the sod's CMS object, so one
 * sod must not be verified from two threads at once (distinct sods may).
 */
#ifndef KS_PA_H
#define KS_PA_H

#include <stddef.h>
#include <stdint.h>

#include "sod.h"
#include "status.h"

typedef enum pa_outcome { PA_NOT_CHECKED = 0, PA_VALID, PA_INVALID, PA_UNTRUSTED } pa_outcome;

typedef struct pa_result {
    pa_outcome outcome;
    int failed_dg;    /* DG whose hash mismatched or is missing from the SOD, else 0 */
    char reason[200]; /* one English line, no personal data */
} pa_result;

/* A data group as read from the card, outer tag included. */
typedef struct pa_dg {
    int dg;
    const uint8_t *data;
    size_t len;
} pa_dg;

typedef struct pa_trust pa_trust; /* loaded CSCAs and CRLs */

ks_status pa_trust_load(const char *dir, pa_trust **out);
void pa_trust_free(pa_trust *t);
/* Certificates in the store (0 for NULL). */
size_t pa_trust_count(const pa_trust *t);
/* CRLs in the store (0 for NULL). */
size_t pa_trust_crl_count(const pa_trust *t);

ks_status pa_verify(const sod *s, const pa_dg *dgs, size_t n, const pa_trust *trust,
                    pa_result *out);

const char *pa_outcome_str(pa_outcome o);

#endif
