#include "lds.h"

#include <string.h>

#include "tlv.h"

/* Index dg-1 gives the tag; DG2 and DG4 carry the historical 75 and 76. */
static const uint8_t dg_tags[16] = {
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
};

int lds_dg_from_tag(uint8_t tag)
{
    if (tag == LDS_TAG_COM)
        return LDS_DG_COM;
    if (tag == LDS_TAG_SOD)
        return LDS_DG_SOD;
    for (int i = 0; i < 16; i++)
        if (dg_tags[i] == tag)
            return i + 1;
    return -1;
}

uint8_t lds_tag_from_dg(int dg)
{
    return (dg >= 1 && dg <= 16) ? dg_tags[dg - 1] : 0;
}

uint16_t lds_fid_from_dg(int dg)
{
    return (dg >= 1 && dg <= 16) ? (uint16_t)(0x0100 + dg) : 0;
}

uint8_t lds_sfi_from_dg(int dg)
{
    return (dg >= 1 && dg <= 16) ? (uint8_t)dg : 0;
}

ks_status lds_unwrap(const uint8_t *buf, size_t len, uint8_t expected_tag,
                     const uint8_t **inner, size_t *inner_len)
{
    if (!buf || !inner || !inner_len)
        return KS_ERR_ARG;
    tlv e;
    ks_status st = tlv_expect(buf, len, expected_tag, &e);
    if (st != KS_OK)
        return st;
    *inner = e.value;
    *inner_len = e.len;
    return KS_OK;
}

/* Copies a short run of ASCII digits into a NUL-terminated field. */
static ks_status copy_digits(const tlv *e, char *dst, size_t cap)
{
    if (e->len == 0 || e->len >= cap)
        return KS_ERR_MALFORMED;
    for (size_t i = 0; i < e->len; i++)
        if (e->value[i] < '0' || e->value[i] > '9')
            return KS_ERR_MALFORMED;
    memcpy(dst, e->value, e->len);
    dst[e->len] = '\0';
    return KS_OK;
}

static void com_add_dg(lds_com *out, int dg)
{
    for (size_t i = 0; i < out->n_dgs; i++)
        if (out->dgs[i] == dg)
            return;
    if (out->n_dgs < 16)
        out->dgs[out->n_dgs++] = dg;
}

ks_status lds_parse_com(const uint8_t *buf, size_t len, lds_com *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, LDS_TAG_COM, &in, &in_len);
    if (st != KS_OK)
        return st;

    bool seen_ver = false, seen_uni = false, seen_list = false;
    tlv_iter it;
    tlv e;
    tlv_iter_init(&it, in, in_len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (e.tag == 0x5F01) {
            if (seen_ver)
                return KS_ERR_MALFORMED;
            seen_ver = true;
            st = copy_digits(&e, out->lds_version, sizeof out->lds_version);
        } else if (e.tag == 0x5F36) {
            if (seen_uni)
                return KS_ERR_MALFORMED;
            seen_uni = true;
            st = copy_digits(&e, out->unicode_version, sizeof out->unicode_version);
        } else if (e.tag == 0x5C) {
            if (seen_list)
                return KS_ERR_MALFORMED;
            seen_list = true;
            for (size_t i = 0; i < e.len; i++) {
                int dg = lds_dg_from_tag(e.value[i]);
                if (dg >= 1)
                    com_add_dg(out, dg);
            }
        }
        if (st != KS_OK)
            return st;
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;
    return seen_list ? KS_OK : KS_ERR_NOT_FOUND;
}

static bool is_mrz_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

ks_status lds_parse_dg1(const uint8_t *buf, size_t len, lds_dg1 *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, lds_tag_from_dg(1), &in, &in_len);
    if (st != KS_OK)
        return st;
    tlv e;
    st = tlv_expect(in, in_len, 0x5F1F, &e);
    if (st != KS_OK)
        return st;
    if (e.len != 88 && e.len != 72 && e.len != 90)
        return KS_ERR_MALFORMED;
    for (size_t i = 0; i < e.len; i++)
        if (!is_mrz_char(e.value[i]))
            return KS_ERR_MALFORMED;
    memcpy(out->mrz, e.value, e.len);
    out->mrz[e.len] = '\0';
    out->mrz_len = e.len;
    return KS_OK;
}

/* Sets a field once; a second occurrence of the same tag is malformed. */
static ks_status set_text(lds_text *t, const tlv *e)
{
    if (t->p)
        return KS_ERR_MALFORMED;
    /* An empty value would read as "absent"; point at it anyway. */
    t->p = e->value;
    t->len = e->len;
    return KS_OK;
}

static void add_name(lds_text *list, size_t *n, const tlv *e)
{
    if (*n < LDS_MAX_NAMES) {
        list[*n].p = e->value;
        list[*n].len = e->len;
        (*n)++;
    }
}

/*
 * A0 { 02 count, name, name, ... } as used for DG11 other names and DG12
 * other persons. The count must agree with the names that follow, so a
 * damaged list is not taken for a complete one.
 */
