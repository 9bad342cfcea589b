/*
 * vc_link.h — the emulator's side of the vpcd socket (vsmartcard's virtual
 * reader driver for pcscd).
 *
 * pcscd's vpcd driver listens on TCP; the emulator connects, and while the
 * connection stands the card is in the reader. Every message either way is
 * a 2-byte big-endian length and that many bytes. A 1-byte message from
 * vpcd is a control code (VC_LINK_*); anything longer is a command APDU,
 * answered with one response message.
 *
 * Reads wait in short slices so a signal handler's flag is seen within
 * about 200 ms: vc_link_read() returns KS_ERR_TIMEOUT when should_stop()
 * turns true, KS_ERR_REMOVED when vpcd closed the connection, KS_ERR_IO on
 * socket errors, KS_ERR_TOO_LARGE when a frame does not fit `cap`.
 */
#ifndef VC_LINK_H
#define VC_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

enum {
    VC_LINK_POWER_OFF = 0,
    VC_LINK_POWER_ON = 1,
    VC_LINK_RESET = 2,
    VC_LINK_GET_ATR = 4,
};

#define VC_LINK_MAX_FRAME 65535u
#define VC_LINK_DEFAULT_HOST "127.0.0.1"
#define VC_LINK_DEFAULT_PORT "35963"

/* Splits "HOST:PORT" or "[V6ADDR]:PORT"; KS_ERR_MALFORMED when it is neither. */
ks_status vc_link_parse_endpoint(const char *s, char *host, size_t host_cap, char *port,
                                 size_t port_cap);

/* One connection attempt; *fd is the connected socket on KS_OK. */
ks_status vc_link_connect(const char *host, const char *port, int *fd);

/* Reads one frame into buf; *len is its payload length (may be 0). */
ks_status vc_link_read(int fd, uint8_t *buf, size_t cap, size_t *len, bool (*should_stop)(void));

/* Writes one frame (len <= VC_LINK_MAX_FRAME). */
ks_status vc_link_write(int fd, const uint8_t *buf, size_t len);

void vc_link_close(int fd);

#endif
