/*
 * iso14443_3.c — type A anticollision and type B activation.
 */
#include "iso14443_3.h"

#include <string.h>

#define WUPA 0x52u
#define CASCADE_TAG 0x88u
#define HLTA_CMD 0x50u
#define APF 0x05u
#define WUPB_PARAM 0x08u /* b4: WUPB, N = 1 slot */
#define ATTRIB_CMD 0x1Du

static ks_status raw(nfc_frontend *fe, nfc_tech tech, nfc_raw_xfer *x)
{
    if (!fe->ops->raw)
        return KS_ERR_UNSUPPORTED;
    x->rx_bits = 0;
    x->coll_bit = -1;
    return fe->ops->raw(fe, tech, x);
}

/* Anticollision and SELECT of one cascade level; uid5 receives UID CLn + BCC. */
static ks_status select_level(nfc_frontend *fe, uint8_t sel, uint8_t uid5[5], uint8_t *sak)
{
    size_t known = 0; /* valid UID bits so far */
    memset(uid5, 0, 5);
    for (int round = 0; round < 41; round++) {
        uint8_t tx[7], rx[6];
        size_t whole = known / 8, part = known % 8;
        tx[0] = sel;
        tx[1] = (uint8_t)(((2u + whole) << 4) | part);
        memcpy(tx + 2, uid5, whole + (part ? 1u : 0u));
        nfc_raw_xfer x = {.tx = tx, .tx_bits = 16u + known, .crc = false, .rx = rx,
                          .rx_cap = 5u - whole, .timeout_us = ISO14443_3_A_TIMEOUT_US};
        ks_status st = raw(fe, NFC_TECH_A, &x);
        if (st != KS_OK)
            return st == KS_ERR_TIMEOUT ? KS_ERR_NOT_FOUND : st;
        size_t rx_bits = x.rx_bits;
        if (x.coll_bit >= 0 && (size_t)x.coll_bit < rx_bits)
            rx_bits = (size_t)x.coll_bit;
        if (rx_bits < part || (rx_bits == part && x.coll_bit < 0) || rx_bits > (5u - whole) * 8u)
            return KS_ERR_MALFORMED;
        /* merge the answer: bits below `part` of rx[0] are ours already */
        uint8_t low_mask = (uint8_t)((1u << part) - 1u);
        size_t rx_bytes = (rx_bits + 7u) / 8u;
        for (size_t j = 0; j < rx_bytes; j++) {
            uint8_t v = rx[j];
            if (j == 0)
                v = (uint8_t)((uid5[whole] & low_mask) | (v & (uint8_t)~low_mask));
            uid5[whole + j] = v;
        }
        known = whole * 8u + rx_bits;
        if (x.coll_bit >= 0) {
            if (known >= 40)
                return KS_ERR_MALFORMED;
            /* keep only the valid bits and choose 1 at the collision */
            size_t b = known / 8, bit = known % 8;
            uid5[b] = (uint8_t)((uid5[b] & ((1u << bit) - 1u)) | (1u << bit));
            known++;
            continue;
        }
        if (known != 40)
            return KS_ERR_MALFORMED;
        break;
    }
    if (known != 40)
        return KS_ERR_MALFORMED;
    if ((uint8_t)(uid5[0] ^ uid5[1] ^ uid5[2] ^ uid5[3]) != uid5[4])
        return KS_ERR_MALFORMED;
    uint8_t tx[7] = {sel, 0x70, uid5[0], uid5[1], uid5[2], uid5[3], uid5[4]};
    uint8_t rx[3];
    nfc_raw_xfer x = {.tx = tx, .tx_bits = 56, .crc = true, .rx = rx, .rx_cap = sizeof rx,
                      .timeout_us = ISO14443_3_A_TIMEOUT_US};
    ks_status st = raw(fe, NFC_TECH_A, &x);
    if (st != KS_OK)
        return st == KS_ERR_TIMEOUT ? KS_ERR_NOT_FOUND : st;
    if (x.rx_bits != 8)
        return KS_ERR_MALFORMED;
    *sak = rx[0];
    return KS_OK;
}

