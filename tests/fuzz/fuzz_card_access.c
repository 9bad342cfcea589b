/* fuzz_card_access.c — EF.CardAccess (SecurityInfos) and PACE selection. */
#include <stdint.h>
#include <stdlib.h>

#include "secinfo.h"

static void inside(const uint8_t *p, size_t len, const uint8_t *data, size_t size)
{
    if (p && (p < data || len > size || p + len > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    secinfo_set s;
    if (secinfo_parse(data, size, &s) != KS_OK)
        return 0;
    if (s.n_pace > SECINFO_MAX || s.n_pace_domain > SECINFO_MAX || s.n_ca > SECINFO_MAX ||
        s.n_ca_pk > SECINFO_MAX)
        abort();
    for (size_t i = 0; i < s.n_pace_domain; i++)
        inside(s.pace_domain[i].algorithm_identifier, s.pace_domain[i].algorithm_identifier_len,
               data, size);
    for (size_t i = 0; i < s.n_ca_pk; i++)
        inside(s.ca_pk[i].spki, s.ca_pk[i].spki_len, data, size);
    const secinfo_pace *best = secinfo_best_pace(&s);
    if (best && (best < s.pace || best >= s.pace + s.n_pace))
        abort();
    return 0;
}
