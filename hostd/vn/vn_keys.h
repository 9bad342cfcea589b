/*
 * vn_keys.h — chip access keys for a CCCD derived from its printed QR alone,
 * as an ordered list of candidates to try.
 *
 * CAN (PACE): the last 6 digits of the 12-digit ID. Tried first: one PACE
 * run settles it on cards that support PACE.
 *
 * MRZ key (BAC or PACE-MRZ): document number = last 9 digits of the ID,
 * date of birth = the QR's, as YYMMDD, and a date of expiry that the QR does
 * not print and has to be worked out from the law:
 *
 *   Law on Citizen Identification 2014 (art. 21) and Law on Identification
 *   2023 (art. 21, in force 1 July 2024): the card must be renewed when the
 *   holder turns 14 (2023 law only), 25, 40 and 60; a card issued, renewed
 *   or re-issued within the 2 years before one of those ages stays valid
 *   until the next one; after 60 there is no next one, so a card issued from
 *   58 on never expires (the MRZ then says 991231). The printed expiry is the
 *   holder's birthday in the milestone year.
 *
 * The 2014 law issued cards only from age 14, where its milestones and the
 * 2023 law's agree, so one milestone list {14, 25, 40, 60} serves both.
 * The age is taken at the ISSUE date in the QR, never today's.
 *
 * Candidates, most likely first, without duplicates:
 *   1. CAN.
 *   2. The rule above with the 2-year window counted to the day (issued on
 *      the 23rd birthday is inside the window before 25).
 *   3. The same rule with ages counted in calendar years only (issue year -
 *      birth year), which is how the rule is often applied and explained.
 *   4. The first milestone after the issue date and the one after it: they
 *      cover an officer or chip that read the window the other way.
 *   5. "991231" (no expiry) — last, unless the rule in 2 itself says "no
 *      expiry", in which case it is the first MRZ candidate.
 * A birthday on 29 February falls on 28 February in a common year; 1 March
 * follows right after as a second spelling of the same candidate.
 *
 * vn_keys_from_qr() returns how many candidates it wrote (at most cap, at
 * most VN_KEYS_MAX). With an ID that is not 12 digits it writes nothing;
 * with unusable dates (a hand-filled vn_qr) it writes only the CAN.
 * The keys are secrets derived from personal data: never log them.
 */
#ifndef KS_VN_KEYS_H
#define KS_VN_KEYS_H

#include <stddef.h>

#include "status.h"
#include "vn_qr.h"

#define VN_KEY_MRZ 1 /* BAC or PACE with the MRZ password */
#define VN_KEY_CAN 2 /* PACE with the card access number */
#define VN_KEYS_MAX 10

typedef struct vn_key {
    int kind;                 /* VN_KEY_MRZ or VN_KEY_CAN */
    char document_number[10]; /* MRZ: 9 digits; CAN: "" */
    char date_of_birth[7];    /* MRZ: YYMMDD; CAN: "" */
    char date_of_expiry[7];   /* MRZ: YYMMDD or "991231"; CAN: "" */
    char can[7];              /* CAN: 6 digits; MRZ: "" */
} vn_key;

size_t vn_keys_from_qr(const vn_qr *qr, vn_key *out, size_t cap);

/* The expiry the law gives a card issued on `issued` to someone born on
 * `born` (both ISO YYYY-MM-DD), as ISO, or "" when the card never expires.
 * KS_ERR_ARG on unusable dates or issue before birth. This is candidate 2
 * above, exposed for display and for the personalisation side. */
ks_status vn_expiry_by_law(const char *born_iso, const char *issued_iso, char out_iso[11]);

#endif
