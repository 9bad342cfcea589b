#include "dg2.h"

#include <stdbool.h>
#include <string.h>

#include "lds.h"
#include "tlv.h"

#define TAG_BIT_GROUP 0x7F61u
#define TAG_BIT 0x7F60u
#define TAG_BHT 0xA1u
#define TAG_BDB 0x5F2Eu
#define TAG_BDB_CONSTRUCTED 0x7F2Eu
#define TAG_SMT 0x7Du /* a template protected by secure messaging */
#define TAG_COUNT 0x02u

/* 19794-5:2005 fixed sizes */
#define FAC_HEADER_LEN 14
#define FAC_INFO_LEN 20
#define FAC_POINT_LEN 8
#define FAC_IMAGE_INFO_LEN 12

/* The 39794-5 search looks this deep for an embedded image. */
#define EMBEDDED_MAX_DEPTH 8

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const uint8_t jp2_signature[12] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
                                          0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};

static bool is_j2k_codestream(const uint8_t *img, size_t len)
{
    return len >= 4 && img[0] == 0xFF && img[1] == 0x4F && img[2] == 0xFF && img[3] == 0x51;
}

int dg2_sniff_format(const uint8_t *img, size_t len)
{
    if (!img)
        return 0;
    if (len >= 3 && img[0] == 0xFF && img[1] == 0xD8 && img[2] == 0xFF)
        return DG2_JPEG;
    if (len >= sizeof jp2_signature && memcmp(img, jp2_signature, sizeof jp2_signature) == 0)
        return DG2_JPEG2000;
    if (is_j2k_codestream(img, len))
        return DG2_JPEG2000;
    return 0;
}

static bool is_sof_marker(uint8_t m)
{
    /* C4 (DHT), C8 (JPG extension) and CC (DAC) share the range but are not frames. */
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static ks_status jpeg_size(const uint8_t *img, size_t len, unsigned *w, unsigned *h)
{
    if (len < 2 || img[0] != 0xFF || img[1] != 0xD8)
        return KS_ERR_MALFORMED;
    size_t pos = 2;
    for (;;) {
        if (pos >= len)
            return KS_ERR_TRUNCATED;
        if (img[pos] != 0xFF)
            return KS_ERR_MALFORMED;
        while (pos < len && img[pos] == 0xFF) /* fill bytes */
            pos++;
        if (pos >= len)
            return KS_ERR_TRUNCATED;
        uint8_t marker = img[pos++];
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))
            continue; /* markers without a segment */
        if (marker == 0xD9 || marker == 0xDA)
            return KS_ERR_NOT_FOUND; /* the frame header must come before scan data */
        if (marker == 0x00)
            return KS_ERR_MALFORMED;
        if (len - pos < 2)
            return KS_ERR_TRUNCATED;
        size_t seg = be16(img + pos);
        if (seg < 2)
            return KS_ERR_MALFORMED;
        if (seg > len - pos)
            return KS_ERR_TRUNCATED;
        if (is_sof_marker(marker)) {
            if (seg < 8)
                return KS_ERR_MALFORMED;
            *h = be16(img + pos + 3);
            *w = be16(img + pos + 5);
            return KS_OK;
        }
        pos += seg;
    }
}

/* Finds the first box of `type` among the boxes in buf. */
static ks_status jp2_find_box(const uint8_t *buf, size_t len, const char type[4],
                              const uint8_t **content, size_t *clen)
{
    size_t pos = 0;
    while (pos < len) {
        if (len - pos < 8)
            return KS_ERR_TRUNCATED;
        uint32_t lbox = be32(buf + pos);
        size_t header = 8;
        uint64_t box_len;
        if (lbox == 1) {
            if (len - pos < 16)
                return KS_ERR_TRUNCATED;
            box_len = (uint64_t)be32(buf + pos + 8) << 32 | be32(buf + pos + 12);
            header = 16;
        } else if (lbox == 0) {
            box_len = len - pos; /* the last box runs to the end */
        } else {
            box_len = lbox;
        }
        if (box_len < header)
            return KS_ERR_MALFORMED;
        if (box_len > len - pos)
            return KS_ERR_TRUNCATED;
        if (memcmp(buf + pos + 4, type, 4) == 0) {
            *content = buf + pos + header;
            *clen = (size_t)box_len - header;
            return KS_OK;
        }
        pos += (size_t)box_len;
    }
    return KS_ERR_NOT_FOUND;
}

