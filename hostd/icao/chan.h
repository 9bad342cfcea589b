/*
 * chan.h — the APDU channel to an eMRTD chip: a transport plus, once access
 * control has succeeded, secure messaging.
 *
 * chan_transmit() takes a plain command and gives back the plain response
 * data and status word. While secure messaging is active every command is
 * wrapped and every response's MAC is verified before any byte of it is
 * returned; a response that fails verification ends the session (the chip
 * would not accept another command under those keys anyway) and yields
 * KS_ERR_AUTH. The channel counts APDUs and bytes on the wire for the read
 * statistics. It owns a scratch buffer for one extended APDU each way.
 */
#ifndef KS_CHAN_H
#define KS_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "sm.h"
#include "transport.h"

typedef struct chan_stats {
    unsigned apdus;
    size_t bytes_sent;     /* command APDU bytes, as on the wire */
    size_t bytes_received; /* response APDU bytes, data + SW */
} chan_stats;

typedef struct chan {
    transport *t;
    bool sm_active;
    sm_ctx sm;
    bool extended;         /* both card and reader take extended-length APDUs */
    size_t max_response;   /* largest response APDU (data + SW) the path carries */
    chan_stats stats;
    uint8_t *wire;         /* scratch: encoded command, then raw response */
    size_t wire_cap;
} chan;

/* Sets up the channel over t, reading the reader's capabilities and the ATR. */
ks_status chan_init(chan *c, transport *t);
void chan_free(chan *c);

/* Starts (or restarts, after Chip Authentication) secure messaging. */
void chan_start_sm(chan *c, const sm_ctx *sm);
void chan_stop_sm(chan *c);

/* Sends a plain command; *resp_len plain data bytes land in resp. */
ks_status chan_transmit(chan *c, const apdu_cmd *cmd, uint8_t *resp, size_t cap,
                        size_t *resp_len, uint16_t *sw);

/* Largest Ne a single READ BINARY can ask for on this channel right now. */
size_t chan_max_read(const chan *c);

/* The card refused an extended APDU: stay with short ones from now on. */
void chan_disable_extended(chan *c);

#endif
