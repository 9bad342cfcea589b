/*
 * seal.h — AES-256-GCM sealing of one stored record.
 *
 * A sealed blob is: version (1 byte, 0x01) | nonce (12 random bytes) |
 * ciphertext | tag (16 bytes). The associated data binds the blob to its
 * record id and key id, so a blob copied onto another row, or relabelled
 * with another key id, fails to open (KS_ERR_AUTH) like a wrong key does.
 * Outputs are malloc'd and owned by the caller; opened plaintext is
 * NUL-terminated (not counted in *pt_len).
 */
#ifndef KS_SEAL_H
#define KS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define SEAL_KEY_LEN 32
#define SEAL_OVERHEAD (1 + 12 + 16)

ks_status seal_record(const uint8_t key[SEAL_KEY_LEN], uint32_t key_id,
                      const char *record_id, const uint8_t *pt, size_t pt_len,
                      uint8_t **out, size_t *out_len);
ks_status seal_open(const uint8_t key[SEAL_KEY_LEN], uint32_t key_id,
                    const char *record_id, const uint8_t *blob, size_t blob_len,
                    char **pt, size_t *pt_len);

#endif
