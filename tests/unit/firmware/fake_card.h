/* fake_card.h — a scripted card_if for the CCID slot tests. */
#ifndef TEST_FAKE_CARD_H
#define TEST_FAKE_CARD_H

#include <string.h>

#include "card_if.h"

typedef struct fake_card {
    card_if base;
    bool present;
    bool type_b;
    uint8_t ident[16]; /* ATS or ATQB */
    size_t ident_len;
    int activations, deactivations, transceives;
    uint8_t last_apdu[1100];
    size_t last_len;
    size_t resp_data_len;  /* response = resp_data_len pattern bytes + 90 00 */
    ks_status transceive_status;
} fake_card;

static ks_status fake_activate(card_if *c, uint8_t *out, size_t cap, size_t *len, bool *type_b)
{
    fake_card *f = (fake_card *)c;
    if (!f->present)
        return KS_ERR_NOT_FOUND;
    if (cap < f->ident_len)
        return KS_ERR_TOO_LARGE;
    memcpy(out, f->ident, f->ident_len);
    *len = f->ident_len;
    *type_b = f->type_b;
    f->activations++;
    return KS_OK;
}

static ks_status fake_transceive(card_if *c, const uint8_t *apdu, size_t len, uint8_t *resp,
                                 size_t cap, size_t *resp_len)
{
    fake_card *f = (fake_card *)c;
    f->transceives++;
    if (len <= sizeof f->last_apdu) {
        memcpy(f->last_apdu, apdu, len);
        f->last_len = len;
    }
    if (f->transceive_status != KS_OK)
        return f->transceive_status;
    if (!f->present)
        return KS_ERR_REMOVED;
    if (cap < f->resp_data_len + 2)
        return KS_ERR_TOO_LARGE;
    for (size_t i = 0; i < f->resp_data_len; i++)
        resp[i] = (uint8_t)(i * 7 + 1);
    resp[f->resp_data_len] = 0x90;
    resp[f->resp_data_len + 1] = 0x00;
    *resp_len = f->resp_data_len + 2;
    return KS_OK;
}

static ks_status fake_present(card_if *c)
{
    return ((fake_card *)c)->present ? KS_OK : KS_ERR_REMOVED;
}

static void fake_deactivate(card_if *c)
{
    ((fake_card *)c)->deactivations++;
}

static ks_status fake_uid(card_if *c, uint8_t *out, size_t cap, size_t *len)
{
    static const uint8_t uid[7] = {0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    (void)c;
    if (cap < sizeof uid)
        return KS_ERR_TOO_LARGE;
    memcpy(out, uid, sizeof uid);
    *len = sizeof uid;
    return KS_OK;
}

static const struct card_if_ops fake_ops = {fake_activate, fake_transceive, fake_present,
                                            fake_deactivate, fake_uid};

/* A type A card whose ATS is TL=08 T0=78 TA=80 TB=70 TC=02 + hist 31 FE 45. */
static void fake_card_init(fake_card *f)
{
    static const uint8_t ats[8] = {0x08, 0x78, 0x80, 0x70, 0x02, 0x31, 0xFE, 0x45};
    memset(f, 0, sizeof *f);
    f->base.ops = &fake_ops;
    f->present = true;
    memcpy(f->ident, ats, sizeof ats);
    f->ident_len = sizeof ats;
    f->resp_data_len = 0;
}

#endif
