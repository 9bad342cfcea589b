/*
 * ccid_serial.h — the serial CCID framing of pcscd's libccidtwin driver
 * (GemPC Twin profile), reader side.
 *
 * Host -> reader frame:  03 (SYNC) 06 (ACK) <CCID message> LRC
 * Reader -> host frames: the same shape; or the NAK frame 03 15 16; or, between
 * frames, single "time request" bytes 0x80..0xFF (the host skips them and
 * restarts its read timeout — a keep-alive while the card is slow); or the
 * two-byte card-movement notice 50 02 (absent) / 50 03 (present).
 * LRC is the XOR of every preceding byte of the frame, so a good frame XORs
 * to zero including its LRC.
 *
 * Echo: in the default GemPC Twin profile the driver reads one whole frame
 * (parsed with its dwLength, LRC only logged) and throws it away as the echo
 * of its own command before reading the real answer. The reader therefore
 * answers a good host frame with the host frame repeated byte for byte,
 * immediately followed by its own response frame: ccids_build_reply() does
 * both. A frame with a bad LRC is answered with the NAK frame alone (the
 * driver's NAK path returns without reading an echo).
 *
 * Receiver: ccids_rx_byte() takes one byte at a time (e.g. from a UART ISR
 * ring) and reports a complete frame, a bad LRC (answer NAK), an overlong
 * dwLength (the rest of the frame cannot be delimited: the receiver discards
 * bytes until the caller reports a quiet line with ccids_rx_idle(), then it
 * hunts for SYNC again) or a host NAK frame. Bytes other than SYNC while
 * hunting are noise and ignored. No heap, no globals: state lives in the
 * caller's ccids_rx.
 */
#ifndef KS_CCID_SERIAL_H
#define KS_CCID_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccid.h"
#include "status.h"

#define CCIDS_SYNC 0x03u
#define CCIDS_ACK 0x06u
#define CCIDS_NAK 0x15u
#define CCIDS_TIME_REQUEST 0x80u /* any byte 0x80..0xFF between frames */
/* Largest CCID message libccidtwin exchanges (dwMaxCCIDMessageLength). */
#define CCIDS_MAX_MSG 271u
/* SYNC + ACK + message + LRC. */
#define CCIDS_MAX_FRAME (CCIDS_MAX_MSG + 3u)
/* Echo of the host frame + response frame. */
#define CCIDS_MAX_REPLY (2u * CCIDS_MAX_FRAME)

typedef enum ccids_event {
    CCIDS_RX_NONE = 0, /* need more bytes */
    CCIDS_RX_FRAME,    /* a good frame: see ccids_rx_msg() / ccids_rx_frame() */
    CCIDS_RX_BAD_LRC,  /* whole frame received, checksum wrong: send NAK */
    CCIDS_RX_OVERLONG, /* dwLength beyond CCIDS_MAX_MSG: discarding until idle */
    CCIDS_RX_HOST_NAK  /* the host sent 03 15 16: resend the last reply */
} ccids_event;

typedef struct ccids_rx {
    uint8_t frame[CCIDS_MAX_FRAME]; /* the frame as received, SYNC..LRC */
    size_t have;                    /* bytes of frame[] filled */
    size_t need;                    /* total frame size once the header is in */
    int state;                      /* private */
} ccids_rx;

void ccids_rx_init(ccids_rx *rx);

/* Feeds one received byte. After CCIDS_RX_FRAME the message stays readable
 * until the next call. */
ccids_event ccids_rx_byte(ccids_rx *rx, uint8_t byte);

/* The line was quiet long enough to end any partial or discarded frame. */
void ccids_rx_idle(ccids_rx *rx);

/* True while a frame is partly received (for an inter-byte timeout). */
bool ccids_rx_busy(const ccids_rx *rx);

/* The CCID message of the last good frame (between ACK and LRC). */
const uint8_t *ccids_rx_msg(const ccids_rx *rx, size_t *len);

/* The whole last good frame, SYNC..LRC (what the echo repeats). */
const uint8_t *ccids_rx_frame(const ccids_rx *rx, size_t *len);

/* XOR of len bytes. */
uint8_t ccids_lrc(const uint8_t *p, size_t len);

/* Frames one CCID message: 03 06 msg LRC. */
ks_status ccids_build_frame(const uint8_t *msg, size_t msg_len, uint8_t *out, size_t cap,
                            size_t *out_len);

/* The complete answer to a host frame: host_frame repeated (when echo is
 * true) followed by the framed response message. */
ks_status ccids_build_reply(const uint8_t *host_frame, size_t host_frame_len, bool echo,
                            const uint8_t *resp_msg, size_t resp_len, uint8_t *out, size_t cap,
                            size_t *out_len);

/* The 3-byte NAK frame 03 15 16. */
ks_status ccids_build_nak(uint8_t *out, size_t cap, size_t *out_len);

/* The 2-byte card-movement notice (50 02 absent / 50 03 present). */
ks_status ccids_build_notify(bool present, uint8_t *out, size_t cap, size_t *out_len);

#endif
