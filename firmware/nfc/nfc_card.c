/*
 * nfc_card.c — the CCID slot's view of a contactless card.
 */
#include "nfc_card.h"

#include <string.h>

static nfc_card *from_if(card_if *c)
{
    return (nfc_card *)(void *)c;
}

/* Finds one card of either type; KS_ERR_NOT_FOUND when the field is empty. */
static ks_status poll_any(nfc_card *c)
{
    ks_status st = c->fe->ops->poll_a(c->fe, &c->target);
    if (st == KS_ERR_NOT_FOUND && c->cfg.try_type_b && c->fe->ops->poll_b)
        st = c->fe->ops->poll_b(c->fe, c->cfg.afi, &c->target);
    return st;
}

static ks_status activate_a(nfc_card *c, uint8_t *out, size_t cap, size_t *len)
{
    if (!(c->target.sak & NFC_SAK_ISO14443_4))
        return KS_ERR_UNSUPPORTED;
    if (c->target.ats_len == 0) {
        size_t n = 0;
        ks_status st = tcl_rats(&c->t, c->fe, c->target.ats, sizeof c->target.ats, &n);
        if (st != KS_OK)
            return st;
        c->target.ats_len = n;
    } else {
        tcl_params p;
        ks_status st = tcl_parse_ats(c->target.ats, c->target.ats_len, &p);
        if (st != KS_OK)
            return st;
        tcl_init(&c->t, c->fe, &p);
        tcl_wait_sfgt(&c->t);
    }
    if (c->target.ats_len > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out, c->target.ats, c->target.ats_len);
    *len = c->target.ats_len;
    return KS_OK;
}

static ks_status activate_b(nfc_card *c, uint8_t *out, size_t cap, size_t *len)
{
    tcl_params p;
    ks_status st = tcl_parse_atqb(c->target.atqb, NFC_ATQB_LEN, &p);
    if (st != KS_OK)
        return st;
    tcl_init(&c->t, c->fe, &p);
    size_t n = NFC_ATQB_LEN + (c->target.has_attrib_res ? 1u : 0u);
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out, c->target.atqb, NFC_ATQB_LEN);
    if (c->target.has_attrib_res)
        out[NFC_ATQB_LEN] = c->target.attrib_res0;
    *len = n;
    return KS_OK;
}

static ks_status card_activate(card_if *ci, uint8_t *out, size_t cap, size_t *len, bool *type_b)
{
    nfc_card *c = from_if(ci);
    if (!out || !len || !type_b)
        return KS_ERR_ARG;
    c->active = false;
    ks_status st = c->fe->ops->field(c->fe, true);
    if (st != KS_OK)
        return st;
    st = poll_any(c);
    if (st == KS_OK) {
        *type_b = c->target.tech == NFC_TECH_B;
        st = *type_b ? activate_b(c, out, cap, len) : activate_a(c, out, cap, len);
    }
    if (st != KS_OK) {
        (void)c->fe->ops->field(c->fe, false);
        return st;
    }
    c->active = true;
    return KS_OK;
}

static ks_status card_transceive(card_if *ci, const uint8_t *apdu, size_t len, uint8_t *resp,
                                 size_t cap, size_t *resp_len)
{
    nfc_card *c = from_if(ci);
    if (!c->active)
        return KS_ERR_REMOVED;
    ks_status st;
    if (c->cfg.use_chip_tcl && c->fe->ops->exchange_apdu)
        st = c->fe->ops->exchange_apdu(c->fe, apdu, len, resp, cap, resp_len);
    else
        st = tcl_exchange(&c->t, apdu, len, resp, cap, resp_len);
    if (st == KS_ERR_REMOVED)
        c->active = false;
    return st;
}

static ks_status card_present(card_if *ci)
{
    nfc_card *c = from_if(ci);
    if (c->active) {
        if (c->cfg.use_chip_tcl && c->fe->ops->exchange_apdu)
            return KS_OK; /* the chip's engine owns the block numbers; no ping */
        ks_status st = tcl_presence(&c->t);
        if (st != KS_OK)
            c->active = false;
        return st;
    }
    if (c->fe->ops->field(c->fe, true) != KS_OK)
        return KS_ERR_REMOVED;
    ks_status st = poll_any(c);
    /* Field off resets the card, so a later activate starts from IDLE. */
    (void)c->fe->ops->field(c->fe, false);
    return st == KS_OK ? KS_OK : KS_ERR_REMOVED;
}

static void card_deactivate(card_if *ci)
{
    nfc_card *c = from_if(ci);
    if (c->active && !(c->cfg.use_chip_tcl && c->fe->ops->exchange_apdu))
        (void)tcl_deselect(&c->t);
    if (c->fe->ops->release)
        (void)c->fe->ops->release(c->fe);
    (void)c->fe->ops->field(c->fe, false);
    c->active = false;
}

static ks_status card_uid(card_if *ci, uint8_t *out, size_t cap, size_t *len)
{
    nfc_card *c = from_if(ci);
    if (!c->active)
        return KS_ERR_REMOVED;
    if (!out || !len)
        return KS_ERR_ARG;
    if (c->target.uid_len > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out, c->target.uid, c->target.uid_len);
    *len = c->target.uid_len;
    return KS_OK;
}

static const struct card_if_ops nfc_card_ops = {
    .activate = card_activate,
    .transceive = card_transceive,
    .present = card_present,
    .deactivate = card_deactivate,
    .uid = card_uid,
};

void nfc_card_init(nfc_card *c, nfc_frontend *fe, const nfc_card_config *cfg)
{
    memset(c, 0, sizeof *c);
    c->base.ops = &nfc_card_ops;
    c->fe = fe;
    if (cfg)
        c->cfg = *cfg;
    tcl_init(&c->t, fe, NULL);
}
