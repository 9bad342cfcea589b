/*
 * vn_qr.h — the QR code printed on the CCCD (front of 2021 cards, back of
 * 2024 "Căn cước" cards): UTF-8 text, fields split by '|', read by position:
 *
 *   1 ID (12 digits) | 2 old CMND (9 digits or empty) | 3 full name |
 *   4 date of birth ddMMyyyy | 5 sex "Nam"/"Nữ" | 6 residence |
 *   7 date of issue ddMMyyyy | 8.. extra fields (2024 cards)
 *
 * vn_qr_parse() needs at least 7 fields. Trailing CR/LF (scanners add them)
 * is ignored; nothing else is trimmed. Fields after the 7th are kept
 * verbatim in extra[] (each must be valid UTF-8 of at most 255 bytes); only
 * the first VN_QR_MAX_EXTRA are kept, later ones are checked the same way
 * and then ignored, and n_extra never exceeds VN_QR_MAX_EXTRA.
 * The residence may be empty; the name may not. The date of birth must not
 * be after the date of issue. Sex is kept as printed (NFC or NFD "Nữ").
 *
 * Errors: KS_ERR_ARG (NULL text/out), KS_ERR_MALFORMED (a field breaks the
 * format), KS_ERR_TOO_LARGE (a field longer than its slot). On any error
 * *out is zeroed and err (if err_cap > 0) holds one English sentence naming
 * the field by number and meaning; it never contains field values, so it
 * may be shown or logged. The parsed struct is personal data: never log it.
 */
#ifndef KS_VN_QR_H
#define KS_VN_QR_H

#include <stddef.h>

#include "status.h"

#define VN_QR_MIN_FIELDS 7
#define VN_QR_MAX_EXTRA 8

typedef struct vn_qr {
    char id_number[13];      /* 12 digits */
    char old_id_number[10];  /* 9 digits or "" */
    char full_name[128];     /* UTF-8 as printed */
    char date_of_birth[11];  /* ISO YYYY-MM-DD */
    char sex[8];             /* "Nam" / "Nữ" as printed (UTF-8) */
    char residence[256];
    char date_of_issue[11];  /* ISO */
    char extra[VN_QR_MAX_EXTRA][256];
    size_t n_extra;          /* fields after the 7th, verbatim; at most VN_QR_MAX_EXTRA */
} vn_qr;

ks_status vn_qr_parse(const char *text, size_t len, vn_qr *out, char *err, size_t err_cap);

/* 'M' for "Nam", 'F' for "Nữ" (NFC or NFD), 0 for anything else. Shared with
 * the DG13 side, which spells sex the same way. */
char vn_sex_code(const char *sex);

#endif
