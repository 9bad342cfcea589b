/*
 * tlv.h — BER-TLV as used by ISO/IEC 7816-4 and ICAO Doc 9303.
 *
 * Decoding: tags of 1..4 bytes (returned as the big-endian integer of their
 * raw bytes, e.g. 0x5F1F, 0x7F61), definite lengths in short form or long form
 * of up to 4 bytes. Indefinite lengths are refused (DER and the LDS never use
 * them). Every element is checked to lie inside the buffer it came from; the
 * decoder never reads past `len` and never allocates.
 *
 * Encoding: a writer over a caller-owned buffer. Nested constructed elements
 * are opened with tlv_open() and closed with tlv_close(), which moves the
 * content to make room for the final length. Any overflow makes the writer
 * sticky-failed: later calls do nothing and tlv_writer_status() reports it.
 */
#ifndef KS_TLV_H
#define KS_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct tlv {
    uint32_t tag;          /* raw tag bytes, big-endian */
    const uint8_t *value;  /* points into the decoded buffer */
    size_t len;            /* length of value */
    size_t total_len;      /* tag + length + value bytes */
} tlv;

/* True when the tag's first byte has the "constructed" bit (0x20). */
bool tlv_is_constructed(uint32_t tag);

/* Decodes the element at the start of buf. */
ks_status tlv_decode(const uint8_t *buf, size_t len, tlv *out);

/* Iterates over consecutive elements in one buffer. */
typedef struct tlv_iter {
    const uint8_t *p;
    size_t left;
} tlv_iter;

void tlv_iter_init(tlv_iter *it, const uint8_t *buf, size_t len);
/* KS_OK and *out filled, KS_ERR_NOT_FOUND at the clean end, or a decode error. */
ks_status tlv_iter_next(tlv_iter *it, tlv *out);

/* First element with `tag` among the consecutive elements of buf (one level). */
ks_status tlv_find(const uint8_t *buf, size_t len, uint32_t tag, tlv *out);

/* Decodes buf as exactly one element with the expected tag, nothing after it. */
ks_status tlv_expect(const uint8_t *buf, size_t len, uint32_t tag, tlv *out);

/* Bytes needed to encode the header (tag + length) of an element. */
size_t tlv_header_size(uint32_t tag, size_t len);

/* Writes only the header; returns bytes written, 0 when cap is too small. */
size_t tlv_put_header(uint8_t *out, size_t cap, uint32_t tag, size_t len);

#define TLV_MAX_DEPTH 8

typedef struct tlv_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    ks_status status;
    size_t open_at[TLV_MAX_DEPTH]; /* offsets of the content of open elements */
    uint32_t open_tag[TLV_MAX_DEPTH];
    unsigned depth;
} tlv_writer;

void tlv_writer_init(tlv_writer *w, uint8_t *buf, size_t cap);
void tlv_put(tlv_writer *w, uint32_t tag, const uint8_t *value, size_t len);
void tlv_put_raw(tlv_writer *w, const uint8_t *bytes, size_t len);
void tlv_open(tlv_writer *w, uint32_t tag);
void tlv_close(tlv_writer *w);
/* KS_OK when everything fit and every opened element was closed. */
ks_status tlv_writer_status(const tlv_writer *w);

#endif
