#include "nfc.h"

#include <nfc/nfc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 5000
#define POLL_STEP_MS 250
#define ATR_MAX 33u

typedef struct nfc_reader {
    transport base;
    nfc_context *ctx;
    nfc_device *dev;
    nfc_target target;
    int timeout_ms;
    bool gone; /* the card was seen to leave: every later call says so */
} nfc_reader;

static void set_err(char *err, size_t cap, const char *what, const char *why)
{
    if (err && cap)
        snprintf(err, cap, "%s%s%s", what, why ? ": " : "", why ? why : "");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static ks_status nfc_present(transport *t)
{
    nfc_reader *r = (nfc_reader *)t;
    if (r->gone)
        return KS_ERR_REMOVED;
    if (nfc_initiator_target_is_present(r->dev, &r->target) != NFC_SUCCESS)
        r->gone = true;
    return r->gone ? KS_ERR_REMOVED : KS_OK;
}

static ks_status nfc_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                              size_t resp_cap, size_t *resp_len)
{
    nfc_reader *r = (nfc_reader *)t;
    if (!cmd || !resp || !resp_len || cmd_len < 4)
        return KS_ERR_ARG;
    if (cmd_len > NFC_READER_MAX_COMMAND)
        return KS_ERR_TOO_LARGE;
    if (r->gone)
        return KS_ERR_REMOVED;
    /* libnfc refuses an answer longer than the buffer outright, so offer the
     * most a PN53x can bring back and check the caller's room afterwards. */
    uint8_t rx[NFC_READER_MAX_RESPONSE + 8];
    int n = nfc_initiator_transceive_bytes(r->dev, cmd, cmd_len, rx, sizeof rx, r->timeout_ms);
    if (n < 0) {
        if (n == NFC_EOVFLOW)
            return KS_ERR_TOO_LARGE;
        /* A card pulled out shows as a timeout, an RF error or a released
         * target depending on the moment; the presence check tells which. */
        return nfc_present(t) == KS_ERR_REMOVED ? KS_ERR_REMOVED : KS_ERR_TRANSPORT;
    }
    if (n < 2)
        return KS_ERR_TRANSPORT;
    if ((size_t)n > resp_cap)
        return KS_ERR_TOO_LARGE;
    memcpy(resp, rx, (size_t)n);
    *resp_len = (size_t)n;
    return KS_OK;
}

/* PC/SC Part 3, 3.1.3.2.3: 3B 8n 80 01 + historical bytes + TCK. */
static ks_status atr_from_historical(const uint8_t *hist, size_t hist_len, uint8_t *out,
                                     size_t cap, size_t *len)
{
    if (hist_len > 15)
        hist_len = 15;
    size_t n = 4 + hist_len + 1;
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    out[0] = 0x3B;
    out[1] = (uint8_t)(0x80 | hist_len);
    out[2] = 0x80;
    out[3] = 0x01;
    if (hist_len)
        memcpy(out + 4, hist, hist_len);
    uint8_t tck = 0;
    for (size_t i = 1; i < n - 1; i++)
        tck ^= out[i];
    out[n - 1] = tck;
    *len = n;
    return KS_OK;
}

/* The historical bytes of an ATS: after TL's T0 and the interface bytes T0 announces. */
static void ats_historical(const uint8_t *ats, size_t ats_len, const uint8_t **hist,
                           size_t *hist_len)
{
    *hist = NULL;
    *hist_len = 0;
    if (ats_len < 1)
        return;
    size_t pos = 1; /* libnfc drops TL: ats[0] is T0 */
    uint8_t t0 = ats[0];
    pos += (t0 & 0x10 ? 1u : 0u) + (t0 & 0x20 ? 1u : 0u) + (t0 & 0x40 ? 1u : 0u);
    if (pos > ats_len)
        return;
    *hist = ats + pos;
    *hist_len = ats_len - pos;
}

static ks_status nfc_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    nfc_reader *r = (nfc_reader *)t;
    if (!out || !len)
        return KS_ERR_ARG;
    if (r->target.nm.nmt == NMT_ISO14443B) {
        /* Application data (4) + protocol info (3) + MBLI 0, per Part 3. */
        const nfc_iso14443b_info *b = &r->target.nti.nbi;
        uint8_t hist[8];
        memcpy(hist, b->abtApplicationData, 4);
        memcpy(hist + 4, b->abtProtocolInfo, 3);
        hist[7] = 0x00;
        return atr_from_historical(hist, sizeof hist, out, cap, len);
    }
    const nfc_iso14443a_info *a = &r->target.nti.nai;
    const uint8_t *hist;
    size_t hist_len;
    ats_historical(a->abtAts, a->szAtsLen <= sizeof a->abtAts ? a->szAtsLen : 0, &hist,
                   &hist_len);
    return atr_from_historical(hist, hist_len, out, cap, len);
}

static ks_status nfc_caps(transport *t, transport_caps *out)
{
    (void)t;
    if (!out)
        return KS_ERR_ARG;
    out->max_command = NFC_READER_MAX_COMMAND;
    out->max_response = NFC_READER_MAX_RESPONSE;
    out->extended_length = false;
    return KS_OK;
}

