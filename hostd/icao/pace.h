/*
 * pace.h — PACE v2, the terminal side (ICAO Doc 9303-11 section 4.4), with
 * the Generic Mapping over ECDH (standardised curves, parameter ids 8-18) and
 * DH (RFC 5114 MODP groups, ids 0-2), 3DES or AES secure messaging.
 *
 * pace_run() drives the chip through MSE:Set AT and four chained GENERAL
 * AUTHENTICATE commands, checks the chip's authentication token before it
 * trusts anything derived from the exchange, and fills an sm_ctx (SSC zero)
 * for chan_start_sm(). The chip's public keys are validated (on the curve /
 * in the prime-order subgroup, not equal to ours) before use.
 *
 * Secrets (password key, nonce, private keys, shared secret, session keys)
 * live on the stack or in cleared BIGNUMs and are wiped before returning;
 * the caller owns the password and wipes *sm with sm_clear(). err receives
 * one English line without secrets or personal data.
 *
 * Errors: KS_ERR_ARG (bad arguments), KS_ERR_UNSUPPORTED (mapping, domain
 * parameters or cipher not implemented), KS_ERR_ACCESS (the chip refused the
 * password: 6300 / 63Cx / 6982 on a step), KS_ERR_AUTH (the chip's token did
 * not verify), KS_ERR_MALFORMED (a chip answer is not the expected 7C
 * structure or holds an invalid key), KS_ERR_CARD (another status word),
 * KS_ERR_CRYPTO, and whatever the channel reports.
 */
#ifndef KS_PACE_H
#define KS_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "cipher.h"
#include "secinfo.h"
#include "sm.h"
#include "status.h"

typedef enum pace_password_kind { PACE_PW_MRZ = 1, PACE_PW_CAN = 2 } pace_password_kind;

/* MRZ password per 9303-11 section 9.7.3: SHA-1(docno padded with '<' to >= 9
 * chars || cd || dob || cd || doe || cd), all 20 bytes. KS_ERR_ARG on bad
 * input (same rules as mrz_key_seed). */
ks_status pace_mrz_password(const char *docno, const char *dob, const char *doe, uint8_t out[20]);

/* Runs PACE over c (secure messaging off on entry). password is the 20-byte
 * MRZ password (pace_mrz_password) or the CAN's ASCII digits. access is the
 * parsed EF.CardAccess; it decides whether MSE:Set AT names the domain
 * parameter id (only when the card offers more than one set). */
ks_status pace_run(chan *c, const secinfo_set *access, const secinfo_pace *which,
                   pace_password_kind kind, const uint8_t *password, size_t password_len,
                   sm_ctx *sm, char *err, size_t err_cap);

/* --- Offline pieces, exposed for the worked examples and the emulator-free
 * tests. Group elements are uncompressed points 04||X||Y (ECDH) or
 * big-endian integers as long as p (DH); scalars are big-endian. --- */

/* s = D(K_pi, z) with K_pi = KDF(password, 3), CBC with a zero IV; z is one
 * or two blocks. s gets z_len bytes. */
ks_status pace_decrypt_nonce(ks_cipher c, const uint8_t *password, size_t password_len,
                             const uint8_t *z, size_t z_len, uint8_t *s);

/* Generic Mapping: H = sk_map * PK_map_IC (ECDH) or PK_map_IC^sk_map mod p
 * (DH), and the new generator G' = s*G + H or g^s * H mod p. h may be NULL.
 * Both outputs get *len bytes (cap each). */
ks_status pace_gm_map(int parameter_id, const uint8_t *s, size_t s_len, const uint8_t *sk_map,
                      size_t sk_map_len, const uint8_t *pk_map_ic, size_t pk_map_ic_len,
                      uint8_t *h, uint8_t *generator, size_t cap, size_t *len);

/* Public key sk * G (ECDH) or G^sk mod p (DH); generator NULL = the standard
 * one of the domain parameters. */
ks_status pace_public_key(int parameter_id, const uint8_t *generator, size_t generator_len,
                          const uint8_t *sk, size_t sk_len, uint8_t *out, size_t cap,
                          size_t *len);

/* Shared secret: the x-coordinate of sk * PK (field-size bytes) or PK^sk mod p
 * (|p| bytes). The peer key is validated first. */
ks_status pace_shared_secret(int parameter_id, const uint8_t *sk, size_t sk_len,
                             const uint8_t *pk, size_t pk_len, uint8_t *out, size_t cap,
                             size_t *len);

/* A fresh private key, uniform in [1, order-1], as many bytes as the order. */
ks_status pace_random_key(int parameter_id, uint8_t *sk, size_t cap, size_t *len);

/* Authentication token: MAC(KS_mac, 7F49 { 06 oid, 86 point | 84 y }) over
 * the OTHER side's ephemeral public key; AES-CMAC, or for 3DES the retail MAC
 * over the method-2-padded input. */
ks_status pace_auth_token(const secinfo_pace *which, const uint8_t *ks_mac, const uint8_t *pk,
                          size_t pk_len, uint8_t token[8]);

/* Test hook, never set in production: supplies the host's ephemeral private
 * keys (step 0 = mapping key, 1 = key-agreement key) instead of the RNG.
 * NULL restores the RNG. Not thread-safe. */
typedef ks_status (*pace_keygen_fn)(void *arg, unsigned step, uint8_t *sk, size_t cap,
                                    size_t *len);
void pace_set_keygen_hook(pace_keygen_fn fn, void *arg);

#endif
