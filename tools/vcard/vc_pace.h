/*
 * vc_pace.h — PACE with Generic Mapping, card side (ICAO Doc 9303 Part 11,
 * 4.4): MSE:Set AT chooses the protocol and password, then four GENERAL
 * AUTHENTICATE steps: encrypted nonce, mapping keys, ephemeral keys,
 * authentication tokens. On success the caller gets the new secure
 * messaging session (SSC 0) to start after the step-4 answer has gone out.
 *
 * ECDH and DH, 3DES and AES-128/192/256. The password is the CAN (ASCII
 * digits) or the MRZ password SHA-1(doc||cd||dob||cd||doe||cd); K_pi =
 * KDF(password, 3). The chip's random values (nonce s, mapping and
 * ephemeral private keys, in that order) come from the caller's vc_rng_fn,
 * so the Appendix G worked example can be replayed.
 *
 * vc_pace_general_authenticate() returns KS_ERR_AUTH on a wrong terminal
 * token (card answers 6300), KS_ERR_MALFORMED on bad data (6A80),
 * KS_ERR_ACCESS when no PACE run is in progress or the step is out of order
 * (6985). Every error ends the run (a new MSE:Set AT is needed).
 */
#ifndef VC_PACE_H
#define VC_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "vc_group.h"
#include "vc_proto.h"
#include "vc_sm.h"

#define VC_PACE_NONCE_LEN 16u
#define VC_PACE_PW_MAX 32u
#define VC_PACE_OID_MAX 16u

typedef struct vc_pace {
    int stage;                 /* 0 idle, 1 set, 2 nonce sent, 3 mapped, 4 done */
    vc_proto proto;
    uint8_t oid[VC_PACE_OID_MAX];
    size_t oid_len;
    vc_group group;
    uint8_t k_pi[32];
    BIGNUM *s;
    BIGNUM *sk_map;
    BIGNUM *sk_eph;
    vc_elem gen;               /* the mapped generator */
    uint8_t pk_chip[VC_GROUP_MAX_ELEM]; /* ephemeral keys, needed again for the tokens */
    size_t pk_chip_len;
    uint8_t pk_host[VC_GROUP_MAX_ELEM];
    size_t pk_host_len;
} vc_pace;

void vc_pace_init(vc_pace *pace);

/* Ends any run and wipes its secrets. */
void vc_pace_reset(vc_pace *pace);

/* MSE:Set AT: KS_ERR_UNSUPPORTED for an OID or parameter id the emulator does not do. */
ks_status vc_pace_set_at(vc_pace *pace, const uint8_t *oid, size_t oid_len, int param_id,
                         const uint8_t *password, size_t pw_len);

/*
 * One GENERAL AUTHENTICATE: data is the command's 7C object; out gets the
 * answer's 7C object. After step 4 *established is true and *session holds
 * the new session.
 */
ks_status vc_pace_general_authenticate(vc_pace *pace, const uint8_t *data, size_t len,
                                       vc_rng_fn rng, void *rng_ctx, uint8_t *out, size_t cap,
                                       size_t *out_len, vc_sm *session, bool *established);

#endif
