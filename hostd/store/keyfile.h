/*
 * keyfile.h — the store's AES-256 keys, read from a key file that only its
 * owner may read.
 *
 * Format (text, at most 64 KiB): one key per line, "<id> <64 hex digits>",
 * id 1..65535, each id once; blank lines and lines starting with '#' are
 * ignored. The highest id is the current key (new records are sealed with
 * it); the others only decrypt. The file must be a regular file owned by the
 * effective user with no group/other permission bits (0600 or stricter);
 * keyfile_load() refuses anything else with KS_ERR_ACCESS.
 *
 * Errors carry a one-line message in err (never key material).
 */
#ifndef KS_KEYFILE_H
#define KS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define KEYFILE_MAX_KEYS 64
#define KEYFILE_KEY_LEN 32

typedef struct keyfile_key {
    uint32_t id;
    uint8_t key[KEYFILE_KEY_LEN];
} keyfile_key;

typedef struct keyfile {
    keyfile_key keys[KEYFILE_MAX_KEYS];
    size_t count;
    size_t current;  /* index of the highest id */
} keyfile;

ks_status keyfile_load(const char *path, keyfile *out, char *err, size_t errlen);
const keyfile_key *keyfile_find(const keyfile *kf, uint32_t id);
const keyfile_key *keyfile_current(const keyfile *kf);
/* Overwrites the key material (call before freeing or on the stack's exit). */
void keyfile_wipe(keyfile *kf);
/* Appends a fresh random key with id (highest + 1), creating the file with
 * mode 0600 if absent; new_id (may be NULL) gets the id. */
ks_status keyfile_add_key(const char *path, uint32_t *new_id, char *err,
                          size_t errlen);

#endif
