/* fuzz_dg11.c — DG11 (additional personal details). */
#include <stdint.h>
#include <stdlib.h>

#include "lds.h"

static void check(lds_text t, const uint8_t *data, size_t size)
{
    if (t.p && (t.p < data || t.len > size || t.p + t.len > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lds_dg11 d;
    if (lds_parse_dg11(data, size, &d) != KS_OK)
        return 0;
    const lds_text fields[] = {d.full_name, d.personal_number, d.full_date_of_birth,
                               d.place_of_birth, d.address, d.telephone, d.profession,
                               d.title, d.personal_summary, d.proof_of_citizenship,
                               d.other_td_numbers, d.custody_info};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        check(fields[i], data, size);
    if (d.n_other_names > LDS_MAX_NAMES)
        abort();
    for (size_t i = 0; i < d.n_other_names; i++)
        check(d.other_names[i], data, size);
    return 0;
}