static ks_status parse_name_list(const tlv *a0, uint32_t name_tag, lds_text *list, size_t *n)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    long declared = -1, found = 0;
    tlv_iter_init(&it, a0->value, a0->len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (e.tag == 0x02) {
            if (declared >= 0 || e.len < 1 || e.len > 2)
                return KS_ERR_MALFORMED;
            declared = 0;
            for (size_t i = 0; i < e.len; i++)
                declared = (declared << 8) | e.value[i];
        } else if (e.tag == name_tag) {
            found++;
            add_name(list, n, &e);
        } else {
            return KS_ERR_MALFORMED;
        }
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;
    if (declared >= 0 && declared != found)
        return KS_ERR_MALFORMED;
    return KS_OK;
}

/* One field of a DG11/DG12 layout: its tag and where it goes. */
typedef struct text_field {
    uint32_t tag;
    lds_text *dst;
} text_field;

/*
 * Walks the content of DG11 or DG12: the tag list 5C, the simple fields of
 * `fields`, and names either directly under name_tag or inside A0. Unknown
 * tags are skipped so later LDS versions still parse.
 */
static ks_status parse_details(const uint8_t *in, size_t in_len, const text_field *fields,
                               size_t n_fields, uint32_t name_tag, lds_text *names,
                               size_t *n_names)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    bool seen_list = false, seen_a0 = false;
    tlv_iter_init(&it, in, in_len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (e.tag == 0x5C) {
            if (seen_list)
                return KS_ERR_MALFORMED;
            seen_list = true;
            continue;
        }
        if (e.tag == 0xA0) {
            if (seen_a0)
                return KS_ERR_MALFORMED;
            seen_a0 = true;
            st = parse_name_list(&e, name_tag, names, n_names);
            if (st != KS_OK)
                return st;
            continue;
        }
        if (e.tag == name_tag) {
            add_name(names, n_names, &e);
            continue;
        }
        for (size_t i = 0; i < n_fields; i++) {
            if (fields[i].tag == e.tag) {
                st = set_text(fields[i].dst, &e);
                if (st != KS_OK)
                    return st;
                break;
            }
        }
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;
    return seen_list ? KS_OK : KS_ERR_NOT_FOUND;
}

ks_status lds_parse_dg11(const uint8_t *buf, size_t len, lds_dg11 *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, lds_tag_from_dg(11), &in, &in_len);
    if (st != KS_OK)
        return st;
    const text_field fields[] = {
        {0x5F0E, &out->full_name},         {0x5F10, &out->personal_number},
        {0x5F2B, &out->full_date_of_birth}, {0x5F11, &out->place_of_birth},
        {0x5F42, &out->address},           {0x5F12, &out->telephone},
        {0x5F13, &out->profession},        {0x5F14, &out->title},
        {0x5F15, &out->personal_summary},  {0x5F16, &out->proof_of_citizenship},
        {0x5F17, &out->other_td_numbers},  {0x5F18, &out->custody_info},
    };
    st = parse_details(in, in_len, fields, sizeof fields / sizeof fields[0], 0x5F0F,
                       out->other_names, &out->n_other_names);
    if (st != KS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

ks_status lds_parse_dg12(const uint8_t *buf, size_t len, lds_dg12 *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, lds_tag_from_dg(12), &in, &in_len);
    if (st != KS_OK)
        return st;
    const text_field fields[] = {
        {0x5F19, &out->issuing_authority}, {0x5F26, &out->date_of_issue},
        {0x5F1B, &out->endorsements},      {0x5F1C, &out->tax_exit},
        {0x5F1D, &out->image_front},       {0x5F1E, &out->image_rear},
        {0x5F55, &out->personalization_time},
        {0x5F56, &out->personalization_device},
    };
    st = parse_details(in, in_len, fields, sizeof fields / sizeof fields[0], 0x5F1A,
                       out->other_persons_list, &out->n_other_persons);
    if (st != KS_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    if (out->n_other_persons > 0)
        out->other_persons = out->other_persons_list[0];
    return KS_OK;
}

/* The single element with `tag` that forms the whole content of a DG. */
static ks_status single_inner(const uint8_t *buf, size_t len, int dg, uint32_t tag,
                              const uint8_t **p, size_t *plen)
{
    if (!p || !plen)
        return KS_ERR_ARG;
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, lds_tag_from_dg(dg), &in, &in_len);
    if (st != KS_OK)
        return st;
    tlv e;
    st = tlv_expect(in, in_len, tag, &e);
    if (st != KS_OK)
        return st;
    *p = in;
    *plen = in_len;
    return KS_OK;
}

ks_status lds_dg14_security_infos(const uint8_t *buf, size_t len,
                                  const uint8_t **infos, size_t *infos_len)
{
    return single_inner(buf, len, 14, 0x31, infos, infos_len);
}

ks_status lds_dg15_public_key(const uint8_t *buf, size_t len,
                              const uint8_t **spki, size_t *spki_len)
{
    return single_inner(buf, len, 15, 0x30, spki, spki_len);
}
