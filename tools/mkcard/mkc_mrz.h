/*
 * mkc_mrz.h — the machine readable zone written into DG1 (ICAO Doc 9303
 * Parts 3, 4 and 5).
 *
 * Offers: the check digit (weights 7-3-1), the transliteration of a UTF-8
 * Vietnamese name to the MRZ alphabet (diacritics stripped, Đ -> D, spaces and
 * hyphens -> '<', apostrophes dropped; NFC and NFD input both work), and the
 * TD1 (3 x 30, CCCD: "IDVNM", 12-digit ID in the optional data) and TD3 (2 x
 * 44, passport) zones.
 *
 * Output is the lines concatenated without separators, NUL-terminated, in a
 * caller buffer of at least MKC_MRZ_MAX bytes. Errors: KS_ERR_MALFORMED when a
 * name has a character that has no MRZ transliteration.
 */
#ifndef MKC_MRZ_H
#define MKC_MRZ_H

#include <stddef.h>

#include "mkc_profile.h"
#include "status.h"

#define MKC_MRZ_TD1_LEN 90
#define MKC_MRZ_TD3_LEN 88
#define MKC_MRZ_MAX 91

/* Check digit character ('0'..'9') over n MRZ characters; others count as 0. */
char mkc_mrz_check_digit(const char *s, size_t n);

/* Transliterates utf8 into out (A-Z, '<'), truncating at cap - 1 characters. */
ks_status mkc_mrz_transliterate(const char *utf8, char *out, size_t cap);

/* The name field: SURNAME<<GIVEN<NAMES padded with '<' to width characters. */
ks_status mkc_mrz_name_field(const char *surname, const char *given_names, char *out,
                             size_t width);

/* TD1 for a CCCD (optional data = the 12-digit ID). */
ks_status mkc_mrz_td1(const mkc_mrz_fields *m, const char *id_number, char out[MKC_MRZ_MAX]);
/* TD3 for a passport. */
ks_status mkc_mrz_td3(const mkc_mrz_fields *m, char out[MKC_MRZ_MAX]);
/* TD1 or TD3 according to the profile type; *len = 90 or 88. */
ks_status mkc_mrz_build(const mkc_profile *p, char out[MKC_MRZ_MAX], size_t *len);

#endif
