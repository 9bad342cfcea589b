/*
 * vc_sm.h — the card side of ICAO Doc 9303 Part 11 secure messaging.
 *
 * A vc_sm holds one session: the cipher suite, KSenc, KSmac and the send
 * sequence counter. vc_sm_unwrap() checks a protected command (increments
 * the SSC, verifies DO'8E over SSC || padded header || DO'87/85 || DO'97,
 * decrypts the data) and yields the plain command; vc_sm_wrap() builds the
 * protected response (increments the SSC, DO'87/85 if data, DO'99, DO'8E,
 * then SW1 SW2). Any error from vc_sm_unwrap() means the caller must drop
 * the session (the card answers 6988, as real chips do).
 *
 * Two suites: 3DES (2-key 3DES-CBC, zero IV, retail MAC, 8-byte SSC; BAC
 * and PACE/CA with 3DES) and AES (CBC with IV = E(KSenc, SSC), CMAC
 * truncated to 8 bytes, 16-byte SSC; PACE/CA with AES-128/192/256).
 *
 * Buffers are caller-owned; inner command data points into `plain_buf`.
 */
#ifndef VC_SM_H
#define VC_SM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "status.h"

#define VC_SM_MAX_KEY 32u
#define VC_SM_MAX_BLOCK 16u

typedef enum vc_sm_suite {
    VC_SM_NONE = 0,
    VC_SM_3DES, /* BAC, or PACE with 3DES */
    VC_SM_AES,  /* PACE / Chip Authentication with AES */
} vc_sm_suite;

typedef struct vc_sm {
    vc_sm_suite suite;
    size_t block;   /* cipher block = SSC length */
    size_t key_len;
    uint8_t ks_enc[VC_SM_MAX_KEY];
    uint8_t ks_mac[VC_SM_MAX_KEY];
    uint8_t ssc[VC_SM_MAX_BLOCK];
} vc_sm;

/* Starts a 3DES session with the given session keys and initial SSC. */
ks_status vc_sm_start_3des(vc_sm *sm, const uint8_t ks_enc[16], const uint8_t ks_mac[16],
                           const uint8_t ssc[8]);

/* Starts an AES session (key_len 16, 24 or 32) with SSC = 0, as PACE and CA do. */
ks_status vc_sm_start_aes(vc_sm *sm, const uint8_t *ks_enc, const uint8_t *ks_mac,
                          size_t key_len);

/* Wipes the keys; the session is then inactive. */
void vc_sm_stop(vc_sm *sm);

bool vc_sm_active(const vc_sm *sm);

/* True when CLA says the command claims ISO secure messaging with an authenticated header. */
bool vc_sm_cla_protected(uint8_t cla);

/*
 * Checks and decrypts a protected command. *inner gets CLA without the SM
 * bits, the same INS P1 P2, the plain data (in plain_buf) and Ne from DO'97
 * (0 when absent). *inner_extended is true when the plain command needs
 * extended length fields (Nc > 255, Ne > 256, or a two-byte DO'97).
 * KS_ERR_AUTH: bad MAC; KS_ERR_MALFORMED: bad structure or padding.
 */
ks_status vc_sm_unwrap(vc_sm *sm, const apdu_cmd *outer, uint8_t *plain_buf, size_t cap,
                       apdu_cmd *inner, bool *inner_extended);

/*
 * Protects a response: data (may be empty) goes into DO'85 when odd_ins,
 * else DO'87; out receives the whole response APDU including SW1 SW2.
 */
ks_status vc_sm_wrap(vc_sm *sm, bool odd_ins, const uint8_t *data, size_t len, uint16_t sw,
                     uint8_t *out, size_t cap, size_t *out_len);

/* Size of the protected response APDU (with SW) for `len` bytes of plain data. */
size_t vc_sm_wrapped_size(const vc_sm *sm, bool odd_ins, size_t len);

#endif
