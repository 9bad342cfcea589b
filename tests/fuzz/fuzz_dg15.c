/*
 * fuzz_dg15 — DG15 public-key parsing and Active Authentication signature
 * verification on arbitrary bytes.
 *
 * Input: byte 0 selects the ActiveAuthenticationInfo hash (0 none, 1..4 SHA-1,
 * SHA-256, SHA-384, SHA-512); bytes 1-2 are the DG15 length (big-endian);
 * then DG15; the rest is the signature. The challenge is fixed.
 * When byte 0 has its top bit set, the bytes after the length header go to
 * ca_load_public_key() instead: DG14's chip key parser (X.509 and BSI forms).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/objects.h>

#include "aa.h"
#include "ca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t challenge[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int hashes[] = {0, NID_sha1, NID_sha256, NID_sha384, NID_sha512};
    if (size < 3)
        return 0;
    if (data[0] & 0x80u) {
        EVP_PKEY *pk = NULL;
        if (ca_load_public_key(data + 3, size - 3, &pk) == KS_OK)
            EVP_PKEY_free(pk);
        return 0;
    }
    size_t dg15_len = (size_t)data[1] << 8 | data[2];
    if (dg15_len > size - 3)
        return 0;
    const uint8_t *dg15 = data + 3;
    const uint8_t *sig = dg15 + dg15_len;
    size_t sig_len = size - 3 - dg15_len;

    secinfo_aa info;
    memset(&info, 0, sizeof info);
    int pick = data[0] % 5;
    info.version = 1;
    info.hash_nid = hashes[pick];
    aa_result r;
    (void)aa_verify(dg15, dg15_len, pick ? &info : NULL, challenge, sizeof challenge, sig,
                    sig_len, &r);
    return 0;
}