static void nfc_reader_close(transport *t)
{
    nfc_reader *r = (nfc_reader *)t;
    if (r->dev) {
        /* DESELECT ends the card's secure messaging session; the field goes off. */
        nfc_initiator_deselect_target(r->dev);
        nfc_close(r->dev);
    }
    if (r->ctx)
        nfc_exit(r->ctx);
    free(r);
}

static const struct transport_ops nfc_ops = {
    .transmit = nfc_transmit,
    .atr = nfc_atr,
    .caps = nfc_caps,
    .present = nfc_present,
    .close = nfc_reader_close,
};

ks_status nfc_reader_uid(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    nfc_reader *r = (nfc_reader *)t;
    if (!r || !out || !len)
        return KS_ERR_ARG;
    const uint8_t *uid;
    size_t n;
    if (r->target.nm.nmt == NMT_ISO14443B) {
        uid = r->target.nti.nbi.abtPupi;
        n = 4;
    } else {
        uid = r->target.nti.nai.abtUid;
        n = r->target.nti.nai.szUidLen <= sizeof r->target.nti.nai.abtUid
                ? r->target.nti.nai.szUidLen
                : 0;
    }
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out, uid, n);
    *len = n;
    return KS_OK;
}

/* One pass over the modulations an eMRTD uses: 1 when a card was selected. */
static int select_once(nfc_reader *r)
{
    static const nfc_modulation kinds[] = {
        {.nmt = NMT_ISO14443A, .nbr = NBR_106},
        {.nmt = NMT_ISO14443B, .nbr = NBR_106},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int res = nfc_initiator_select_passive_target(r->dev, kinds[i], NULL, 0, &r->target);
        if (res < 0)
            return res;
        if (res == 0)
            continue;
        /* Type A: only an ISO 14443-4 card (SAK bit 6) carries APDUs. */
        if (kinds[i].nmt == NMT_ISO14443A && !(r->target.nti.nai.btSak & 0x20)) {
            nfc_initiator_deselect_target(r->dev);
            continue;
        }
        return 1;
    }
    return 0;
}

static ks_status open_device(nfc_reader *r, const nfc_reader_opts *opts, char *err,
                             size_t err_cap)
{
    nfc_init(&r->ctx);
    if (!r->ctx) {
        set_err(err, err_cap, "cannot start libnfc", NULL);
        return KS_ERR_TRANSPORT;
    }
    r->dev = nfc_open(r->ctx, opts->connstring);
    if (!r->dev) {
        set_err(err, err_cap, opts->connstring ? "cannot open the NFC device" : "no NFC device",
                NULL);
        return KS_ERR_NOT_FOUND;
    }
    if (nfc_initiator_init(r->dev) < 0 ||
        nfc_device_set_property_bool(r->dev, NP_INFINITE_SELECT, false) < 0 ||
        nfc_device_set_property_bool(r->dev, NP_AUTO_ISO14443_4, true) < 0 ||
        nfc_device_set_property_bool(r->dev, NP_EASY_FRAMING, true) < 0) {
        set_err(err, err_cap, "cannot make the NFC device an initiator", nfc_strerror(r->dev));
        return KS_ERR_TRANSPORT;
    }
    return KS_OK;
}

ks_status nfc_reader_open(const nfc_reader_opts *opts, transport **out, char *err,
                          size_t err_cap)
{
    if (!opts || !out || opts->wait_ms < 0 || opts->timeout_ms < 0)
        return KS_ERR_ARG;
    nfc_reader *r = calloc(1, sizeof *r);
    if (!r)
        return KS_ERR_NO_MEMORY;
    r->base.ops = &nfc_ops;
    r->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    ks_status st = open_device(r, opts, err, err_cap);
    if (st != KS_OK) {
        nfc_reader_close(&r->base);
        return st;
    }
    int waited = 0;
    for (;;) {
        int res = select_once(r);
        if (res < 0) {
            set_err(err, err_cap, "card selection failed", nfc_strerror(r->dev));
            nfc_reader_close(&r->base);
            return KS_ERR_TRANSPORT;
        }
        if (res > 0)
            break;
        if (waited >= opts->wait_ms) {
            set_err(err, err_cap, "no ISO 14443-4 card in the field", NULL);
            nfc_reader_close(&r->base);
            return KS_ERR_NOT_FOUND;
        }
        sleep_ms(POLL_STEP_MS);
        waited += POLL_STEP_MS;
    }
    *out = &r->base;
    return KS_OK;
}

ks_status nfc_reader_list(void (*each)(const char *connstring, void *ctx), void *ctx,
                          size_t *count, char *err, size_t err_cap)
{
    nfc_context *c = NULL;
    nfc_init(&c);
    if (!c) {
        set_err(err, err_cap, "cannot start libnfc", NULL);
        return KS_ERR_TRANSPORT;
    }
    nfc_connstring found[8];
    size_t n = nfc_list_devices(c, found, sizeof found / sizeof found[0]);
    for (size_t i = 0; i < n && each; i++)
        each(found[i], ctx);
    nfc_exit(c);
    if (count)
        *count = n;
    return KS_OK;
}
