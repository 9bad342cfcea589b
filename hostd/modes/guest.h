/*
 * guest.h — a verified record (kiosk-record/1, hostd/store/record.h) as the
 * lodging guest declaration ("khai báo lưu trú") the hotel's software
 * forwards to the residence-declaration service:
 *
 *   {"document_type", "id_number", "full_name", "date_of_birth", "sex",
 *    "nationality", "place_of_residence", "date_of_expiry",
 *    "verified_at", "record_id",
 *    "verification": {"verdict", "face_match", "liveness"}}
 *
 * Holder members are copied from the record when it carries them and are
 * omitted otherwise (never invented); date_of_expiry "" keeps the record's
 * meaning, "the card does not expire". sex is written "Nam" or "Nữ" (NFC)
 * when recognised (also from MRZ M/F), otherwise as the record has it.
 * verdict is authentication.verdict; face_match and liveness are face.match
 * and face.liveness, all with the record schema's values.
 *
 * Ownership: *out is a new json_object for the caller (json_object_put).
 * Errors: KS_ERR_ARG (NULL arguments), KS_ERR_MALFORMED (a required member
 * missing, a date that is not a real YYYY-MM-DD, an id_number that is not 12
 * digits, text that is not clean UTF-8), KS_ERR_NO_MEMORY. The output is
 * personal data: never log it. Pure: no I/O, no global state.
 */
#ifndef KS_GUEST_H
#define KS_GUEST_H

#include <json-c/json.h>

#include "status.h"

ks_status guest_declaration_from_record(json_object *rec, json_object **out);

#endif
