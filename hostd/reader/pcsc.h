/*
 * pcsc.h — the PC/SC-lite transport: any reader pcscd drives (libccid,
 * libccidtwin on a serial line, the vpcd virtual reader, ...).
 *
 * pcsc_open() connects to a card (shared mode; a transaction is held while
 * the transport is open so no other client interleaves APDUs with our secure
 * messaging) and returns a transport (see transport.h) to be closed with
 * transport_close(). Without a reader name it takes the first reader holding
 * a card, waiting up to wait_ms for one to be inserted. Errors come back as a
 * status plus one English line in `err` (no personal data).
 */
#ifndef KS_PCSC_H
#define KS_PCSC_H

#include <stddef.h>

#include "transport.h"

typedef struct pcsc_open_opts {
    const char *reader; /* exact reader name, or NULL for the first with a card */
    int wait_ms;        /* how long to wait for a card; 0 = do not wait */
} pcsc_open_opts;

ks_status pcsc_open(const pcsc_open_opts *opts, transport **out, char *err, size_t err_cap);

/* Names of the readers pcscd knows, one per call of `each`; returns how many. */
ks_status pcsc_list(void (*each)(const char *name, int has_card, void *ctx), void *ctx,
                    size_t *count, char *err, size_t err_cap);

/* The reader name of an open PC/SC transport. */
const char *pcsc_reader_name(const transport *t);

#endif
