/*
 * modes_util.h — small pieces the site modes (fhir, guest, roster) share:
 * typed reads of a verified record (hostd/store/record.h) and the checks
 * every output field passes before it leaves the kiosk.
 *
 * A record may come straight from record_build() rather than through
 * record_decode(), so nothing here trusts its shape: a member of the wrong
 * type reads as absent, and text is checked for UTF-8 and control
 * characters. Nothing allocates, nothing logs (the values are personal).
 */
#ifndef KS_MODES_UTIL_H
#define KS_MODES_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "status.h"

/* obj.key as an object / a string; NULL when absent or of another type. */
json_object *modes_obj(json_object *obj, const char *key);
const char *modes_str(json_object *obj, const char *key);

/* holder.<field> of a record, as modes_str(). */
const char *modes_holder(json_object *rec, const char *field);

/* Valid UTF-8 without NUL, C0/C1 controls or DEL. */
bool modes_text_clean(const char *s);

/* A real calendar date written YYYY-MM-DD (years 1800..9999). */
bool modes_date_valid(const char *s);

/* Exactly 12 ASCII digits (the CCCD personal identification number). */
bool modes_id_number_valid(const char *s);

/* 'M' for "Nam" or "M", 'F' for "Nữ" (NFC or NFD) or "F", else 0. */
char modes_sex_code(const char *s);

/* s without surrounding spaces and with inner runs of spaces collapsed to
 * one, into out (NUL-terminated). KS_ERR_TOO_LARGE when it does not fit. */
ks_status modes_squeeze(const char *s, char *out, size_t cap);

/* A string member of a copy: json_object_object_add with a new string. */
void modes_add_str(json_object *obj, const char *key, const char *val);

#endif
