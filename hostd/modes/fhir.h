/*
 * fhir.h — a verified record (kiosk-record/1, hostd/store/record.h) as an
 * HL7 FHIR R4 Patient resource, for clinic software (docs/modes.md has the
 * mapping table).
 *
 * What it offers: fhir_patient_from_record() builds
 *   resourceType "Patient";
 *   identifier[0]  official, type v2-0203#NI, system = the deployment's
 *                  identifier system, value = holder.id_number (12 digits);
 *   name[0]        official, text = holder.full_name (spaces squeezed),
 *                  family = its first word (Vietnamese order puts the family
 *                  name first), given = the remaining words;
 *   birthDate      holder.date_of_birth (YYYY-MM-DD);
 *   gender         "Nam"/M -> male, "Nữ"/F -> female, any other -> unknown;
 *   address[0]     home, text = holder.place_of_residence, country "VN"
 *                  (only for document_type "cccd");
 *   meta.source    "kiosk:<kiosk_id>#<record_id>" (kiosk_id percent-encoded
 *                  where a URI needs it).
 * A holder field the record does not carry (its purpose minimised it away,
 * or the card lacked it) or that is empty leaves its element out; nothing is
 * invented. Patient.id is left to the receiving server.
 *
 * Identifier system: opt->identifier_system, an absolute URI the deployment
 * configures; NULL opt or NULL member means FHIR_DEFAULT_IDENTIFIER_SYSTEM,
 * the URI the HL7 Vietnam community "VN Core" draft implementation guide
 * gives for CCCD numbers. The kiosk project mints no URI of its own.
 *
 * Ownership: *out is a new json_object for the caller (json_object_put).
 * Serialise it with JSON_C_TO_STRING_NOSLASHESCAPE so URIs stay readable.
 * Errors: KS_ERR_ARG (NULL rec/out, identifier system not an absolute URI),
 * KS_ERR_MALFORMED (the record lacks kiosk_id/record_id, a date that is not
 * a real YYYY-MM-DD, an id_number that is not 12 digits, text that is not
 * clean UTF-8), KS_ERR_TOO_LARGE, KS_ERR_NO_MEMORY. The output is personal
 * data: never log it. Pure: no I/O, no global state.
 */
#ifndef KS_FHIR_H
#define KS_FHIR_H

#include <stdbool.h>

#include <json-c/json.h>

#include "status.h"

#define FHIR_DEFAULT_IDENTIFIER_SYSTEM "http://fhir.hl7.org.vn/core/sid/cccd"
#define FHIR_NI_CODE_SYSTEM "http://terminology.hl7.org/CodeSystem/v2-0203"

typedef struct fhir_options {
    const char *identifier_system; /* absolute URI; NULL = the default above */
} fhir_options;

ks_status fhir_patient_from_record(json_object *rec, const fhir_options *opt, json_object **out);

/* An RFC 3986 absolute URI as FHIR's Identifier.system needs: a scheme
 * (letter, then letters, digits, + - .), ':', then at least one character,
 * all printable ASCII without spaces, at most 1024 bytes. */
bool fhir_uri_is_absolute(const char *uri);

#endif
