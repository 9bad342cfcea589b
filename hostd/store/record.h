/*
 * record.h — the verified record the kiosk stores and uploads
 * (docs/record-schema.md is the normative description).
 *
 * What it offers:
 *  - record_build(): a record object from one verification, with a fresh
 *    record id and only the holder fields the purpose's policy allows
 *    (data minimisation); the portrait is a SHA-256, its image only when the
 *    policy says so.
 *  - record_sign() / record_verify(): ECDSA P-256 over SHA-256 of the
 *    canonical serialisation of the record without its "signature" member.
 *  - record_canonical(): the canonical serialisation (RFC 8785 JCS for the
 *    types a record may hold: members sorted by key bytes, no whitespace,
 *    minimal string escapes, integers only, no floats).
 *  - record_decode(): bounded, strict parse and schema check of a stored or
 *    received record.
 *  - record_policy_*: which holder fields each purpose keeps.
 *
 * Ownership: json_object results belong to the caller (json_object_put);
 * char buffers are malloc'd for the caller (free). EVP_PKEY keys are the
 * caller's. Errors: KS_ERR_ARG, KS_ERR_MALFORMED (not a valid record, with a
 * message in err where one is taken), KS_ERR_UNSUPPORTED (floats, unknown
 * schema), KS_ERR_TOO_LARGE, KS_ERR_AUTH (signature does not verify or the
 * bytes are not canonical), KS_ERR_ACCESS (signing key file readable by
 * others), KS_ERR_CRYPTO. A record holds personal data: never log it.
 */
#ifndef KS_RECORD_H
#define KS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "status.h"

#define RECORD_SCHEMA "kiosk-record/1"
#define RECORD_MAX_BYTES (4u * 1024u * 1024u)
#define RECORD_MAX_DEPTH 8
#define RECORD_ERR_LEN 160

typedef enum record_purpose {
    RECORD_PURPOSE_KIOSK = 0,
    RECORD_PURPOSE_CLINIC,
    RECORD_PURPOSE_DRIVING_TEST,
    RECORD_PURPOSE_LODGING,
    RECORD_PURPOSE_COUNT
} record_purpose;

/* Holder fields, named as in DG13 (hostd/vn/vn_dg13.h). */
typedef enum record_field {
    RECORD_ID_NUMBER = 0,
    RECORD_FULL_NAME,
    RECORD_DATE_OF_BIRTH,
    RECORD_SEX,
    RECORD_NATIONALITY,
    RECORD_ETHNICITY,
    RECORD_RELIGION,
    RECORD_PLACE_OF_ORIGIN,
    RECORD_PLACE_OF_RESIDENCE,
    RECORD_IDENTIFICATION_FEATURES,
    RECORD_DATE_OF_ISSUE,
    RECORD_DATE_OF_EXPIRY,
    RECORD_FATHER_NAME,
    RECORD_MOTHER_NAME,
    RECORD_SPOUSE_NAME,
    RECORD_OLD_ID_NUMBER,
    RECORD_FIELD_COUNT
} record_field;

typedef struct record_policy {
    uint32_t holder_fields[RECORD_PURPOSE_COUNT]; /* bit (1u << record_field) */
    int portrait_image[RECORD_PURPOSE_COUNT];     /* 1: include the image */
} record_policy;

typedef struct record_input {
    const char *kiosk_id, *site_id;       /* 1..64 printable ASCII */
    record_purpose purpose;
    const char *document_type;            /* "cccd", "passport", ... */
    int64_t card_read_at, verified_at;    /* unix seconds */
    const char *holder[RECORD_FIELD_COUNT]; /* NULL = unknown */
    /* "passed" / "failed" / "not_supported" / "not_performed" */
    const char *passive_auth, *active_auth, *chip_auth;
    const char *verdict;                  /* "genuine" / "not_genuine" / "inconclusive" */
    int face_match_permille;              /* 0..1000, or -1 when not done */
    const char *face_match;               /* "match" / "no_match" / "not_performed" */
    const char *liveness;                 /* "live" / "not_live" / "not_performed" */
    const char *consent_text_version;
    int64_t consent_given_at;
    const uint8_t *portrait;              /* may be NULL */
    size_t portrait_len;
    const char *portrait_format;          /* "jpeg" / "jp2" */
} record_input;

const char *record_purpose_name(record_purpose p);       /* "driving-test" */
ks_status record_purpose_parse(const char *name, record_purpose *out);
const char *record_field_name(record_field f);           /* "full_name" */

/* Built-in defaults (see docs/record-schema.md). */
void record_policy_defaults(record_policy *out);
/* Overrides defaults from a JSON file:
 * {"purposes": {"clinic": {"holder_fields": ["id_number", ...],
 *                          "portrait_image": false}, ...}} */
ks_status record_policy_load(const char *path, record_policy *out,
                             char err[RECORD_ERR_LEN]);

/* A new unsigned record; now_ms gives created_at and the record id. */
ks_status record_build(const record_input *in, const record_policy *pol,
                       int64_t now_ms, json_object **out);

/* Loads a PEM EC P-256 private key from a file that only its owner may read. */
ks_status record_load_signing_key(const char *path, EVP_PKEY **out,
                                  char err[RECORD_ERR_LEN]);
/* Adds (replacing) "signature": {"alg":"ES256","key_id":hex SHA-256 of
 * the public key's SubjectPublicKeyInfo,"value":base64url(r||s)}. */
ks_status record_sign(json_object *rec, EVP_PKEY *key);
/* Canonical bytes of rec (NUL-terminated, len excludes the NUL). */
ks_status record_canonical(json_object *rec, char **out, size_t *len);
/* Checks that json is a valid record in canonical form whose signature
 * verifies under pub (and whose key_id names pub). */
ks_status record_verify(const char *json, size_t len, EVP_PKEY *pub,
                        char err[RECORD_ERR_LEN]);
/* Parses and checks a record (any JSON formatting; signature optional). */
ks_status record_decode(const char *json, size_t len, json_object **out,
                        char err[RECORD_ERR_LEN]);

#endif
