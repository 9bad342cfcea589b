/*
 * fuzz_record_decode.c — record_decode() on arbitrary bytes: never crashes,
 * and whatever it accepts has a canonical form that decodes again to the
 * same canonical bytes (the property signatures rely on). record_verify()
 * runs too, against the fixed test key below (the seed corpus is signed
 * with it), to reach the signature checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "record.h"

/* A throwaway P-256 key for fuzzing only; it signs nothing real. */
static const char FUZZ_KEY_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/7w9OC7O63ukei8N\n"
    "cH8OcgwI6QwjXqvRj1opcSfb/9+hRANCAARqH65E2YzSyLRGT5ELlQfJSmP5wCFo\n"
    "56tPHyIdYJ8he2UyuGNN0uCa+rOBUrASejLC16uX/5v9TXfvnjZyop/r\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY *fixed_key(void)
{
    static EVP_PKEY *key;
    if (!key) {
        BIO *b = BIO_new_mem_buf(FUZZ_KEY_PEM, -1);
        key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
        BIO_free(b);
        if (!key)
            abort();
    }
    return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[RECORD_ERR_LEN];
    json_object *rec = NULL;
    if (record_decode((const char *)data, size, &rec, err) == KS_OK) {
        char *canon = NULL;
        size_t n = 0;
        if (record_canonical(rec, &canon, &n) == KS_OK) {
            json_object *again = NULL;
            if (record_decode(canon, n, &again, err) != KS_OK)
                abort();
            char *canon2 = NULL;
            size_t n2 = 0;
            if (record_canonical(again, &canon2, &n2) != KS_OK || n2 != n ||
                memcmp(canon, canon2, n) != 0)
                abort();
            free(canon2);
            json_object_put(again);
            (void)record_verify(canon, n, fixed_key(), err);
            free(canon);
        }
        json_object_put(rec);
    }
    (void)record_verify((const char *)data, size, fixed_key(), err);
    return 0;
}
