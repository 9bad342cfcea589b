#include "mkc_lds.h"

#include <stdlib.h>
#include <string.h>

#include "mkc_jpeg.h"
#include "tlv.h"

static const uint8_t dg_tags[16] = {0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                                    0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70};

uint8_t mkc_lds_dg_tag(unsigned dg)
{
    return dg >= 1 && dg <= 16 ? dg_tags[dg - 1] : 0;
}

uint16_t mkc_lds_dg_fid(unsigned dg)
{
    return dg >= 1 && dg <= 16 ? (uint16_t)(0x0100u + dg) : 0;
}

ks_status mkc_lds_com(const unsigned *dgs, size_t n, mkc_bytes *out)
{
    uint8_t tags[16];
    if (n == 0 || n > sizeof tags)
        return KS_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        tags[i] = mkc_lds_dg_tag(dgs[i]);
        if (tags[i] == 0)
            return KS_ERR_ARG;
    }
    uint8_t buf[64];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x60);
    tlv_put(&w, 0x5F01, (const uint8_t *)"0107", 4);
    tlv_put(&w, 0x5F36, (const uint8_t *)"040000", 6);
    tlv_put(&w, 0x5C, tags, n);
    tlv_close(&w);
    return mkc_bytes_from_writer(&w, out);
}

ks_status mkc_lds_dg1(const char *mrz, size_t mrz_len, mkc_bytes *out)
{
    uint8_t buf[128];
    if (!mrz || mrz_len == 0 || mrz_len > 100)
        return KS_ERR_ARG;
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x61);
    tlv_put(&w, 0x5F1F, (const uint8_t *)mrz, mrz_len);
    tlv_close(&w);
    return mkc_bytes_from_writer(&w, out);
}

uint8_t mkc_lds_gender(char mrz_sex)
{
    /* ISO/IEC 19794-5 gender: 0 unspecified, 1 male, 2 female. */
    return mrz_sex == 'M' ? 1 : mrz_sex == 'F' ? 2 : 0;
}

static void put_be16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

enum {
    FACE_HEADER_LEN = 14,  /* format id, version, record length, image count */
    FACE_INFO_LEN = 20,    /* facial information block */
    IMAGE_INFO_LEN = 12,   /* image information block */
};

/* Writes the ISO/IEC 19794-5:2005 headers in front of the image bytes. */
static void facial_record_headers(uint8_t *p, size_t image_len, const mkc_jpeg_info *ji,
                                  uint8_t gender)
{
    size_t block_len = FACE_INFO_LEN + IMAGE_INFO_LEN + image_len;
    memset(p, 0, FACE_HEADER_LEN + FACE_INFO_LEN + IMAGE_INFO_LEN);
    memcpy(p, "FAC\0" "010\0", 8);
    put_be32(p + 8, FACE_HEADER_LEN + block_len);
    put_be16(p + 12, 1); /* one facial image */

    uint8_t *info = p + FACE_HEADER_LEN;
    put_be32(info, block_len);
    /* 4..5 feature points 0; 6 gender; 7 eye, 8 hair, 9..11 feature mask,
     * 12..13 expression, 14..19 pose and its uncertainty: all unspecified. */
    info[6] = gender;

    uint8_t *img = info + FACE_INFO_LEN;
    img[0] = 0x01; /* face image type: full frontal */
    img[1] = 0x00; /* image data type: JPEG */
    put_be16(img + 2, ji->width);
    put_be16(img + 4, ji->height);
    img[6] = ji->components == 3 ? 0x01 : ji->components == 1 ? 0x03 : 0x00; /* RGB / grey */
    img[7] = 0x02; /* source type: static photo from a digital still camera */
    /* 8..9 device type and 10..11 quality: unspecified */
}

ks_status mkc_lds_dg2(const uint8_t *jpeg, size_t len, uint8_t gender, mkc_bytes *out)
{
    if (!jpeg || len == 0)
        return KS_ERR_ARG;
    if (len > MKC_LDS_PORTRAIT_MAX)
        return mkc_fail(KS_ERR_TOO_LARGE, "portrait: larger than %u bytes", MKC_LDS_PORTRAIT_MAX);
    mkc_jpeg_info ji;
    ks_status st = mkc_jpeg_info_get(jpeg, len, &ji);
    if (st != KS_OK)
        return st;

    size_t headers = FACE_HEADER_LEN + FACE_INFO_LEN + IMAGE_INFO_LEN;
    size_t record_len = headers + len;
    uint8_t *record = malloc(record_len);
    size_t cap = record_len + 64;
    uint8_t *buf = malloc(cap);
    if (!record || !buf) {
        free(record);
        free(buf);
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for DG2");
    }
    facial_record_headers(record, len, &ji, gender);
    memcpy(record + headers, jpeg, len);

    static const uint8_t header_version[] = {0x01, 0x01};
    static const uint8_t type_facial[] = {0x02};
    static const uint8_t format_owner[] = {0x01, 0x01}; /* ISO/IEC JTC 1/SC 37 */
    static const uint8_t format_type[] = {0x00, 0x08};  /* 19794-5 face image */
    static const uint8_t one[] = {0x01};
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x75);
    tlv_open(&w, 0x7F61);
    tlv_put(&w, 0x02, one, 1);
    tlv_open(&w, 0x7F60);
    tlv_open(&w, 0xA1);
    tlv_put(&w, 0x80, header_version, sizeof header_version);
    tlv_put(&w, 0x81, type_facial, sizeof type_facial);
    tlv_put(&w, 0x87, format_owner, sizeof format_owner);
    tlv_put(&w, 0x88, format_type, sizeof format_type);
    tlv_close(&w);
    tlv_put(&w, 0x5F2E, record, record_len);
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    st = mkc_bytes_from_writer(&w, out);
    free(record);
    free(buf);
    return st;
}
