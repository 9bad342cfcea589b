/*
 * lds.h — the eMRTD Logical Data Structure (ICAO Doc 9303 Part 10): file
 * identifiers and tags of the data groups, and parsers for EF.COM, DG1, DG11,
 * DG12, plus raw extraction of DG14 and DG15.
 *
 * Tags: EF.COM 60, DG1 61, DG2 75, DG3 63, DG4 76, DG5..DG16 65..70, EF.SOD 77
 * (DG2 and DG4 are the exceptions to "0x60 + n").
 *
 * Parsers take the whole file as read from the card (outer tag included) and
 * never allocate. Results either copy short fixed-size values (EF.COM, DG1)
 * or point into the caller's buffer (DG11, DG12, DG14, DG15), which must
 * outlive them. Errors: KS_ERR_ARG for NULL arguments, KS_ERR_TRUNCATED /
 * KS_ERR_MALFORMED for bad encodings (wrong outer tag, trailing bytes,
 * duplicate fields, MRZ of the wrong length or alphabet), KS_ERR_NOT_FOUND
 * when a mandatory element is absent. Nothing here logs.
 */
#ifndef KS_LDS_H
#define KS_LDS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define LDS_TAG_COM 0x60
#define LDS_TAG_SOD 0x77
#define LDS_DG_COM 0    /* lds_dg_from_tag(0x60) */
#define LDS_DG_SOD (-2) /* lds_dg_from_tag(0x77): a file, not a data group */

#define LDS_FID_COM 0x011E
#define LDS_FID_SOD 0x011D
#define LDS_FID_CARD_ACCESS 0x011C
#define LDS_SFI_COM 0x1E
#define LDS_SFI_SOD 0x1D
#define LDS_SFI_CARD_ACCESS 0x1C

/* 0x61/0x75/0x63/... -> 1..16, 0x60 -> LDS_DG_COM, 0x77 -> LDS_DG_SOD, else -1. */
int lds_dg_from_tag(uint8_t tag);
/* 1..16 -> the data group's tag; 0 for anything else. */
uint8_t lds_tag_from_dg(int dg);
/* 1..16 -> 0x0101..0x0110; 0 otherwise. */
uint16_t lds_fid_from_dg(int dg);
/* 1..16 -> 0x01..0x10; 0 otherwise. */
uint8_t lds_sfi_from_dg(int dg);

/* Unwraps the outer tag of any DG/EF: KS_OK with *inner and *inner_len set to the content
 * when buf is exactly one element with the expected tag. */
ks_status lds_unwrap(const uint8_t *buf, size_t len, uint8_t expected_tag,
                     const uint8_t **inner, size_t *inner_len);

/* EF.COM. lds_version is the 4 digits of 5F01 ("0107" = LDS 1.7),
 * unicode_version the 6 digits of 5F36 (both "" when absent). dgs lists the
 * data groups named in the tag list 5C in card order, without duplicates;
 * tags that name no data group are skipped. 5C is mandatory. */
typedef struct lds_com {
    char lds_version[8];
    char unicode_version[8];
    int dgs[16];
    size_t n_dgs;
} lds_com;
ks_status lds_parse_com(const uint8_t *buf, size_t len, lds_com *out);

/* DG1: the MRZ (5F1F) as one NUL-terminated string of 88 (TD3), 72 (TD2) or
 * 90 (TD1) characters of A-Z 0-9 '<'; not parsed into fields here. */
typedef struct lds_dg1 {
    char mrz[91];
    size_t mrz_len;
} lds_dg1;
ks_status lds_parse_dg1(const uint8_t *buf, size_t len, lds_dg1 *out);

/* A field of DG11/DG12: points into the caller's buffer, not NUL-terminated;
 * {NULL, 0} when absent. */
typedef struct lds_text {
    const uint8_t *p;
    size_t len;
} lds_text;

#define LDS_MAX_NAMES 8

/* DG11 (additional personal details). Other names (5F0F) may stand inside
 * A0 { 02 count, 5F0F ... } or directly; beyond LDS_MAX_NAMES they are
 * dropped and n_other_names stays at LDS_MAX_NAMES. */
typedef struct lds_dg11 {
    lds_text full_name, personal_number, full_date_of_birth, place_of_birth,
        address, telephone, profession, title, personal_summary,
        proof_of_citizenship, other_td_numbers, custody_info;
    lds_text other_names[LDS_MAX_NAMES];
    size_t n_other_names;
} lds_dg11;
ks_status lds_parse_dg11(const uint8_t *buf, size_t len, lds_dg11 *out);

/* DG12 (additional document details). other_persons is the first name of
 * another person (5F1A); all of them are in other_persons_list. */
typedef struct lds_dg12 {
    lds_text issuing_authority, date_of_issue, other_persons, endorsements,
        tax_exit, image_front, image_rear, personalization_time,
        personalization_device;
    lds_text other_persons_list[LDS_MAX_NAMES];
    size_t n_other_persons;
} lds_dg12;
ks_status lds_parse_dg12(const uint8_t *buf, size_t len, lds_dg12 *out);

/* DG14: the DER SET OF SecurityInfo (tag 31, header included) inside 6E. */
ks_status lds_dg14_security_infos(const uint8_t *buf, size_t len,
                                  const uint8_t **infos, size_t *infos_len);
/* DG15: the DER SubjectPublicKeyInfo (tag 30, header included) inside 6F,
 * ready for d2i_PUBKEY. */
ks_status lds_dg15_public_key(const uint8_t *buf, size_t len,
                              const uint8_t **spki, size_t *spki_len);

#endif
