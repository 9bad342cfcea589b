/*
 * vc_ca.h — Chip Authentication, card side (ICAO Doc 9303 Part 11, 6.2):
 * key agreement between the chip's static CA key and the terminal's
 * ephemeral public key, and the secure messaging session that replaces the
 * current one (KSenc = KDF(K, 1), KSmac = KDF(K, 2), SSC 0).
 *
 * The OID (DER content of id-CA-{DH,ECDH}-{3DES,AES...}) picks the cipher;
 * the key's own domain parameters are the group. `wrong_secret` is a test
 * fault: the session is derived from a corrupted secret, as a cloned chip
 * without the real private key would end up with. KS_ERR_MALFORMED when
 * the terminal's key is not a valid group element.
 */
#ifndef VC_CA_H
#define VC_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "status.h"
#include "vc_sm.h"

ks_status vc_ca_agree(const EVP_PKEY *ca_key, const uint8_t *oid, size_t oid_len,
                      const uint8_t *host_pk, size_t host_pk_len, bool wrong_secret,
                      vc_sm *session);

#endif
