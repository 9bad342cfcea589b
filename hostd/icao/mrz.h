/*
 * mrz.h — machine readable zone (ICAO Doc 9303 Parts 3-6): TD1 (3 x 30),
 * TD2 (2 x 36) and TD3 (2 x 44), and the BAC key seed (Doc 9303-11 9.7.2).
 *
 * mrz_parse() accepts lines separated by \n or \r\n, or concatenated with no
 * separator; whitespace around the whole text (and around each line) is
 * ignored. Only 0-9, A-Z and '<' are accepted inside lines. A wrong size or
 * character gives KS_ERR_MALFORMED and leaves *out zeroed; wrong check digits
 * do not fail the parse but are reported in failed_checks, so the caller
 * decides (an OCR'd MRZ with one bad digit is still useful to show).
 * The parsed strings are personal data: never log them.
 */
#ifndef KS_MRZ_H
#define KS_MRZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum mrz_format { MRZ_TD1 = 1, MRZ_TD2, MRZ_TD3 } mrz_format;

typedef struct mrz_info {
    mrz_format format;
    char document_code[3];     /* e.g. "P", "ID", "I" — filler removed */
    char issuing_state[4];     /* trailing fillers removed ("D<<" -> "D") */
    char document_number[40];  /* filler removed; TD1/TD2 long numbers continued in optional data are joined */
    char date_of_birth[7];     /* YYMMDD */
    char sex;                  /* 'M', 'F' or 'X' ('<' becomes 'X') */
    char date_of_expiry[7];
    char nationality[4];
    char surname[64];          /* '<' fillers as single spaces, trimmed */
    char given_names[96];
    char optional_data1[32];   /* fillers removed (TD1 line 1, TD2/TD3 line 2) */
    char optional_data2[32];   /* TD1 line 2 only */
    unsigned failed_checks;    /* bitmask MRZ_CHECK_*; 0 = all check digits right */
} mrz_info;

#define MRZ_CHECK_DOCNO 1u
#define MRZ_CHECK_DOB 2u
#define MRZ_CHECK_EXPIRY 4u
#define MRZ_CHECK_OPTIONAL 8u   /* TD3 personal number only */
#define MRZ_CHECK_COMPOSITE 16u

ks_status mrz_parse(const char *text, size_t len, mrz_info *out);

/* The 7-3-1 weighted check digit: 0..9, or -1 on a character outside 0-9 A-Z <. */
int mrz_check_digit(const char *s, size_t len);

/* BAC key seed: first 16 bytes of SHA-1(docno padded with '<' to >= 9 chars
 * || cd || dob || cd || doe || cd). Dates must be 6 digits and the document
 * number 1..39 characters of 0-9 A-Z <, else KS_ERR_ARG. */
ks_status mrz_key_seed(const char *document_number, const char *date_of_birth,
                       const char *date_of_expiry, uint8_t seed[16]);

#endif
