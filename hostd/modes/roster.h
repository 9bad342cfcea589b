/*
 * roster.h — the driving-test centre's candidate roster: import the
 * centre's CSV, check candidates in from verified records, export results.
 *
 * Import (roster_load_csv): RFC 4180 CSV — fields split by ',', quoted
 * fields with "" for a quote, records ended by CRLF, LF or CR — in UTF-8
 * with an optional byte-order mark; at most ROSTER_MAX_BYTES bytes and
 * ROSTER_MAX_ROWS data rows. The first non-blank row is the header; columns
 * are found by name (case and surrounding spaces ignored, order free):
 *   candidate_id   required, 1..64 bytes, unique
 *   id_number      required, exactly 12 digits, unique
 *   full_name      optional, up to 256 bytes
 *   date_of_birth  optional, YYYY-MM-DD or dd/MM/yyyy (kept as YYYY-MM-DD)
 *   exam_session   optional, up to 64 bytes
 * Other columns are ignored. Blank lines are skipped; every other row has
 * exactly as many fields as the header. Values lose surrounding spaces;
 * spaces around a quoted field are allowed and dropped.
 * Loading replaces the roster as a whole, or leaves it unchanged on error.
 * Errors name the line (1-based, physical) and the column, never a value.
 *
 * Check-in (roster_check_in) takes a verified record (json from
 * record_build/record_decode) and finds the candidate by holder.id_number;
 * when the caller also names a candidate_id, the row found must carry it.
 * Outcomes, first applicable wins:
 *   NOT_ON_ROSTER        no row has the id_number (nothing changes)
 *   CANDIDATE_MISMATCH   the row has another candidate_id (nothing changes)
 *   ALREADY_CHECKED_IN   the row is checked in already (nothing changes)
 *   FAILED_VERIFICATION  verdict not "genuine", face.match not "match", or
 *                        liveness not "live" (with ROSTER_ALLOW_NO_LIVENESS,
 *                        "not_performed" passes too); the row becomes
 *                        failed_verification with the record id and
 *                        outcomes, and may check in by a later attempt
 *   CHECKED_IN           the row is checked in at `now` with the record id
 *
 * Results (roster_results_csv): header
 * candidate_id,id_number,full_name,exam_session,status,checked_in_at,
 * record_id,face_match,liveness and one row per candidate in import order,
 * CRLF line ends, no BOM; fields quoted when they hold , " CR LF or
 * surrounding spaces; a field starting with = + - @ TAB or CR gets a leading
 * ' so spreadsheets never run it as a formula. status is pending,
 * checked_in or failed_verification. roster_to_json gives the API's view:
 * {"counts":{"total","pending","checked_in","failed_verification"},
 *  "rows":[{...same members, empty ones omitted, plus date_of_birth}]}.
 *
 * Ownership and threads: the roster lives in memory only (it is personal
 * data; kioskd never writes it to disk) and is wiped when freed or
 * replaced. It has no lock: the caller serialises every call on one roster.
 * Outputs (*out strings, json) belong to the caller (free /
 * json_object_put). Errors: KS_ERR_ARG, KS_ERR_MALFORMED, KS_ERR_TOO_LARGE
 * (size, rows, columns or a field too long), KS_ERR_NO_MEMORY. Pure: no I/O,
 * no clock (the caller passes `now`), no global state.
 */
#ifndef KS_ROSTER_H
#define KS_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "status.h"

#define ROSTER_MAX_BYTES (1024u * 1024u)
#define ROSTER_MAX_ROWS 10000u
#define ROSTER_MAX_COLUMNS 64u
#define ROSTER_ERR_LEN 160

#define ROSTER_ALLOW_NO_LIVENESS 1u /* liveness "not_performed" still checks in */

typedef struct roster roster;

typedef enum roster_outcome {
    ROSTER_CHECKED_IN = 0,
    ROSTER_NOT_ON_ROSTER,
    ROSTER_CANDIDATE_MISMATCH,
    ROSTER_ALREADY_CHECKED_IN,
    ROSTER_FAILED_VERIFICATION,
} roster_outcome;

typedef struct roster_counts {
    size_t total, pending, checked_in, failed_verification;
} roster_counts;

ks_status roster_new(roster **out);
void roster_free(roster *r);

ks_status roster_load_csv(roster *r, const char *csv, size_t len, char err[ROSTER_ERR_LEN]);

void roster_get_counts(const roster *r, roster_counts *out);

/* candidate_id may be NULL; now is unix seconds (UTC). On KS_OK *out holds
 * the outcome; KS_ERR_MALFORMED when the record lacks what check-in reads
 * (holder.id_number, record_id, the verdict and face outcomes). */
ks_status roster_check_in(roster *r, json_object *rec, const char *candidate_id, int64_t now,
                          unsigned flags, roster_outcome *out);

/* "checked_in", "not_on_roster", "candidate_mismatch", "already_checked_in",
 * "failed_verification"; NULL for a value outside the enum. */
const char *roster_outcome_name(roster_outcome o);

/* NUL-terminated; *len excludes the NUL. */
ks_status roster_results_csv(const roster *r, char **out, size_t *len);

ks_status roster_to_json(const roster *r, json_object **out);

#endif
