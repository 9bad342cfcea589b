#include "vn_dg13.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "tlv.h"
#include "vn_date.h"
#include "vn_text.h"

#define ASN1_INTEGER 0x02u
#define ASN1_OID 0x06u
#define ASN1_SEQUENCE 0x30u
#define ASN1_SET 0x31u
#define MAX_DEPTH 6
#define MAX_INDEX 0xFFFF

/* Text being assembled into a caller's fixed-size field: several strings
 * are joined by " | ", and overflowing is an error, never a cut. */
typedef struct text_out {
    char *buf;
    size_t cap, len;
    unsigned parts;
    ks_status st;
} text_out;

static void text_init(text_out *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    t->parts = 0;
    t->st = KS_OK;
    buf[0] = '\0';
}

static void text_append(text_out *t, const char *s, size_t n)
{
    if (t->st != KS_OK)
        return;
    if (n >= t->cap - t->len) {
        t->st = KS_ERR_TOO_LARGE;
        return;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void text_new_part(text_out *t)
{
    if (t->parts++ > 0)
        text_append(t, " | ", 3);
}

static bool is_string_tag(uint32_t tag)
{
    switch (tag) {
    case 0x0Cu: /* UTF8String */
    case 0x12u: /* NumericString */
    case 0x13u: /* PrintableString */
    case 0x14u: /* T61String, ASCII only here */
    case 0x16u: /* IA5String */
    case 0x1Au: /* VisibleString */
    case 0x1Eu: /* BMPString */
        return true;
    default:
        return false;
    }
}

static ks_status append_bmp(text_out *t, const uint8_t *p, size_t n)
{
    if (n % 2 != 0)
        return KS_ERR_MALFORMED;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t cp = ((uint32_t)p[i] << 8) | p[i + 1];
        if (cp < 0x20u || (cp >= 0x7Fu && cp < 0xA0u) || (cp >= 0xD800u && cp <= 0xDFFFu))
            return KS_ERR_MALFORMED;
        char utf8[4];
        text_append(t, utf8, vn_utf8_encode(cp, utf8));
    }
    return KS_OK;
}

static ks_status append_string(text_out *t, const tlv *e)
{
    const char *s = (const char *)e->value;
    text_new_part(t);
    if (e->tag == 0x1Eu)
        return append_bmp(t, e->value, e->len);
    if (e->tag == 0x0Cu) {
        if (!vn_utf8_valid(s, e->len) || vn_text_has_controls(s, e->len))
            return KS_ERR_MALFORMED;
    } else {
        for (size_t i = 0; i < e->len; i++)
            if (e->value[i] < 0x20u || e->value[i] > 0x7Eu)
                return KS_ERR_MALFORMED;
    }
    text_append(t, s, e->len);
    return KS_OK;
}

static void append_hex(text_out *t, const tlv *e)
{
    static const char hex[] = "0123456789abcdef";
    text_new_part(t);
    text_append(t, "0x", 2);
    for (size_t i = 0; i < e->len && t->st == KS_OK; i++) {
        char pair[2] = {hex[e->value[i] >> 4], hex[e->value[i] & 0x0Fu]};
        text_append(t, pair, 2);
    }
}

/* Every string below buf, depth first, joined by " | ". */
static ks_status render(text_out *t, const uint8_t *buf, size_t len, unsigned depth)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, buf, len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (is_string_tag(e.tag)) {
            st = append_string(t, &e);
        } else if (tlv_is_constructed(e.tag)) {
            st = depth >= MAX_DEPTH ? KS_ERR_MALFORMED : render(t, e.value, e.len, depth + 1);
        } else {
            append_hex(t, &e);
            st = KS_OK;
        }
        if (st != KS_OK)
            return st;
        if (t->st != KS_OK)
            return t->st;
    }
    return st == KS_ERR_NOT_FOUND ? KS_OK : st;
}

static ks_status render_into(char *dst, size_t cap, const uint8_t *buf, size_t len)
{
    text_out t;
    text_init(&t, dst, cap);
    ks_status st = render(&t, buf, len, 0);
    if (st == KS_OK)
        st = t.st;
    if (st != KS_OK)
        dst[0] = '\0';
    return st;
}

