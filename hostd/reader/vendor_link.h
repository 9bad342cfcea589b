/*
 * vendor_link.h — the host end of the reader firmware's vendor channel
 * (docs/vendor-channel.md, frames in common/vendor.h) on a tty: for
 * kiosk-vendorctl and for kioskd's QR source.
 *
 * Every frame the reader sends is acknowledged as it arrives; a command is
 * sent again every VLINK_RETRY_MS (same seq) until the reader acknowledges
 * it, so a lost frame costs a retry, never a command. Results use the
 * numbers kiosk-vendorctl exits with: VLINK_OK 0, VLINK_FAIL 1 (the reader
 * refused the command or reported a failure), VLINK_TIMEOUT 3, VLINK_TTY 4,
 * VLINK_STOPPED 5 (the caller's stop flag was raised). The QR text is
 * personal data: nothing here logs it.
 */
#ifndef KS_VENDOR_LINK_H
#define KS_VENDOR_LINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vendor.h"

enum { VLINK_OK = 0, VLINK_FAIL = 1, VLINK_TIMEOUT = 3, VLINK_TTY = 4, VLINK_STOPPED = 5 };
#define VLINK_RETRY_MS 200

typedef struct vlink {
    int fd;
    uint8_t seq;
    vendor_rx rx;
    const atomic_int *stop;  /* optional: raised, waits end with VLINK_STOPPED */
    uint8_t refused;         /* the reader's result byte when a command was refused */
} vlink;

long vlink_now_ms(void);

/* Opens the tty raw at 115200 baud. 0, or -1 with errno. */
int vlink_open(vlink *l, const char *tty);
void vlink_close(vlink *l);

/* Up to wait_ms for one good frame (acknowledged unless it is an ACK).
 * 1 frame, 0 nothing in time, -1 tty error. */
int vlink_next(vlink *l, long wait_ms, vendor_frame *f);

/* A frame that ends a transaction: return true and set *rc. */
typedef bool (*vlink_frame_fn)(const vendor_frame *f, void *ctx, int *rc);

/* Sends a command until acknowledged, then (with cb) waits for the frame cb
 * accepts, all before deadline_ms (vlink_now_ms() clock). */
int vlink_transact(vlink *l, long deadline_ms, uint8_t type, const uint8_t *payload, size_t len,
                   vlink_frame_fn cb, void *ctx);

/* English words for a QR_ERROR reason byte. */
const char *vlink_qr_reason(uint8_t why);

#endif
