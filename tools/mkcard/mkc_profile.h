/*
 * mkc_profile.h — the personalisation profile of kiosk-mkcard.
 *
 * Offers: mkc_profile_load() reads a profile JSON file (at most 1 MiB), checks
 * every field and fills an mkc_profile; mkc_profile_parse() does the same from
 * memory. Strings are UTF-8 and at most MKC_FIELD_MAX bytes.
 *
 * Profile: {"type": "cccd"|"passport",
 *           "mrz": {document_number, date_of_birth (YYMMDD), date_of_expiry
 *                   (YYMMDD), surname, given_names, sex, nationality,
 *                   issuing_state, personal_number (passport, optional)},
 *           "cccd": {id_number, old_id_number, full_name, date_of_birth
 *                   (dd/MM/yyyy), sex, nationality, ethnicity, religion,
 *                   place_of_origin, place_of_residence,
 *                   identification_features, date_of_issue, date_of_expiry,
 *                   father_name, mother_name, spouse_name}}
 * For "cccd", absent MRZ fields are derived from the cccd block (document
 * number = last 9 digits of the ID, dates, sex Nam/Nữ, name split at the first
 * space, VNM). MRZ values are normalised: sex "X" becomes '<'.
 *
 * Errors: KS_ERR_NOT_FOUND for a missing required field, KS_ERR_MALFORMED for
 * a field with a bad value, KS_ERR_IO for an unreadable file. mkc_last_error()
 * names the field (never its value).
 */
#ifndef MKC_PROFILE_H
#define MKC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define MKC_FIELD_MAX 512

typedef enum mkc_profile_type {
    MKC_PROFILE_CCCD,
    MKC_PROFILE_PASSPORT,
} mkc_profile_type;

typedef struct mkc_mrz_fields {
    char document_number[10]; /* 1..9 of A-Z 0-9 */
    char date_of_birth[7];    /* YYMMDD */
    char date_of_expiry[7];   /* YYMMDD */
    char surname[MKC_FIELD_MAX + 1];
    char given_names[MKC_FIELD_MAX + 1];
    char sex[2];              /* "M", "F" or "<" */
    char nationality[4];      /* 1..3 of A-Z */
    char issuing_state[4];
    char personal_number[15]; /* TD3 optional data, may be empty */
} mkc_mrz_fields;

typedef struct mkc_cccd_fields {
    char id_number[13];       /* 12 digits */
    char old_id_number[13];   /* empty, 9 or 12 digits */
    char full_name[MKC_FIELD_MAX + 1];
    char date_of_birth[11];   /* dd/MM/yyyy */
    char sex[MKC_FIELD_MAX + 1];
    char nationality[MKC_FIELD_MAX + 1];
    char ethnicity[MKC_FIELD_MAX + 1];
    char religion[MKC_FIELD_MAX + 1];
    char place_of_origin[MKC_FIELD_MAX + 1];
    char place_of_residence[MKC_FIELD_MAX + 1];
    char identification_features[MKC_FIELD_MAX + 1];
    char date_of_issue[11];   /* dd/MM/yyyy */
    char date_of_expiry[MKC_FIELD_MAX + 1]; /* dd/MM/yyyy or a phrase */
    char father_name[MKC_FIELD_MAX + 1];
    char mother_name[MKC_FIELD_MAX + 1];
    char spouse_name[MKC_FIELD_MAX + 1];
} mkc_cccd_fields;

typedef struct mkc_profile {
    mkc_profile_type type;
    mkc_mrz_fields mrz;
    mkc_cccd_fields cccd; /* only for MKC_PROFILE_CCCD */
} mkc_profile;

ks_status mkc_profile_load(const char *path, mkc_profile *out);
ks_status mkc_profile_parse(const char *json, size_t len, mkc_profile *out);

/* "cccd" or "passport". */
const char *mkc_profile_type_name(mkc_profile_type t);

/* True for a valid dd/MM/yyyy date. */
bool mkc_profile_is_dmy(const char *s);

#endif