static ks_status take_date(char iso[11], const uint8_t *buf, size_t len)
{
    char text[32];
    ks_status st = render_into(text, sizeof text, buf, len);
    if (st == KS_ERR_TOO_LARGE)
        return KS_ERR_MALFORMED;
    if (st != KS_OK)
        return st;
    if (text[0] == '\0') {
        iso[0] = '\0';
        return KS_OK;
    }
    vn_date d;
    size_t n = strlen(text);
    if (!vn_date_parse_dmy(text, n, '/', &d) && !vn_date_parse_dmy(text, n, '-', &d) &&
        !vn_date_parse_dmy(text, n, '.', &d))
        return KS_ERR_MALFORMED;
    vn_date_to_iso(d, iso);
    return KS_OK;
}

/* The expiry is a date, or words saying there is none ("Không thời hạn"). */
static ks_status take_expiry(char iso[11], const uint8_t *buf, size_t len)
{
    ks_status st = take_date(iso, buf, len);
    if (st != KS_ERR_MALFORMED)
        return st;
    char text[256], letters[256];
    st = render_into(text, sizeof text, buf, len);
    if (st != KS_OK)
        return KS_ERR_MALFORMED;
    if (vn_text_to_mrz(text, strlen(text), letters, sizeof letters) != KS_OK ||
        strncmp(letters, "KHONG", 5) != 0)
        return KS_ERR_MALFORMED;
    iso[0] = '\0';
    return KS_OK;
}

static size_t raw_len(const tlv *e)
{
    return e->total_len;
}

static const uint8_t *raw_start(const tlv *e)
{
    return e->value - (e->total_len - e->len);
}

/* Index 13: the value is two elements (father, mother), or one constructed
 * element holding those two. */
static ks_status take_parents(vn_dg13 *out, const uint8_t *buf, size_t len)
{
    tlv parts[3];
    size_t n = 0;
    tlv_iter it;
    ks_status st = KS_OK;
    tlv_iter_init(&it, buf, len);
    while (n < 3 && (st = tlv_iter_next(&it, &parts[n])) == KS_OK)
        n++;
    if (n == 3)
        return KS_ERR_MALFORMED;
    if (st != KS_ERR_NOT_FOUND)
        return st;
    if (n == 1 && tlv_is_constructed(parts[0].tag) && !is_string_tag(parts[0].tag)) {
        tlv inner = parts[0];
        tlv second;
        tlv_iter_init(&it, inner.value, inner.len);
        if (tlv_iter_next(&it, &parts[0]) == KS_OK && tlv_iter_next(&it, &second) == KS_OK) {
            parts[1] = second;
            n = 2;
            if (tlv_iter_next(&it, &second) != KS_ERR_NOT_FOUND)
                return KS_ERR_MALFORMED;
        } else {
            parts[0] = inner;
        }
    }
    if (n >= 1 && (st = render_into(out->father_name, sizeof out->father_name,
                                    raw_start(&parts[0]), raw_len(&parts[0]))) != KS_OK)
        return st;
    if (n >= 2 && (st = render_into(out->mother_name, sizeof out->mother_name,
                                    raw_start(&parts[1]), raw_len(&parts[1]))) != KS_OK)
        return st;
    return KS_OK;
}

static bool digits_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static ks_status add_extra(vn_dg13 *out, long index, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < out->n_extra; i++)
        if (out->extra[i].index == index)
            return KS_ERR_MALFORMED;
    if (out->n_extra >= VN_DG13_MAX_EXTRA)
        return KS_ERR_TOO_LARGE;
    vn_dg13_extra *x = &out->extra[out->n_extra];
    ks_status st = render_into(x->value, sizeof x->value, buf, len);
    if (st != KS_OK)
        return st;
    x->index = (int)index;
    out->n_extra++;
    return KS_OK;
}

/* Index 15 is the old ID number only when it looks like one. */
static ks_status take_index15(vn_dg13 *out, const uint8_t *buf, size_t len)
{
    char text[sizeof out->extra[0].value];
    ks_status st = render_into(text, sizeof text, buf, len);
    if (st != KS_OK)
        return st;
    size_t n = strlen(text);
    if ((n == 9 || n == 12) && digits_only(text, n)) {
        memcpy(out->old_id_number, text, n + 1);
        return KS_OK;
    }
    return add_extra(out, 15, buf, len);
}

#define TEXT(field) render_into(out->field, sizeof out->field, value, vlen)

