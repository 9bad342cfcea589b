/*
 * vn_dg13.h — DG13 of the CCCD chip (tag 0x6D), Vietnam's own data group
 * with the personal details printed on the card and a few that are not.
 *
 * Layout seen on cards and in public parsers:
 *   6D { SEQUENCE { INTEGER version, OID, SET { item, item, ... } } }
 *   item = SEQUENCE { INTEGER index, value... }
 * where a value is a string (UTF8String or PrintableString), nothing (an
 * absent field, e.g. no spouse), or SEQUENCEs of strings (index 13 holds the
 * father's and the mother's name, each in its own SEQUENCE). The parser goes
 * by index, never by byte offset, and tolerates the outer wrapping being
 * shallower or deeper (SEQUENCE/SET nesting up to 6 levels, version and OID
 * anywhere above the items, zero bytes padding the file after 6D). An item is
 * a SEQUENCE starting with an INTEGER and holding no OID and no SET.
 *
 * Index map: 1 ID, 2 name, 3 date of birth, 4 sex, 5 nationality,
 * 6 ethnicity, 7 religion, 8 place of origin, 9 place of residence,
 * 10 identification features, 11 date of issue, 12 date of expiry,
 * 13 { father, mother }, 14 spouse, 15 old ID number when it is 9 or 12
 * digits (public parsers disagree about 15/16, so anything else under 15,
 * and everything under 16, goes to extra[]). Unknown indices go to extra[]
 * with their strings joined by " | " (a non-string primitive is written as
 * "0x" and its hex bytes).
 *
 * Dates dd/MM/yyyy (also dd-MM-yyyy, dd.MM.yyyy) become ISO YYYY-MM-DD; the
 * expiry becomes "" when it is empty or says "Không ..." (no expiry). A date
 * that is neither is KS_ERR_MALFORMED.
 *
 * Errors: KS_ERR_ARG, KS_ERR_TRUNCATED / KS_ERR_MALFORMED /
 * KS_ERR_UNSUPPORTED from the TLV layer, KS_ERR_MALFORMED for a wrong tag,
 * an index outside 1..65535 or repeated, invalid text, or no items at all;
 * KS_ERR_TOO_LARGE for a value longer than its field or more than
 * VN_DG13_MAX_EXTRA unknown items (nothing is truncated or dropped). On
 * error *out is zeroed. The result is personal data: never log it.
 */
#ifndef KS_VN_DG13_H
#define KS_VN_DG13_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define VN_DG13_TAG 0x6Du
#define VN_DG13_MAX_EXTRA 16

typedef struct vn_dg13_extra {
    int index;
    char value[256];
} vn_dg13_extra;

typedef struct vn_dg13 {
    char id_number[16];
    char full_name[128];
    char date_of_birth[11]; /* ISO */
    char sex[8];            /* "Nam" / "Nữ" as stored */
    char nationality[64];
    char ethnicity[64];
    char religion[64];
    char place_of_origin[256];
    char place_of_residence[256];
    char identification_features[256];
    char date_of_issue[11];  /* ISO */
    char date_of_expiry[11]; /* ISO, or "" when the card says no expiry */
    char father_name[128];
    char mother_name[128];
    char spouse_name[128];
    char old_id_number[16];
    vn_dg13_extra extra[VN_DG13_MAX_EXTRA];
    size_t n_extra; /* unknown indices in card order, values verbatim */
    int version;    /* the INTEGER before the OID; -1 when absent */
} vn_dg13;

ks_status vn_dg13_parse(const uint8_t *buf, size_t len, vn_dg13 *out);

#endif
