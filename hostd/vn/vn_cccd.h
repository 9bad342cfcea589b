/*
 * vn_cccd.h — a Vietnamese citizen ID card on top of the generic eMRTD read:
 * the access keys to try from the printed QR, and what the kiosk checks
 * after the chip has been read (DG13 decoded, QR vs DG13 vs DG1 agreement).
 *
 * vn_cccd_keys() turns the QR's candidates (vn_keys.h) into emrtd keys, in
 * the same order. vn_cccd_examine() never fails: what could not be decoded
 * is reported through the status fields, and a consistency check runs over
 * whichever of QR, DG13 and DG1 are available.
 */
#ifndef KS_VN_CCCD_H
#define KS_VN_CCCD_H

#include <stdbool.h>
#include <stddef.h>

#include "emrtd.h"
#include "vn_check.h"
#include "vn_dg13.h"
#include "vn_qr.h"

typedef struct vn_cccd {
    bool have_qr;
    vn_qr qr;
    bool have_dg13;
    ks_status dg13_status; /* KS_ERR_NOT_FOUND when the card has no DG13 */
    vn_dg13 dg13;
    vn_mismatches mismatches;
} vn_cccd;

size_t vn_cccd_keys(const vn_qr *qr, emrtd_key *out, size_t cap);

void vn_cccd_examine(const emrtd_doc *doc, const vn_qr *qr, vn_cccd *out);

#endif
