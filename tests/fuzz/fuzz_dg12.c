/* fuzz_dg12.c — DG12 (additional document details). */
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
    lds_dg12 d;
    if (lds_parse_dg12(data, size, &d) != KS_OK)
        return 0;
    const lds_text fields[] = {d.issuing_authority, d.date_of_issue, d.other_persons,
                               d.endorsements, d.tax_exit, d.image_front, d.image_rear,
                               d.personalization_time, d.personalization_device};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        check(fields[i], data, size);
    if (d.n_other_persons > LDS_MAX_NAMES)
        abort();
    for (size_t i = 0; i < d.n_other_persons; i++)
        check(d.other_persons_list[i], data, size);
    return 0;
}