static ks_status j2k_siz_size(const uint8_t *cs, size_t len, unsigned *w, unsigned *h)
{
    if (!is_j2k_codestream(cs, len))
        return KS_ERR_MALFORMED;
    /* SOC, SIZ marker, Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz */
    if (len < 4 + 2 + 2 + 16)
        return KS_ERR_TRUNCATED;
    const uint8_t *p = cs + 8;
    uint32_t xsiz = be32(p), ysiz = be32(p + 4), xo = be32(p + 8), yo = be32(p + 12);
    if (xo >= xsiz || yo >= ysiz)
        return KS_ERR_MALFORMED;
    *w = xsiz - xo;
    *h = ysiz - yo;
    return KS_OK;
}

static ks_status jp2_size(const uint8_t *img, size_t len, unsigned *w, unsigned *h)
{
    if (is_j2k_codestream(img, len))
        return j2k_siz_size(img, len, w, h);
    if (len < sizeof jp2_signature || memcmp(img, jp2_signature, sizeof jp2_signature) != 0)
        return KS_ERR_MALFORMED;
    const uint8_t *jp2h, *ihdr, *jp2c;
    size_t jp2h_len, ihdr_len, jp2c_len;
    ks_status st = jp2_find_box(img, len, "jp2h", &jp2h, &jp2h_len);
    if (st == KS_OK) {
        st = jp2_find_box(jp2h, jp2h_len, "ihdr", &ihdr, &ihdr_len);
        if (st == KS_OK) {
            if (ihdr_len < 14)
                return KS_ERR_MALFORMED;
            *h = be32(ihdr);
            *w = be32(ihdr + 4);
            return KS_OK;
        }
    }
    /* No usable header box: the codestream's SIZ has the same numbers. */
    if (jp2_find_box(img, len, "jp2c", &jp2c, &jp2c_len) == KS_OK)
        return j2k_siz_size(jp2c, jp2c_len, w, h);
    return st;
}

ks_status dg2_image_size(const uint8_t *img, size_t len, dg2_format fmt, unsigned *w,
                         unsigned *h)
{
    if (!img || !w || !h)
        return KS_ERR_ARG;
    unsigned ww = 0, hh = 0;
    ks_status st;
    if (fmt == DG2_JPEG)
        st = jpeg_size(img, len, &ww, &hh);
    else if (fmt == DG2_JPEG2000)
        st = jp2_size(img, len, &ww, &hh);
    else
        return KS_ERR_ARG;
    if (st != KS_OK)
        return st;
    *w = ww;
    *h = hh;
    return KS_OK;
}

/* Fills format, image and pixel size; the size stays 0 when its header is unreadable. */
static ks_status set_image(dg2_portrait *out, const uint8_t *img, size_t len)
{
    int fmt = dg2_sniff_format(img, len);
    if (fmt == 0)
        return KS_ERR_UNSUPPORTED;
    out->format = (dg2_format)fmt;
    out->image = img;
    out->image_len = len;
    unsigned w, h;
    if (dg2_image_size(img, len, out->format, &w, &h) == KS_OK) {
        out->width = w;
        out->height = h;
    }
    return KS_OK;
}