ks_status iso14443_3_poll_a(nfc_frontend *fe, nfc_target *out)
{
    if (!fe || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->tech = NFC_TECH_A;
    uint8_t wupa = WUPA, atqa[2];
    nfc_raw_xfer x = {.tx = &wupa, .tx_bits = 7, .crc = false, .rx = atqa, .rx_cap = 2,
                      .timeout_us = ISO14443_3_A_TIMEOUT_US};
    ks_status st = raw(fe, NFC_TECH_A, &x);
    if (st == KS_ERR_TIMEOUT)
        return KS_ERR_NOT_FOUND;
    /* ATQA bits of several cards collide harmlessly; anticollision sorts them out */
    if (st != KS_OK && st != KS_ERR_MALFORMED)
        return st;
    if (x.rx_bits != 16)
        return KS_ERR_MALFORMED;
    out->atqa[0] = atqa[0];
    out->atqa[1] = atqa[1];

    static const uint8_t sel[3] = {0x93, 0x95, 0x97};
    for (size_t level = 0; level < 3; level++) {
        uint8_t uid5[5], sak = 0;
        st = select_level(fe, sel[level], uid5, &sak);
        if (st != KS_OK)
            return st;
        out->sak = sak;
        bool more = (sak & NFC_SAK_CASCADE) != 0;
        if (more) {
            if (uid5[0] != CASCADE_TAG || level == 2)
                return KS_ERR_MALFORMED;
            memcpy(out->uid + out->uid_len, uid5 + 1, 3);
            out->uid_len += 3;
            continue;
        }
        memcpy(out->uid + out->uid_len, uid5, 4);
        out->uid_len += 4;
        return KS_OK;
    }
    return KS_ERR_MALFORMED;
}

ks_status iso14443_3_hlta(nfc_frontend *fe)
{
    uint8_t tx[2] = {HLTA_CMD, 0x00}, rx[1];
    nfc_raw_xfer x = {.tx = tx, .tx_bits = 16, .crc = true, .rx = rx, .rx_cap = 1,
                      .timeout_us = ISO14443_3_A_TIMEOUT_US};
    ks_status st = raw(fe, NFC_TECH_A, &x);
    /* HLTA is acknowledged by silence. */
    return st == KS_ERR_TIMEOUT ? KS_OK : (st == KS_OK ? KS_ERR_MALFORMED : st);
}

ks_status iso14443_3_poll_b(nfc_frontend *fe, uint8_t afi, nfc_target *out)
{
    if (!fe || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->tech = NFC_TECH_B;
    uint8_t wupb[3] = {APF, afi, WUPB_PARAM}, atqb[14];
    nfc_raw_xfer x = {.tx = wupb, .tx_bits = 24, .crc = true, .rx = atqb, .rx_cap = sizeof atqb,
                      .timeout_us = ISO14443_3_B_TIMEOUT_US};
    ks_status st = raw(fe, NFC_TECH_B, &x);
    if (st == KS_ERR_TIMEOUT)
        return KS_ERR_NOT_FOUND;
    if (st != KS_OK)
        return st;
    /* 12 bytes, or 13 with the extended protocol info byte */
    if ((x.rx_bits != 96 && x.rx_bits != 104) || atqb[0] != 0x50)
        return KS_ERR_MALFORMED;
    memcpy(out->atqb, atqb, NFC_ATQB_LEN);
    memcpy(out->uid, atqb + 1, 4);
    out->uid_len = 4;

    uint8_t attrib[9] = {ATTRIB_CMD, atqb[1], atqb[2], atqb[3], atqb[4],
                         0x00,                         /* default TR0/TR1, SOF/EOF */
                         0x08,                         /* 106 kbit/s both ways, FSDI 8 */
                         (uint8_t)(atqb[10] & 0x0Fu),  /* echo the protocol type */
                         0x00};                        /* CID 0 */
    uint8_t ans[8];
    uint8_t fwi = (uint8_t)(atqb[11] >> 4);
    uint32_t fwt_us = (uint32_t)(((uint64_t)4096u << (fwi > 14 ? 4 : fwi)) * 100u / 1356u);
    nfc_raw_xfer y = {.tx = attrib, .tx_bits = 72, .crc = true, .rx = ans, .rx_cap = sizeof ans,
                      .timeout_us = fwt_us + 5000u};
    st = raw(fe, NFC_TECH_B, &y);
    if (st == KS_ERR_TIMEOUT)
        return KS_ERR_NOT_FOUND;
    if (st != KS_OK)
        return st;
    if (y.rx_bits < 8 || y.rx_bits % 8 != 0 || (ans[0] & 0x0Fu) != 0)
        return KS_ERR_MALFORMED;
    out->attrib_res0 = ans[0];
    out->has_attrib_res = true;
    return KS_OK;
}