static ks_status store_item(vn_dg13 *out, long index, const uint8_t *value, size_t vlen)
{
    switch (index) {
    case 1: return TEXT(id_number);
    case 2: return TEXT(full_name);
    case 3: return take_date(out->date_of_birth, value, vlen);
    case 4: return TEXT(sex);
    case 5: return TEXT(nationality);
    case 6: return TEXT(ethnicity);
    case 7: return TEXT(religion);
    case 8: return TEXT(place_of_origin);
    case 9: return TEXT(place_of_residence);
    case 10: return TEXT(identification_features);
    case 11: return take_date(out->date_of_issue, value, vlen);
    case 12: return take_expiry(out->date_of_expiry, value, vlen);
    case 13: return take_parents(out, value, vlen);
    case 14: return TEXT(spouse_name);
    case 15: return take_index15(out, value, vlen);
    default: return add_extra(out, index, value, vlen);
    }
}

#undef TEXT

/* A non-negative INTEGER of at most 4 content bytes, no larger than max. */
static bool integer_value(const tlv *e, long max, long *out)
{
    if (e->tag != ASN1_INTEGER || e->len < 1 || e->len > 4 || (e->value[0] & 0x80u))
        return false;
    long v = 0;
    for (size_t i = 0; i < e->len; i++)
        v = (v << 8) | e->value[i];
    if (v > max)
        return false;
    *out = v;
    return true;
}

typedef struct walk_ctx {
    vn_dg13 *out;
    uint32_t seen_known; /* bit i: index i (1..16) already stored */
    size_t items;
} walk_ctx;

static ks_status parse_item(walk_ctx *c, const tlv *seq)
{
    tlv first;
    ks_status st = tlv_decode(seq->value, seq->len, &first);
    if (st != KS_OK)
        return st;
    long index;
    if (!integer_value(&first, MAX_INDEX, &index) || index < 1)
        return KS_ERR_MALFORMED;
    if (index <= 16) {
        if (c->seen_known & (1u << index))
            return KS_ERR_MALFORMED;
        c->seen_known |= 1u << index;
    }
    c->items++;
    return store_item(c->out, index, seq->value + first.total_len, seq->len - first.total_len);
}

/* KS_OK when the SEQUENCE is an item, KS_ERR_NOT_FOUND when it is wrapping. */
static ks_status classify(const tlv *seq)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, seq->value, seq->len);
    if ((st = tlv_iter_next(&it, &e)) != KS_OK)
        return st == KS_ERR_NOT_FOUND ? KS_ERR_MALFORMED : st;
    if (e.tag != ASN1_INTEGER)
        return KS_ERR_NOT_FOUND;
    while ((st = tlv_iter_next(&it, &e)) == KS_OK)
        if (e.tag == ASN1_OID || e.tag == ASN1_SET)
            return KS_ERR_NOT_FOUND;
    return st == KS_ERR_NOT_FOUND ? KS_OK : st;
}

static ks_status walk(walk_ctx *c, const uint8_t *buf, size_t len, unsigned depth)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    long version;
    tlv_iter_init(&it, buf, len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        switch (e.tag) {
        case ASN1_INTEGER:
            if (c->out->version != -1 || !integer_value(&e, INT_MAX, &version))
                return KS_ERR_MALFORMED;
            c->out->version = (int)version;
            break;
        case ASN1_OID:
            break;
        case ASN1_SEQUENCE:
        case ASN1_SET:
            st = e.tag == ASN1_SEQUENCE ? classify(&e) : KS_ERR_NOT_FOUND;
            if (st == KS_OK)
                st = parse_item(c, &e);
            else if (st == KS_ERR_NOT_FOUND)
                st = depth >= MAX_DEPTH ? KS_ERR_MALFORMED : walk(c, e.value, e.len, depth + 1);
            if (st != KS_OK)
                return st;
            break;
        default:
            return KS_ERR_MALFORMED;
        }
    }
    return st == KS_ERR_NOT_FOUND ? KS_OK : st;
}

static ks_status parse(const uint8_t *buf, size_t len, vn_dg13 *out)
{
    tlv dg;
    ks_status st = tlv_decode(buf, len, &dg);
    if (st != KS_OK)
        return st;
    if (dg.tag != VN_DG13_TAG)
        return KS_ERR_MALFORMED;
    for (size_t i = dg.total_len; i < len; i++)
        if (buf[i] != 0)
            return KS_ERR_MALFORMED;
    walk_ctx c = {out, 0, 0};
    st = walk(&c, dg.value, dg.len, 0);
    if (st == KS_OK && c.items == 0)
        st = KS_ERR_MALFORMED;
    return st;
}

ks_status vn_dg13_parse(const uint8_t *buf, size_t len, vn_dg13 *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->version = -1;
    if (!buf)
        return KS_ERR_ARG;
    ks_status st = parse(buf, len, out);
    if (st != KS_OK)
        memset(out, 0, sizeof *out);
    return st;
}
