/*
 * sm.h — ICAO Doc 9303-11 secure messaging (section 9.8): ISO/IEC 7816-4
 * data objects '85'/'87' (cryptogram), '97' (Le), '99' (status) and '8E'
 * (MAC), with 3DES (IV zero, retail MAC) or AES (IV = E(KSenc, SSC), CMAC).
 *
 * The send sequence counter is one block wide and is incremented before every
 * command and every response, so each wrap/unwrap pair advances it by two.
 * Even INS carries its data in DO'87' (padding-content indicator 01 +
 * cryptogram); odd INS, whose data is BER-TLV, in DO'85' (cryptogram only).
 *
 * The sm_ctx holds session keys: wipe it with sm_clear() when done.
 * Errors: KS_ERR_ARG (bad parameters), KS_ERR_TOO_LARGE (buffer too small or
 * a length beyond extended APDUs), KS_ERR_AUTH (response MAC missing or wrong,
 * or DO'99' disagreeing with the outer status word), KS_ERR_MALFORMED (bad
 * data-object structure or padding), KS_ERR_CRYPTO (OpenSSL failed).
 */
#ifndef KS_SM_H
#define KS_SM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "cipher.h"
#include "status.h"

typedef struct sm_ctx {
    ks_cipher cipher;
    uint8_t k_enc[32], k_mac[32];
    uint8_t ssc[16];           /* block-size bytes used */
} sm_ctx;

ks_status sm_init(sm_ctx *sm, ks_cipher c, const uint8_t *k_enc, const uint8_t *k_mac,
                  const uint8_t *ssc /* NULL = zero */);

/* Wipes the session keys and counter. */
void sm_clear(sm_ctx *sm);

/* Wraps plain into a protected command. The protected data field is written
 * to buf (cap bytes); out->data points into buf. out->cla gets the 0x0C bits;
 * out->ne is 256 (short) or 65536 (extended, when plain->ne > 256 or the
 * protected data field > 255 bytes), also for case 1/3 plain commands (no
 * DO'97' then). Odd INS (e.g. B1) uses DO'85' instead of DO'87'. Increments
 * the SSC (also when it fails after argument checks, so a failed wrap cannot
 * lead to a counter reused with different data). */
ks_status sm_wrap(sm_ctx *sm, const apdu_cmd *plain, uint8_t *buf, size_t cap, apdu_cmd *out);

/* Unwraps a protected response (data + outer SW). Increments the SSC,
 * verifies DO'8E' over SSC || DO'85'/'87' || DO'99' before using anything,
 * checks DO'99' against the outer SW when both are present, then decrypts and
 * unpads into plain (cap bytes; exactly the plaintext length is needed).
 * *plain_sw gets DO'99' (or the outer SW when DO'99' is absent). On any error
 * *plain_len is 0 and *plain_sw is the outer sw, for diagnostics only. */
ks_status sm_unwrap(sm_ctx *sm, const uint8_t *resp, size_t resp_len, uint16_t sw, uint8_t *plain,
                    size_t cap, size_t *plain_len, uint16_t *plain_sw);

/* Largest plaintext Ne such that the protected response (DO'87' with padding
 * indicator + DO'99' + DO'8E') fits in max_response_data bytes of response
 * data: 3DES with 256 -> 231, AES -> 223. 0 when nothing fits. */
size_t sm_max_plain_ne(const sm_ctx *sm, size_t max_response_data);

#endif
