#include "mkc_jpeg.h"

#include <stdbool.h>

#include "mkc_util.h"

static bool is_frame_header(uint8_t marker)
{
    /* SOF markers are C0..CF except DHT (C4), JPG (C8) and DAC (CC). */
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
           marker != 0xCC;
}

static bool has_no_length(uint8_t marker)
{
    return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
}

static ks_status read_frame_header(const uint8_t *seg, size_t seg_len, mkc_jpeg_info *out)
{
    /* P (1), Y (2), X (2), Nf (1), then 3 bytes per component. */
    if (seg_len < 6)
        return mkc_fail(KS_ERR_MALFORMED, "portrait: JPEG frame header too short");
    uint16_t height = (uint16_t)((seg[1] << 8) | seg[2]);
    uint16_t width = (uint16_t)((seg[3] << 8) | seg[4]);
    uint8_t nf = seg[5];
    if (seg_len < 6 + 3u * nf || nf == 0)
        return mkc_fail(KS_ERR_MALFORMED, "portrait: JPEG frame header inconsistent");
    if (width == 0)
        return mkc_fail(KS_ERR_MALFORMED, "portrait: JPEG width is zero");
    if (height == 0)
        return mkc_fail(KS_ERR_UNSUPPORTED, "portrait: JPEG height only in a DNL segment");
    out->width = width;
    out->height = height;
    out->components = nf;
    return KS_OK;
}

ks_status mkc_jpeg_info_get(const uint8_t *jpeg, size_t len, mkc_jpeg_info *out)
{
    if (!jpeg || !out)
        return KS_ERR_ARG;
    if (len < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        return mkc_fail(KS_ERR_MALFORMED, "portrait: not a JPEG file (no SOI)");
    size_t pos = 2;
    for (;;) {
        if (pos >= len)
            return mkc_fail(KS_ERR_TRUNCATED, "portrait: JPEG ends before its frame header");
        if (jpeg[pos] != 0xFF)
            return mkc_fail(KS_ERR_MALFORMED, "portrait: JPEG marker expected");
        /* Any number of 0xFF fill bytes may precede a marker code. */
        while (pos < len && jpeg[pos] == 0xFF)
            pos++;
        if (pos >= len)
            return mkc_fail(KS_ERR_TRUNCATED, "portrait: JPEG ends inside a marker");
        uint8_t marker = jpeg[pos++];
        if (has_no_length(marker))
            continue;
        if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA || marker == 0x00)
            return mkc_fail(KS_ERR_MALFORMED, "portrait: JPEG has no frame header before its scan");
        if (len - pos < 2)
            return mkc_fail(KS_ERR_TRUNCATED, "portrait: JPEG ends inside a segment length");
        size_t seg_len = ((size_t)jpeg[pos] << 8) | jpeg[pos + 1];
        if (seg_len < 2 || seg_len > len - pos)
            return mkc_fail(KS_ERR_MALFORMED, "portrait: JPEG segment length out of bounds");
        if (is_frame_header(marker)) {
            if (marker > 0xC2)
                return mkc_fail(KS_ERR_UNSUPPORTED,
                                "portrait: only baseline, extended and progressive JPEG");
            return read_frame_header(jpeg + pos + 2, seg_len - 2, out);
        }
        pos += seg_len;
    }
}
