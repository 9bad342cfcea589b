/* fuzz_dg14.c — DG14 (6E { SET OF SecurityInfo }) down to its public keys. */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lds.h"
#include "secinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *infos = NULL;
    size_t infos_len = 0;
    if (lds_dg14_security_infos(data, size, &infos, &infos_len) != KS_OK)
        return 0;
    secinfo_set s;
    if (secinfo_parse(infos, infos_len, &s) != KS_OK)
        return 0;
    if (s.n_ca > SECINFO_MAX || s.n_ca_pk > SECINFO_MAX)
        abort();
    for (size_t i = 0; i < s.n_ca_pk; i++) {
        const uint8_t *p = s.ca_pk[i].spki;
        if (p < infos || s.ca_pk[i].spki_len > infos_len || p + s.ca_pk[i].spki_len > infos + infos_len)
            abort();
        /* What Chip Authentication does next with the key. */
        EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)s.ca_pk[i].spki_len);
        EVP_PKEY_free(k);
    }
    return 0;
}
