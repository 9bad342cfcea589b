#include "mkc_dg13.h"

#include <stdlib.h>
#include <string.h>

#include "tlv.h"

static void put_utf8(tlv_writer *w, const char *s)
{
    tlv_put(w, 0x0C, (const uint8_t *)s, strlen(s));
}

static void put_field(tlv_writer *w, uint32_t index, const char *value)
{
    tlv_open(w, 0x30);
    mkc_put_uint(w, index);
    put_utf8(w, value);
    tlv_close(w);
}

ks_status mkc_dg13_build(const mkc_cccd_fields *c, mkc_bytes *out)
{
    const struct {
        uint32_t index;
        const char *value;
    } simple[] = {
        {MKC_DG13_ID_NUMBER, c->id_number},
        {MKC_DG13_FULL_NAME, c->full_name},
        {MKC_DG13_DATE_OF_BIRTH, c->date_of_birth},
        {MKC_DG13_SEX, c->sex},
        {MKC_DG13_NATIONALITY, c->nationality},
        {MKC_DG13_ETHNICITY, c->ethnicity},
        {MKC_DG13_RELIGION, c->religion},
        {MKC_DG13_PLACE_OF_ORIGIN, c->place_of_origin},
        {MKC_DG13_PLACE_OF_RESIDENCE, c->place_of_residence},
        {MKC_DG13_IDENTIFICATION_FEATURES, c->identification_features},
        {MKC_DG13_DATE_OF_ISSUE, c->date_of_issue},
        {MKC_DG13_DATE_OF_EXPIRY, c->date_of_expiry},
    };
    /* Every field is bounded by MKC_FIELD_MAX, so this always suffices. */
    size_t cap = 20 * (MKC_FIELD_MAX + 16) + 256;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for DG13");
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x6D);
    tlv_open(&w, 0x30);
    mkc_put_uint(&w, MKC_DG13_VERSION);
    mkc_put_oid(&w, MKC_DG13_OID);
    tlv_open(&w, 0x31);
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        put_field(&w, simple[i].index, simple[i].value);
    tlv_open(&w, 0x30);
    mkc_put_uint(&w, MKC_DG13_PARENTS);
    tlv_open(&w, 0x30);
    put_utf8(&w, c->father_name);
    put_utf8(&w, c->mother_name);
    tlv_close(&w);
    tlv_close(&w);
    if (c->spouse_name[0])
        put_field(&w, MKC_DG13_SPOUSE, c->spouse_name);
    if (c->old_id_number[0])
        put_field(&w, MKC_DG13_OLD_ID_NUMBER, c->old_id_number);
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    ks_status st = mkc_bytes_from_writer(&w, out);
    free(buf);
    return st;
}
