/*
 * vn_check.h — does the printed QR, the chip's DG13 and the chip's DG1 (MRZ)
 * describe the same person? A forged or swapped QR, or a chip that does not
 * belong to the card, shows up here as a named field.
 *
 * vn_check() takes whatever is available (any source may be NULL; an empty
 * string or a 0 sex counts as not available) and compares every pair it can:
 *   id_number      QR, DG13 and the 12-digit ID in the MRZ optional data;
 *   full_name      QR vs DG13 in a form where NFC and NFD spellings and
 *                  extra spaces do not matter (letters and case do), and
 *                  each Vietnamese name vs the MRZ name through
 *                  vn_transliterate(); a MRZ name of 28+ letters may be the
 *                  TD1 30-character cut of the full name and then only needs
 *                  to be its prefix; a name that cannot be transliterated is
 *                  a mismatch;
 *   date_of_birth  QR and DG13 (ISO) vs each other and vs the MRZ YYMMDD;
 *   sex            Nam = M, Nữ = F, the MRZ's M/F; any other value mismatches.
 * out->fields lists each disagreeing field once, in the order above, as
 * static strings; out->n == 0 means everything available agrees.
 *
 * mrz_name is surname and given names in A-Z, separated by spaces or '<'.
 */
#ifndef KS_VN_CHECK_H
#define KS_VN_CHECK_H

#include <stddef.h>

#include "status.h"
#include "vn_dg13.h"
#include "vn_qr.h"

typedef struct vn_mismatches {
    const char *fields[8]; /* "id_number", "full_name", "date_of_birth", "sex" */
    size_t n;
} vn_mismatches;

void vn_check(const vn_qr *qr, const vn_dg13 *dg13, const char *mrz_id, const char *mrz_name,
              const char *mrz_dob_yymmdd, char mrz_sex, vn_mismatches *out);

/* Vietnamese name -> MRZ letters: diacritics stripped (đ/Đ -> D, NFC or NFD
 * input), upper case, words separated by one space ('-', '<', ',', '.' and
 * white space separate words, apostrophes vanish). "Đặng Ngọc Ưng" ->
 * "DANG NGOC UNG". KS_ERR_UNSUPPORTED for a character with no MRZ letter
 * (digits, non-Vietnamese letters), KS_ERR_MALFORMED for invalid UTF-8,
 * KS_ERR_TOO_LARGE when out is too small, KS_ERR_ARG for NULL. */
ks_status vn_transliterate(const char *utf8, char *out, size_t cap);

#endif
