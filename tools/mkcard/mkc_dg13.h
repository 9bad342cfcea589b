/*
 * mkc_dg13.h — DG13 of the Vietnamese CCCD: the holder's personal data.
 *
 * Layout written (BER, one element per field, in index order):
 *   6D { SEQUENCE { INTEGER 0 (version), OID MKC_DG13_OID,
 *        SET { SEQUENCE { INTEGER index, value } ... } } }
 * value is a UTF8String, except index 13 whose value is
 * SEQUENCE { UTF8String father, UTF8String mother }. Indices 1..13 are always
 * present (possibly empty strings); 14 (spouse) and 15 (old ID number) only
 * when the profile has them. The index map is the one in
 * shared/REFERENCES.md; the OID is a clearly fake test arc because the real
 * card's OID is not public.
 *
 * Ownership: the result is a new mkc_bytes. Errors: KS_ERR_TOO_LARGE if the
 * fields do not fit (cannot happen with MKC_FIELD_MAX-bounded strings).
 */
#ifndef MKC_DG13_H
#define MKC_DG13_H

#include "mkc_profile.h"
#include "mkc_util.h"
#include "status.h"

#define MKC_DG13_OID "1.3.6.1.4.1.99999.13.1"
#define MKC_DG13_VERSION 0

enum mkc_dg13_index {
    MKC_DG13_ID_NUMBER = 1,
    MKC_DG13_FULL_NAME = 2,
    MKC_DG13_DATE_OF_BIRTH = 3,
    MKC_DG13_SEX = 4,
    MKC_DG13_NATIONALITY = 5,
    MKC_DG13_ETHNICITY = 6,
    MKC_DG13_RELIGION = 7,
    MKC_DG13_PLACE_OF_ORIGIN = 8,
    MKC_DG13_PLACE_OF_RESIDENCE = 9,
    MKC_DG13_IDENTIFICATION_FEATURES = 10,
    MKC_DG13_DATE_OF_ISSUE = 11,
    MKC_DG13_DATE_OF_EXPIRY = 12,
    MKC_DG13_PARENTS = 13,
    MKC_DG13_SPOUSE = 14,
    MKC_DG13_OLD_ID_NUMBER = 15,
};

ks_status mkc_dg13_build(const mkc_cccd_fields *c, mkc_bytes *out);

#endif
