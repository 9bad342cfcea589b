/*
 * vc_proto.h — what a PACE or Chip Authentication OID selects, and the
 * symmetric pieces both protocols share (Doc 9303 Part 11, 9.7 / 9.8):
 * the key derivation function, the authentication-token MAC and starting
 * the secure messaging session on a shared secret.
 *
 * OIDs are DER content bytes (no tag, no length). Supported: id-PACE-DH-GM
 * and id-PACE-ECDH-GM, id-CA-DH and id-CA-ECDH, each with 3DES-CBC-CBC or
 * AES-CBC-CMAC-128/192/256. Anything else is KS_ERR_UNSUPPORTED.
 */
#ifndef VC_PROTO_H
#define VC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "vc_sm.h"

typedef enum vc_proto_family {
    VC_PROTO_PACE_GM,
    VC_PROTO_CA,
} vc_proto_family;

typedef struct vc_proto {
    bool ecdh;      /* else DH */
    bool aes;       /* else 3DES */
    size_t key_len; /* 16 for 3DES and AES-128, 24, 32 */
} vc_proto;

ks_status vc_proto_from_oid(const uint8_t *oid, size_t len, vc_proto_family family,
                            vc_proto *out);

/* KDF(secret, counter) with the suite's hash and key length (3DES keys get odd parity). */
ks_status vc_proto_kdf(const vc_proto *p, const uint8_t *secret, size_t len, uint32_t counter,
                       uint8_t *key);

/* The 8-byte MAC of the suite over in: CMAC (AES) or padded retail MAC (3DES). */
ks_status vc_proto_mac(const vc_proto *p, const uint8_t *key, const uint8_t *in, size_t len,
                       uint8_t mac[8]);

/* KSenc = KDF(secret, 1), KSmac = KDF(secret, 2), SSC = 0: a fresh session in *sm. */
ks_status vc_proto_start_sm(const vc_proto *p, const uint8_t *secret, size_t len, vc_sm *sm);

#endif
