#include "tlv.h"

#include <string.h>

bool tlv_is_constructed(uint32_t tag)
{
    uint32_t first = tag;
    while (first > 0xFF)
        first >>= 8;
    return (first & 0x20u) != 0;
}

static ks_status decode_tag(const uint8_t *buf, size_t len, uint32_t *tag, size_t *used)
{
    if (len < 1)
        return KS_ERR_TRUNCATED;
    uint32_t t = buf[0];
    size_t n = 1;
    /* 0x1F in the low bits: the tag continues while bit 8 of the next byte is set. */
    if ((buf[0] & 0x1Fu) == 0x1Fu) {
        for (;;) {
            if (n >= len)
                return KS_ERR_TRUNCATED;
            if (n >= 4)
                return KS_ERR_UNSUPPORTED;
            t = (t << 8) | buf[n];
            n++;
            if ((buf[n - 1] & 0x80u) == 0)
                break;
        }
    }
    *tag = t;
    *used = n;
    return KS_OK;
}

static ks_status decode_len(const uint8_t *buf, size_t len, size_t *out, size_t *used)
{
    if (len < 1)
        return KS_ERR_TRUNCATED;
    if (buf[0] < 0x80) {
        *out = buf[0];
        *used = 1;
        return KS_OK;
    }
    if (buf[0] == 0x80)
        return KS_ERR_UNSUPPORTED; /* indefinite length */
    size_t n = buf[0] & 0x7Fu;
    if (n > 4)
        return KS_ERR_UNSUPPORTED;
    if (len < 1 + n)
        return KS_ERR_TRUNCATED;
    size_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | buf[1 + i];
    *out = v;
    *used = 1 + n;
    return KS_OK;
}

ks_status tlv_decode(const uint8_t *buf, size_t len, tlv *out)
{
    if (!buf || !out)
        return KS_ERR_ARG;
    uint32_t tag;
    size_t tag_used, vlen, len_used;
    ks_status st = decode_tag(buf, len, &tag, &tag_used);
    if (st != KS_OK)
        return st;
    st = decode_len(buf + tag_used, len - tag_used, &vlen, &len_used);
    if (st != KS_OK)
        return st;
    size_t header = tag_used + len_used;
    if (vlen > len - header)
        return KS_ERR_TRUNCATED;
    out->tag = tag;
    out->value = buf + header;
    out->len = vlen;
    out->total_len = header + vlen;
    return KS_OK;
}

void tlv_iter_init(tlv_iter *it, const uint8_t *buf, size_t len)
{
    it->p = buf;
    it->left = buf ? len : 0;
}

ks_status tlv_iter_next(tlv_iter *it, tlv *out)
{
    if (it->left == 0)
        return KS_ERR_NOT_FOUND;
    ks_status st = tlv_decode(it->p, it->left, out);
    if (st != KS_OK)
        return st;
    it->p += out->total_len;
    it->left -= out->total_len;
    return KS_OK;
}

ks_status tlv_find(const uint8_t *buf, size_t len, uint32_t tag, tlv *out)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, buf, len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (e.tag == tag) {
            *out = e;
            return KS_OK;
        }
    }
    return st;
}

ks_status tlv_expect(const uint8_t *buf, size_t len, uint32_t tag, tlv *out)
{
    ks_status st = tlv_decode(buf, len, out);
    if (st != KS_OK)
        return st;
    if (out->tag != tag || out->total_len != len)
        return KS_ERR_MALFORMED;
    return KS_OK;
}

static size_t tag_size(uint32_t tag)
{
    if (tag > 0xFFFFFFu)
        return 4;
    if (tag > 0xFFFFu)
        return 3;
    if (tag > 0xFFu)
        return 2;
    return 1;
}

static size_t len_size(size_t len)
{
    if (len < 0x80)
        return 1;
    if (len <= 0xFF)
        return 2;
    if (len <= 0xFFFF)
        return 3;
    if (len <= 0xFFFFFF)
        return 4;
    return 5;
}

size_t tlv_header_size(uint32_t tag, size_t len)
{
    return tag_size(tag) + len_size(len);
}

size_t tlv_put_header(uint8_t *out, size_t cap, uint32_t tag, size_t len)
{
    size_t ts = tag_size(tag), ls = len_size(len);
    if (cap < ts + ls || len > 0xFFFFFFFFu)
        return 0;
    for (size_t i = 0; i < ts; i++)
        out[i] = (uint8_t)(tag >> (8 * (ts - 1 - i)));
    if (ls == 1) {
        out[ts] = (uint8_t)len;
    } else {
        out[ts] = (uint8_t)(0x80u | (ls - 1));
        for (size_t i = 1; i < ls; i++)
            out[ts + i] = (uint8_t)(len >> (8 * (ls - 1 - i)));
    }
    return ts + ls;
}

void tlv_writer_init(tlv_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->status = KS_OK;
}

void tlv_put_raw(tlv_writer *w, const uint8_t *bytes, size_t len)
{
    if (w->status != KS_OK)
        return;
    if (len > w->cap - w->len) {
        w->status = KS_ERR_TOO_LARGE;
        return;
    }
    if (len)
        memcpy(w->buf + w->len, bytes, len);
    w->len += len;
}

void tlv_put(tlv_writer *w, uint32_t tag, const uint8_t *value, size_t len)
{
    if (w->status != KS_OK)
        return;
    size_t h = tlv_put_header(w->buf + w->len, w->cap - w->len, tag, len);
    if (h == 0) {
        w->status = KS_ERR_TOO_LARGE;
        return;
    }
    w->len += h;
    tlv_put_raw(w, value, len);
}

void tlv_open(tlv_writer *w, uint32_t tag)
{
    if (w->status != KS_OK)
        return;
    if (w->depth >= TLV_MAX_DEPTH) {
        w->status = KS_ERR_TOO_LARGE;
        return;
    }
    /* Content is written right here; tlv_close() shifts it to insert the header. */
    w->open_at[w->depth] = w->len;
    w->open_tag[w->depth] = tag;
    w->depth++;
}

void tlv_close(tlv_writer *w)
{
    if (w->status != KS_OK)
        return;
    if (w->depth == 0) {
        w->status = KS_ERR_ARG;
        return;
    }
    w->depth--;
    size_t start = w->open_at[w->depth];
    size_t content = w->len - start;
    size_t h = tlv_header_size(w->open_tag[w->depth], content);
    if (h > w->cap - w->len) {
        w->status = KS_ERR_TOO_LARGE;
        return;
    }
    memmove(w->buf + start + h, w->buf + start, content);
    tlv_put_header(w->buf + start, h, w->open_tag[w->depth], content);
    w->len += h;
}

ks_status tlv_writer_status(const tlv_writer *w)
{
    if (w->status != KS_OK)
        return w->status;
    return w->depth == 0 ? KS_OK : KS_ERR_ARG;
}
