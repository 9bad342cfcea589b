/*
 * vc_group.h — the key-agreement groups of PACE and Chip Authentication,
 * card side: elliptic curves (ECDH) and prime-order subgroups of Z_p*
 * (DH), behind one small interface so the protocols are written once.
 *
 * A vc_group owns its OpenSSL objects (free with vc_group_free). An element
 * is a vc_elem: an EC point or a BIGNUM modulo p, owned by the caller (free
 * with vc_elem_free). Public keys travel as ICAO encodes them: an
 * uncompressed point 04 || X || Y, or the DH value big-endian padded to the
 * length of p. Shared secrets are the X coordinate, or the DH value padded
 * to the length of p (Doc 9303 Part 11, 9.6 / 4.4.3.4).
 *
 * Private keys come from a vc_rng_fn, so the standard's worked examples can
 * be replayed by feeding their private keys as "random" bytes. Peer keys are
 * validated (on the curve / in the subgroup, not the identity): an invalid
 * one is KS_ERR_MALFORMED.
 */
#ifndef VC_GROUP_H
#define VC_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "status.h"

/* Source of the chip's random numbers; KS_OK when out is filled. */
typedef ks_status (*vc_rng_fn)(void *ctx, uint8_t *out, size_t len);

#define VC_GROUP_MAX_ELEM 520u /* 2 * 66 + 1 for P-521; 256 for 2048-bit DH */

typedef struct vc_group {
    EC_GROUP *ec;          /* ECDH, else DH */
    BIGNUM *p, *g, *q;     /* DH: modulus, generator, subgroup order (q may be NULL) */
    size_t field_len;      /* bytes of a coordinate / of p */
    BN_CTX *bn;
} vc_group;

typedef struct vc_elem {
    EC_POINT *pt;
    BIGNUM *bn;
} vc_elem;

/* Standardised domain parameters by id (BSI TR-03110 Part 3 table A.2: 0-2 DH, 8-18 EC). */
ks_status vc_group_from_param_id(vc_group *g, int id);

/* The group of a static EC or DH key, and (when priv is not NULL) its private scalar. */
ks_status vc_group_from_pkey(vc_group *g, const EVP_PKEY *key, BIGNUM **priv);

void vc_group_free(vc_group *g);
void vc_elem_free(vc_elem *e);

/* A copy of the group's generator. */
ks_status vc_group_generator(const vc_group *g, vc_elem *out);

/* A private key in [1, order-1] from rng (order = q, or p-1 without q). */
ks_status vc_group_random_scalar(const vc_group *g, vc_rng_fn rng, void *rng_ctx, BIGNUM **out);

/* k * base (EC) or base^k mod p (DH). */
ks_status vc_group_mul(const vc_group *g, const BIGNUM *k, const vc_elem *base, vc_elem *out);

/* Generic Mapping: s * G + H (EC) or g^s * h mod p (DH). */
ks_status vc_group_map_generic(const vc_group *g, const BIGNUM *s, const vc_elem *h,
                               vc_elem *out);

/* Decodes and validates a peer's public key. */
ks_status vc_group_decode(const vc_group *g, const uint8_t *in, size_t len, vc_elem *out);

/* Encodes a public key; out needs VC_GROUP_MAX_ELEM bytes. */
ks_status vc_group_encode(const vc_group *g, const vc_elem *e, uint8_t *out, size_t cap,
                          size_t *out_len);

/* The shared secret bytes of an agreed element (X coordinate / padded value). */
ks_status vc_group_secret(const vc_group *g, const vc_elem *e, uint8_t *out, size_t cap,
                          size_t *out_len);

#endif
