/*
 * vc_bac.h — Basic Access Control, card side (ICAO Doc 9303 Part 11, 4.3).
 *
 * Offers the MRZ check digit, the key seed from the three MRZ fields, the
 * 3DES key derivation function KDF(K, c), and the chip's half of the
 * EXTERNAL AUTHENTICATE exchange: verify the terminal's cryptogram, answer
 * with E.ICC || M.ICC and start the secure messaging session.
 *
 * The random values RND.ICC and K.ICC come from the caller so the exchange
 * can be replayed against the standard's worked example. Keys are
 * caller-owned and never printed.
 */
#ifndef VC_BAC_H
#define VC_BAC_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "vc_sm.h"

#define VC_BAC_RND_LEN 8u
#define VC_BAC_KEY_LEN 16u
#define VC_BAC_CRYPTOGRAM_LEN 40u /* E (32) || M (8) */
#define VC_BAC_KDF_ENC 1u
#define VC_BAC_KDF_MAC 2u

typedef struct vc_bac_keys {
    uint8_t k_enc[VC_BAC_KEY_LEN];
    uint8_t k_mac[VC_BAC_KEY_LEN];
} vc_bac_keys;

/* Check digit (weights 7 3 1) over an MRZ field; -1 when a character is not 0-9 A-Z <. */
int vc_mrz_check_digit(const char *field, size_t len);

/*
 * Kseed = first 16 bytes of SHA-1(document number || cd || birth || cd ||
 * expiry || cd). The document number is given without filler; one shorter
 * than 9 characters is padded with '<'. Dates are YYMMDD.
 */
ks_status vc_bac_key_seed(const char *doc_number, const char *birth, const char *expiry,
                          uint8_t seed[VC_BAC_KEY_LEN]);

/* The PACE MRZ password: the full SHA-1 of the same string the BAC key seed hashes. */
ks_status vc_mrz_password(const char *doc_number, const char *birth, const char *expiry,
                          uint8_t out[20]);

/* KDF for 3DES: SHA-1(seed || counter) truncated to 16 bytes, odd parity. */
ks_status vc_kdf_3des(const uint8_t *seed, size_t seed_len, uint32_t counter,
                      uint8_t key[VC_BAC_KEY_LEN]);

/* Kenc and Kmac from the MRZ fields. */
ks_status vc_bac_keys_from_mrz(const char *doc_number, const char *birth, const char *expiry,
                               vc_bac_keys *keys);

/*
 * The chip's EXTERNAL AUTHENTICATE: cmd is E.IFD || M.IFD. On KS_OK, resp
 * holds E.ICC || M.ICC and *session runs with the derived session keys and
 * SSC. KS_ERR_AUTH when the MAC or the echoed RND.ICC is wrong (the card
 * then answers 6300 and has no session).
 */
ks_status vc_bac_authenticate(const vc_bac_keys *keys, const uint8_t rnd_icc[VC_BAC_RND_LEN],
                              const uint8_t k_icc[VC_BAC_KEY_LEN],
                              const uint8_t cmd[VC_BAC_CRYPTOGRAM_LEN],
                              uint8_t resp[VC_BAC_CRYPTOGRAM_LEN], vc_sm *session);

#endif