static ks_status parse_19794_5(const uint8_t *rec, size_t rec_avail, dg2_portrait *out)
{
    if (rec_avail < FAC_HEADER_LEN)
        return KS_ERR_TRUNCATED;
    if (memcmp(rec, "FAC\0", 4) != 0)
        return KS_ERR_MALFORMED;
    if (memcmp(rec + 4, "010\0", 4) != 0)
        return KS_ERR_UNSUPPORTED; /* only the 2005 layout is implemented */
    uint32_t rec_len = be32(rec + 8);
    if (rec_len < FAC_HEADER_LEN)
        return KS_ERR_MALFORMED;
    if (rec_len > rec_avail)
        return KS_ERR_TRUNCATED;
    out->n_faces = be16(rec + 12);
    if (out->n_faces == 0)
        return KS_ERR_NOT_FOUND;

    const uint8_t *face = rec + FAC_HEADER_LEN;
    size_t face_avail = rec_len - FAC_HEADER_LEN;
    if (face_avail < FAC_INFO_LEN)
        return KS_ERR_TRUNCATED;
    uint32_t block_len = be32(face);
    size_t n_points = be16(face + 4);
    size_t fixed = FAC_INFO_LEN + n_points * FAC_POINT_LEN + FAC_IMAGE_INFO_LEN;
    if (block_len > face_avail)
        return KS_ERR_TRUNCATED;
    if (block_len <= fixed)
        return KS_ERR_MALFORMED; /* no room for the image */
    out->gender = face[6];
    out->eye_colour = face[7];
    out->hair_colour = face[8];
    /* Expression is 16 bits; codes above 0xFF are vendor-defined and read as 0xFF. */
    uint32_t expression = be16(face + 12);
    out->expression = (uint8_t)(expression > 0xFF ? 0xFF : expression);

    const uint8_t *info = face + FAC_INFO_LEN + n_points * FAC_POINT_LEN;
    out->face_image_type = info[0];
    out->image_data_type = info[1];
    out->header_width = be16(info + 2);
    out->header_height = be16(info + 4);
    out->colour_space = info[6];
    out->source_type = info[7];
    return set_image(out, face + fixed, block_len - fixed);
}

/* Depth-first search of a 39794-5 block for the first primitive holding an image. */
static ks_status find_embedded_image(const uint8_t *buf, size_t len, unsigned depth,
                                     dg2_portrait *out)
{
    if (depth > EMBEDDED_MAX_DEPTH)
        return KS_ERR_NOT_FOUND;
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, buf, len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (tlv_is_constructed(e.tag)) {
            st = find_embedded_image(e.value, e.len, depth + 1, out);
            if (st != KS_ERR_NOT_FOUND)
                return st;
        } else if (dg2_sniff_format(e.value, e.len) != 0) {
            out->n_faces = 1;
            return set_image(out, e.value, e.len);
        }
    }
    return st == KS_ERR_NOT_FOUND ? KS_ERR_NOT_FOUND : KS_ERR_MALFORMED;
}

/* The data block of one template (7F60): BHT A1, then 5F2E or 7F2E. */
static ks_status parse_template(const tlv *bit, dg2_portrait *out)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, bit->value, bit->len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (e.tag == TAG_BDB)
            return parse_19794_5(e.value, e.len, out);
        if (e.tag == TAG_BDB_CONSTRUCTED) {
            if (e.len >= 4 && memcmp(e.value, "FAC\0", 4) == 0)
                return parse_19794_5(e.value, e.len, out);
            return find_embedded_image(e.value, e.len, 0, out);
        }
    }
    return st;
}

/* Counts the templates of 7F61 and keeps the first; a count (02) must agree. */
static ks_status scan_group(const tlv *group, tlv *first, unsigned *templates)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    long declared = -1;
    bool protected_seen = false;
    *templates = 0;
    tlv_iter_init(&it, group->value, group->len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (e.tag == TAG_COUNT) {
            if (declared >= 0 || e.len != 1)
                return KS_ERR_MALFORMED;
            declared = e.value[0];
        } else if (e.tag == TAG_BIT) {
            if (*templates == 0)
                *first = e;
            (*templates)++;
        } else if (e.tag == TAG_SMT) {
            protected_seen = true; /* counted in 02 but unreadable here */
        }
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;
    if (*templates == 0)
        return protected_seen ? KS_ERR_UNSUPPORTED : KS_ERR_NOT_FOUND;
    if (declared >= 0 && !protected_seen && (unsigned long)declared != *templates)
        return KS_ERR_MALFORMED;
    return KS_OK;
}

ks_status dg2_parse(const uint8_t *buf, size_t len, dg2_portrait *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const uint8_t *in;
    size_t in_len;
    ks_status st = lds_unwrap(buf, len, lds_tag_from_dg(2), &in, &in_len);
    if (st != KS_OK)
        return st;
    tlv group, first = {0};
    unsigned templates;
    st = tlv_expect(in, in_len, TAG_BIT_GROUP, &group);
    if (st == KS_OK)
        st = scan_group(&group, &first, &templates);
    if (st == KS_OK)
        st = parse_template(&first, out);
    if (st != KS_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    out->n_instances = templates;
    return KS_OK;
}
