/*
 * trust_import.h — fills the trust directory that Passive Authentication
 * loads (pa.h) from what issuing states and ICAO publish: CSCA master lists,
 * ICAO PKD LDIF files, and single PEM/DER certificates or CRLs.
 *
 * Accepted inputs (detected from the bytes, not the file name):
 *  - a CSCA master list: DER CMS SignedData, eContentType
 *    id-icao-cscaMasterList (2.23.136.1.1.2), content
 *    CscaMasterList ::= SEQUENCE { version INTEGER (0), certList SET OF Certificate };
 *  - a DER certificate or CRL, or PEM with CERTIFICATE / X509 CRL blocks
 *    (CMS / PKCS7 blocks are taken as master lists);
 *  - an LDIF file (RFC 2849, as the ICAO PKD publishes it): values of
 *    userCertificate / cACertificate, certificateRevocationList /
 *    authorityRevocationList and pkdMasterListContent (a master list),
 *    base64 ("attr::"), possibly folded; other attributes are ignored.
 *
 * Trust policy (why: a master list is the one input that vouches for itself):
 *  - a master list whose CMS signature does not verify with its embedded
 *    signer certificate is always refused;
 *  - with opts->masterlist_signer_ca_dir, the signer must also chain (at the
 *    current time) to a certificate in that directory and carry the ICAO
 *    master-list-signing extended key usage (2.23.136.1.1.3, Doc 9303
 *    Part 12); otherwise the list is refused, even with allow_unverified;
 *  - without a signer CA directory the list is "not anchored" and accepted
 *    only when opts->allow_unverified is set.
 *  Certificates and CRLs given directly (PEM/DER/LDIF attributes) are trusted
 *  on the operator's word: the operator chose the file.
 *
 * Only CA certificates are imported (basicConstraints CA:TRUE, or self-signed
 * with keyUsage keyCertSign and no basicConstraints saying otherwise); CSCA
 * link certificates are CA certificates and are kept. Others are counted as
 * skipped (certs_not_ca). Expired CSCAs are kept: they still anchor documents
 * issued while they were valid.
 *
 * Output: one PEM file per certificate, "<first 16 hex of SHA-256 of the
 * DER>.pem", and per CRL, "<same>.crl", written atomically (temporary file,
 * then link). A certificate or CRL already anywhere in the trust directory
 * (by SHA-256 of its DER, whatever the file name) or twice in the input is
 * skipped, so importing again adds nothing. The whole input is parsed and
 * checked before the first file is written; a write error part-way leaves
 * complete files only, and a re-run finishes the job.
 *
 * Errors: KS_ERR_ARG; KS_ERR_IO (unreadable input, unwritable directory);
 * KS_ERR_TOO_LARGE (input or an LDIF line/value over the limits below);
 * KS_ERR_MALFORMED / KS_ERR_TRUNCATED (bad encodings); KS_ERR_UNSUPPORTED
 * (unknown format, master list version != 0); KS_ERR_AUTH (signature or
 * anchoring refused); KS_ERR_NOT_FOUND (nothing importable in the input);
 * KS_ERR_NO_MEMORY / KS_ERR_CRYPTO. err (may be NULL) receives one English
 * line, with the LDIF line number where there is one; certificate subjects
 * named in it are those of issuing authorities, never of people.
 */
#ifndef KS_TRUST_IMPORT_H
#define KS_TRUST_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define TRUST_MAX_INPUT (256u * 1024u * 1024u)     /* whole input file */
#define TRUST_MAX_MASTERLIST (64u * 1024u * 1024u) /* one master list */
#define TRUST_LDIF_MAX_LINE (64u * 1024u)          /* one physical LDIF line */
#define TRUST_LDIF_MAX_VALUE (64u * 1024u * 1024u) /* one unfolded base64 value */

typedef struct trust_import_options {
    const char *masterlist_signer_ca_dir; /* CA certificates the list signer must chain to, or NULL */
    bool allow_unverified;                /* accept a list without anchor (signature still checked) */
    bool dry_run;                         /* parse, verify and count against trust_dir; write nothing */
} trust_import_options;

typedef struct trust_import_result {
    size_t certs_added;
    size_t certs_skipped; /* duplicates + not CA */
    size_t certs_not_ca;  /* the part of certs_skipped that was not a CA certificate */
    size_t crls_added;
    size_t crls_skipped;  /* duplicates */
    size_t masterlists;   /* master lists whose signature verified */
    bool signer_anchored; /* every master list chained to the signer CA directory */
    char signer[256];     /* first master list's signer subject (RFC 2253), or "" */
} trust_import_result;

/* Imports one file into trust_dir (created, with parents, when missing).
 * trust_dir NULL: as for trust_import_buffer(). */
ks_status trust_import_file(const char *path, const char *trust_dir,
                            const trust_import_options *opts, trust_import_result *out,
                            char *err, size_t err_cap);

/* The same from memory. trust_dir NULL is a dry run against an empty trust
 * directory: everything is parsed and verified, *out counts what would be
 * added, no file is read or written. */
ks_status trust_import_buffer(const uint8_t *data, size_t len, const char *trust_dir,
                              const trust_import_options *opts, trust_import_result *out,
                              char *err, size_t err_cap);

/* Calls each() once per certificate in trust_dir (files as pa_trust_load
 * reads them), sorted, with one line: country (C= of the subject, "--" if
 * none), subject CN, not-after date (YYYY-MM-DD), the first 16 hex digits of
 * the SHA-256 fingerprint and the file name, separated by two spaces.
 * KS_ERR_NOT_FOUND when the directory does not exist. */
ks_status trust_list(const char *trust_dir, void (*each)(const char *line, void *ctx), void *ctx);

/* ---- the parsers underneath, offered for tests and fuzzing ---- */

typedef enum trust_item_kind {
    TRUST_ITEM_CERT,
    TRUST_ITEM_CRL,
    TRUST_ITEM_MASTERLIST
} trust_item_kind;

/* Receives one decoded DER object; a non-KS_OK return stops the parser,
 * which passes the status on (err, if the callback filled it, is kept). */
typedef ks_status (*trust_item_fn)(void *ctx, trust_item_kind kind, const uint8_t *der,
                                   size_t len, char *err, size_t err_cap);

/* LDIF text → one callback per certificate, CRL or master-list value, in
 * file order. Checks only the LDIF and base64 layers; the DER is the
 * callback's business. */
ks_status trust_ldif_parse(const uint8_t *text, size_t len, trust_item_fn each, void *ctx,
                           char *err, size_t err_cap);

/* A CscaMasterList (the signed content, not the CMS) → one TRUST_ITEM_CERT
 * callback per certificate, each checked to be exactly one X.509 DER. */
ks_status trust_masterlist_content_parse(const uint8_t *der, size_t len, trust_item_fn each,
                                         void *ctx, char *err, size_t err_cap);

typedef struct trust_masterlist_info {
    bool anchored;    /* signer chained to opts->masterlist_signer_ca_dir */
    char signer[256]; /* signer subject, RFC 2253, or "" */
} trust_masterlist_info;

/* A whole master list: checks the CMS under the policy above, then parses
 * the verified content with trust_masterlist_content_parse(). */
ks_status trust_masterlist_parse(const uint8_t *der, size_t len, const trust_import_options *opts,
                                 trust_item_fn each, void *ctx, trust_masterlist_info *info,
                                 char *err, size_t err_cap);

#endif
