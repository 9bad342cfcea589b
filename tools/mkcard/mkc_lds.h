/*
 * mkc_lds.h — the elementary files of the LDS 1.7 image (ICAO Doc 9303
 * Part 10): EF.COM, DG1 (MRZ) and DG2 (portrait).
 *
 * Offers builders that return a newly allocated file image (free it with
 * mkc_bytes_free) and the mapping between data-group numbers, their LDS tags
 * and their file identifiers.
 *
 * DG2 layout: 75 { 7F61 { 02 01 01, 7F60 { A1 { 80 0101, 81 02, 87 0101,
 * 88 0008 }, 5F2E <ISO/IEC 19794-5:2005 facial record> } } } with one full
 * frontal JPEG image, no feature points, its width, height and colour space
 * taken from the JPEG's frame header.
 *
 * Errors: KS_ERR_ARG for a bad DG number or empty input, the mkc_jpeg errors
 * for a portrait that is not a usable JPEG, KS_ERR_TOO_LARGE for a portrait
 * over MKC_LDS_PORTRAIT_MAX bytes.
 */
#ifndef MKC_LDS_H
#define MKC_LDS_H

#include <stddef.h>
#include <stdint.h>

#include "mkc_util.h"
#include "status.h"

#define MKC_LDS_PORTRAIT_MAX (4u * 1024u * 1024u)

/* LDS tag of DG1..DG16 (0x61, 0x75, ... 0x70), 0 for other numbers. */
uint8_t mkc_lds_dg_tag(unsigned dg);
/* File identifier of DG1..DG16 (0x0101..0x0110), 0 for other numbers. */
uint16_t mkc_lds_dg_fid(unsigned dg);

#define MKC_LDS_FID_COM 0x011Eu
#define MKC_LDS_FID_SOD 0x011Du

/* EF.COM: 60 { 5F01 "0107", 5F36 "040000", 5C <tags of dgs[0..n)> }. */
ks_status mkc_lds_com(const unsigned *dgs, size_t n, mkc_bytes *out);

/* DG1: 61 { 5F1F <mrz> }. */
ks_status mkc_lds_dg1(const char *mrz, size_t mrz_len, mkc_bytes *out);

/* Gender byte of the facial record for an MRZ sex character. */
uint8_t mkc_lds_gender(char mrz_sex);

/* DG2 from a JPEG portrait. */
ks_status mkc_lds_dg2(const uint8_t *jpeg, size_t len, uint8_t gender, mkc_bytes *out);

#endif
