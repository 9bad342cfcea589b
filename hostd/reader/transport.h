/*
 * transport.h — how hostd talks to a card, whatever the reader.
 *
 * A transport carries one command APDU to the card in the reader and brings
 * back the response APDU (data + SW1 SW2). It knows nothing of secure
 * messaging or of the eMRTD application: those live in hostd/icao. Each
 * reader family (PC/SC-lite, libnfc) implements this interface; tests can
 * script one. The caller owns the response buffer; a transport never keeps
 * pointers to it after the call.
 *
 * Errors: KS_ERR_REMOVED when the card left the field (the session is over),
 * KS_ERR_TRANSPORT for a reader or link failure, KS_ERR_TOO_LARGE when the
 * response does not fit the caller's buffer.
 */
#ifndef KS_TRANSPORT_H
#define KS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct transport_caps {
    size_t max_command; /* largest command APDU the reader carries, bytes */
    size_t max_response; /* largest response APDU (data + SW), bytes */
    bool extended_length; /* reader passes extended-length APDUs */
} transport_caps;

typedef struct transport transport;

struct transport_ops {
    ks_status (*transmit)(transport *t, const uint8_t *cmd, size_t cmd_len,
                          uint8_t *resp, size_t resp_cap, size_t *resp_len);
    /* The card's answer to reset (or ATS-derived ATR for contactless). */
    ks_status (*atr)(transport *t, uint8_t *out, size_t cap, size_t *len);
    ks_status (*caps)(transport *t, transport_caps *out);
    /* KS_OK while the same card is present, KS_ERR_REMOVED otherwise. */
    ks_status (*present)(transport *t);
    void (*close)(transport *t);
};

struct transport {
    const struct transport_ops *ops;
};

static inline ks_status transport_transmit(transport *t, const uint8_t *cmd, size_t cmd_len,
                                           uint8_t *resp, size_t resp_cap, size_t *resp_len)
{
    return t->ops->transmit(t, cmd, cmd_len, resp, resp_cap, resp_len);
}
static inline ks_status transport_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    return t->ops->atr(t, out, cap, len);
}
static inline ks_status transport_caps_get(transport *t, transport_caps *out)
{
    return t->ops->caps(t, out);
}
static inline ks_status transport_present(transport *t)
{
    return t->ops->present(t);
}
static inline void transport_close(transport *t)
{
    if (t)
        t->ops->close(t);
}

#endif
