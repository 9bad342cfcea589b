/*
 * Fuzzes mrz_parse() on arbitrary bytes, then checks what it returns: strings
 * terminated inside their fields, a known format and sex, and that the BAC key
 * seed can be derived from any accepted zone without misbehaving.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mrz.h"

#define TERMINATED(field) (strnlen((field), sizeof(field)) < sizeof(field))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)mrz_check_digit((const char *)data, size);
    mrz_info m;
    if (mrz_parse((const char *)data, size, &m) != KS_OK)
        return 0;
    if (m.format < MRZ_TD1 || m.format > MRZ_TD3)
        abort();
    if (m.sex != 'M' && m.sex != 'F' && m.sex != 'X')
        abort();
    if (!TERMINATED(m.document_code) || !TERMINATED(m.issuing_state) ||
        !TERMINATED(m.document_number) || !TERMINATED(m.date_of_birth) ||
        !TERMINATED(m.date_of_expiry) || !TERMINATED(m.nationality) || !TERMINATED(m.surname) ||
        !TERMINATED(m.given_names) || !TERMINATED(m.optional_data1) ||
        !TERMINATED(m.optional_data2))
        abort();
    if (m.failed_checks & ~31u)
        abort();
    uint8_t seed[16];
    (void)mrz_key_seed(m.document_number, m.date_of_birth, m.date_of_expiry, seed);
    return 0;
}
