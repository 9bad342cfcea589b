/*
 * test_dg2.c — the DG2 portrait: CBEFF templates around an ISO/IEC 19794-5
 * record, with hand-made minimal JPEG, JP2 and J2K headers built here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dg2.h"
#include "tlv.h"

typedef struct bytes {
    uint8_t b[2048];
    size_t n;
} bytes;

static void put(bytes *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put8(bytes *o, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(o, &b, 1);
}

static void put16(bytes *o, unsigned v)
{
    put8(o, v >> 8);
    put8(o, v);
}

static void put32(bytes *o, uint32_t v)
{
    put16(o, v >> 16);
    put16(o, v & 0xFFFF);
}

/* SOI, APP0, SOFn, SOS, two bytes of scan data, EOI. */
static void make_jpeg(bytes *o, unsigned sof, unsigned w, unsigned h)
{
    o->n = 0;
    put(o, "\xFF\xD8", 2);
    put(o, "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    put8(o, 0xFF);
    put8(o, sof);
    put16(o, 17);
    put8(o, 8);
    put16(o, h);
    put16(o, w);
    put(o, "\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
    put(o, "\xFF\xDA\x00\x0C\x03\x01\x00\x02\x11\x03\x11\x00\x3F\x00", 14);
    put(o, "\x12\x34\xFF\xD9", 4);
}

static void make_codestream(bytes *o, uint32_t xsiz, uint32_t ysiz, uint32_t xo, uint32_t yo)
{
    put(o, "\xFF\x4F\xFF\x51", 4);
    put16(o, 41);
    put16(o, 0);
    put32(o, xsiz);
    put32(o, ysiz);
    put32(o, xo);
    put32(o, yo);
    put32(o, xsiz);
    put32(o, ysiz);
    put32(o, 0);
    put32(o, 0);
    put16(o, 1);
    put(o, "\x07\x01\x01", 3);
    put(o, "\xFF\xD9", 2);
}

/* Signature box, ftyp, optionally jp2h { ihdr, colr }, then jp2c running to the end. */
static void make_jp2(bytes *o, unsigned w, unsigned h, bool with_header)
{
    o->n = 0;
    put(o, "\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A", 12);
    put(o, "\x00\x00\x00\x14" "ftypjp2 \x00\x00\x00\x00jp2 ", 20);
    if (with_header) {
        put32(o, 8 + 22 + 15);
        put(o, "jp2h", 4);
        put32(o, 22);
        put(o, "ihdr", 4);
        put32(o, h);
        put32(o, w);
        put(o, "\x00\x03\x07\x07\x00\x00", 6);
        put(o, "\x00\x00\x00\x0F" "colr\x01\x00\x00\x00\x00\x00\x10", 15);
    }
    put32(o, 0);
    put(o, "jp2c", 4);
    make_codestream(o, w + 7, h + 9, 7, 9); /* offsets: the size is the difference */
}

typedef struct face_opts {
    const bytes *img;
    unsigned n_points;
    unsigned hdr_w, hdr_h;
    unsigned image_data_type;
    const char *version;
    int rec_len_delta;   /* added to the true record length */
    int block_len_delta; /* added to the true block length */
    unsigned n_faces;
} face_opts;

static void make_face_record(bytes *o, const face_opts *f)
{
    uint32_t block = 20 + 8 * f->n_points + 12 + (uint32_t)f->img->n;
    o->n = 0;
    put(o, "FAC\0", 4);
    put(o, f->version ? f->version : "010", 4);
    put32(o, (uint32_t)((int)(14 + block) + f->rec_len_delta));
    put16(o, f->n_faces);
    put32(o, (uint32_t)((int)block + f->block_len_delta));
    put16(o, f->n_points);
    put8(o, 1);                /* gender: male */
    put8(o, 3);                /* eyes: brown */
    put8(o, 2);                /* hair: black */
    put(o, "\x00\x00\x01", 3); /* feature mask */
    put16(o, 1);               /* expression: neutral */
    put(o, "\x00\x00\x00\x00\x00\x00", 6);
    for (unsigned i = 0; i < f->n_points; i++)
        put(o, "\x01\x11\x00\x10\x00\x20\x00\x00", 8);
    put8(o, 1); /* full frontal */
    put8(o, f->image_data_type);
    put16(o, f->hdr_w);
    put16(o, f->hdr_h);
    put8(o, 1); /* sRGB */
    put8(o, 2); /* digital camera */
    put16(o, 0);
    put16(o, 0);
    put(o, f->img->b, f->img->n);
}

static face_opts default_face(const bytes *img)
{
    face_opts f = {img, 0, 480, 640, 0, NULL, 0, 0, 1};
    return f;
}

/* 75 { 7F61 { 02 count, 7F60 { A1 BHT, bdb_tag record } x templates } } */
static void make_dg2(bytes *o, const bytes *rec, uint32_t bdb_tag, unsigned templates,
                     unsigned declared)
{
    tlv_writer w;
    tlv_writer_init(&w, o->b, sizeof o->b);
    uint8_t count = (uint8_t)declared;
    tlv_open(&w, 0x75);
    tlv_open(&w, 0x7F61);
    tlv_put(&w, 0x02, &count, 1);
    for (unsigned i = 0; i < templates; i++) {
        tlv_open(&w, 0x7F60);
        tlv_open(&w, 0xA1);
        tlv_put(&w, 0x81, (const uint8_t *)"\x02", 1);
        tlv_put(&w, 0x87, (const uint8_t *)"\x01\x01", 2);
        tlv_put(&w, 0x88, (const uint8_t *)"\x00\x08", 2);
        tlv_close(&w);
        tlv_put(&w, bdb_tag, rec->b, rec->n);
        tlv_close(&w);
    }
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    o->n = w.len;
}

static void make_jpeg_dg2(bytes *dg2, bytes *img)
{
    bytes rec;
    make_jpeg(img, 0xC0, 480, 640);
    face_opts f = default_face(img);
    make_face_record(&rec, &f);
    make_dg2(dg2, &rec, 0x5F2E, 1, 1);
}

static void assert_all_prefixes_fail(const bytes *dg2)
{
    dg2_portrait p;
    for (size_t n = 0; n < dg2->n; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, dg2->b, n);
        assert_int_not_equal(dg2_parse(copy, n, &p), KS_OK);
        free(copy);
    }
}

/* ---- image headers ---- */

static void test_jpeg_size_comes_from_the_frame_header(void **state)
{
    (void)state;
    bytes img;
    unsigned w = 0, h = 0;
    make_jpeg(&img, 0xC0, 480, 640);
    assert_int_equal(dg2_sniff_format(img.b, img.n), DG2_JPEG);
    assert_int_equal(dg2_image_size(img.b, img.n, DG2_JPEG, &w, &h), KS_OK);
    assert_int_equal(w, 480);
    assert_int_equal(h, 640);
    make_jpeg(&img, 0xC2, 321, 123); /* progressive */
    assert_int_equal(dg2_image_size(img.b, img.n, DG2_JPEG, &w, &h), KS_OK);
    assert_int_equal(w, 321);
    assert_int_equal(h, 123);
}

static void test_jpeg_without_frame_header_before_scan_has_no_size(void **state)
{
    (void)state;
    bytes img;
    unsigned w = 7, h = 7;
    make_jpeg(&img, 0xC4, 480, 640); /* a DHT where the SOF would be */
    assert_int_equal(dg2_image_size(img.b, img.n, DG2_JPEG, &w, &h), KS_ERR_NOT_FOUND);
    assert_int_equal(w, 7);
    const uint8_t not_jpeg[] = {0x89, 'P', 'N', 'G'};
    assert_int_equal(dg2_image_size(not_jpeg, sizeof not_jpeg, DG2_JPEG, &w, &h),
                     KS_ERR_MALFORMED);
    assert_int_equal(dg2_sniff_format(not_jpeg, sizeof not_jpeg), 0);
}

static void test_jp2_size_comes_from_ihdr(void **state)
{
    (void)state;
    bytes img;
    unsigned w = 0, h = 0;
    make_jp2(&img, 413, 531, true);
    assert_int_equal(dg2_sniff_format(img.b, img.n), DG2_JPEG2000);
    assert_int_equal(dg2_image_size(img.b, img.n, DG2_JPEG2000, &w, &h), KS_OK);
    assert_int_equal(w, 413);
    assert_int_equal(h, 531);
}

static void test_jp2_without_header_box_uses_the_codestream(void **state)
{
    (void)state;
    bytes img;
    unsigned w = 0, h = 0;
    make_jp2(&img, 200, 250, false);
    assert_int_equal(dg2_image_size(img.b, img.n, DG2_JPEG2000, &w, &h), KS_OK);
    assert_int_equal(w, 200);
    assert_int_equal(h, 250);
}

static void test_bare_j2k_codestream_size_subtracts_offsets(void **state)
{
    (void)state;
    bytes img = {.n = 0};
    unsigned w = 0, h = 0;
    make_codestream(&img, 330, 420, 30, 20);
    assert_int_equal(dg2_sniff_format(img.b, img.n), DG2_JPEG2000);
    assert_int_equal(dg2_image_size(img.b, img.n, DG2_JPEG2000, &w, &h), KS_OK);
    assert_int_equal(w, 300);
    assert_int_equal(h, 400);
}

static void test_image_headers_cut_short_never_give_a_size(void **state)
{
    (void)state;
    bytes jpg, jp2;
    make_jpeg(&jpg, 0xC0, 480, 640);
    make_jp2(&jp2, 413, 531, true);
    unsigned w, h;
    /* the JPEG's SOF ends at byte 39, the JP2's ihdr at 62 */
    for (size_t n = 0; n < 39; n++)
        assert_int_not_equal(dg2_image_size(jpg.b, n, DG2_JPEG, &w, &h), KS_OK);
    for (size_t n = 0; n < 62; n++)
        assert_int_not_equal(dg2_image_size(jp2.b, n, DG2_JPEG2000, &w, &h), KS_OK);
}

/* ---- DG2 ---- */

static void test_dg2_jpeg_portrait_and_its_codes(void **state)
{
    (void)state;
    bytes img, dg2;
    make_jpeg_dg2(&dg2, &img);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.format, DG2_JPEG);
    assert_int_equal(p.image_len, img.n);
    assert_memory_equal(p.image, img.b, img.n);
    assert_true(p.image > dg2.b && p.image + p.image_len == dg2.b + dg2.n);
    assert_int_equal(p.width, 480);
    assert_int_equal(p.height, 640);
    assert_int_equal(p.header_width, 480);
    assert_int_equal(p.header_height, 640);
    assert_int_equal(p.gender, 1);
    assert_int_equal(p.eye_colour, 3);
    assert_int_equal(p.hair_colour, 2);
    assert_int_equal(p.expression, 1);
    assert_int_equal(p.face_image_type, 1);
    assert_int_equal(p.image_data_type, 0);
    assert_int_equal(p.colour_space, 1);
    assert_int_equal(p.source_type, 2);
    assert_int_equal(p.n_faces, 1);
    assert_int_equal(p.n_instances, 1);
}

static void test_dg2_jpeg2000_portrait_size(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jp2(&img, 413, 531, true);
    face_opts f = default_face(&img);
    f.image_data_type = 1;
    f.hdr_w = 413;
    f.hdr_h = 531;
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.format, DG2_JPEG2000);
    assert_int_equal(p.image_data_type, 1);
    assert_int_equal(p.width, 413);
    assert_int_equal(p.height, 531);
    assert_int_equal(p.image_len, img.n);
}

static void test_dg2_skips_feature_points(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jpeg(&img, 0xC0, 64, 80);
    face_opts f = default_face(&img);
    f.n_points = 5;
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.image_len, img.n);
    assert_memory_equal(p.image, img.b, img.n);
    assert_int_equal(p.width, 64);
    assert_int_equal(p.height, 80);
}

static void test_dg2_constructed_data_block_with_19794_record(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jpeg(&img, 0xC0, 480, 640);
    face_opts f = default_face(&img);
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x7F2E, 1, 1);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.format, DG2_JPEG);
    assert_int_equal(p.header_width, 480);
    assert_int_equal(p.width, 480);
}

static void test_dg2_constructed_data_block_39794_finds_embedded_image(void **state)
{
    (void)state;
    bytes img, inner, dg2;
    make_jpeg(&img, 0xC0, 360, 480);
    tlv_writer w;
    tlv_writer_init(&w, inner.b, sizeof inner.b);
    tlv_open(&w, 0xA1);
    tlv_put(&w, 0x80, (const uint8_t *)"\x03", 1);
    tlv_open(&w, 0xA2);
    tlv_open(&w, 0x30);
    tlv_open(&w, 0xA0);
    tlv_put(&w, 0x80, img.b, img.n);
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    inner.n = w.len;
    make_dg2(&dg2, &inner, 0x7F2E, 1, 1);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.format, DG2_JPEG);
    assert_int_equal(p.width, 360);
    assert_int_equal(p.height, 480);
    assert_int_equal(p.header_width, 0);
    assert_int_equal(p.image_len, img.n);
}

static void test_dg2_counts_templates(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jpeg(&img, 0xC0, 480, 640);
    face_opts f = default_face(&img);
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 2, 2);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.n_instances, 2);
    make_dg2(&dg2, &rec, 0x5F2E, 2, 3);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_MALFORMED);
    assert_null(p.image);
}

static void test_dg2_record_lengths_that_lie_are_refused(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jpeg(&img, 0xC0, 480, 640);
    dg2_portrait p;

    face_opts f = default_face(&img);
    f.rec_len_delta = 1;
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_TRUNCATED);

    f = default_face(&img);
    f.block_len_delta = 1;
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_TRUNCATED);

    f = default_face(&img);
    f.block_len_delta = -(int)img.n; /* no room left for the image */
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_MALFORMED);

    f = default_face(&img);
    f.n_points = 0;
    f.block_len_delta = 0;
    make_face_record(&rec, &f);
    rec.b[18] = 0x10; /* claim 4096 feature points */
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_MALFORMED);
}

static void test_dg2_without_faces_is_not_found(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jpeg(&img, 0xC0, 480, 640);
    face_opts f = default_face(&img);
    f.n_faces = 0;
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_NOT_FOUND);
}

static void test_dg2_unknown_record_version_or_image_is_unsupported(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    dg2_portrait p;
    make_jpeg(&img, 0xC0, 480, 640);
    face_opts f = default_face(&img);
    f.version = "030";
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_UNSUPPORTED);

    bytes png = {.n = 0};
    put(&png, "\x89PNG\r\n\x1a\n\0\0\0\0", 12);
    f = default_face(&png);
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_UNSUPPORTED);
}

static void test_dg2_truncated_image_header_still_gives_the_image(void **state)
{
    (void)state;
    bytes img = {.n = 0}, rec, dg2;
    put(&img, "\xFF\xD8\xFF\xE0\x00\x10JF", 8); /* cut inside APP0 */
    face_opts f = default_face(&img);
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x5F2E, 1, 1);
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_OK);
    assert_int_equal(p.format, DG2_JPEG);
    assert_int_equal(p.width, 0);
    assert_int_equal(p.height, 0);
    assert_int_equal(p.header_width, 480);
}

static void test_dg2_with_wrong_outer_tag_is_malformed(void **state)
{
    (void)state;
    bytes img, dg2;
    make_jpeg_dg2(&dg2, &img);
    dg2.b[0] = 0x62;
    dg2_portrait p;
    assert_int_equal(dg2_parse(dg2.b, dg2.n, &p), KS_ERR_MALFORMED);
}

static void test_dg2_every_truncation_is_refused(void **state)
{
    (void)state;
    bytes img, rec, dg2;
    make_jpeg_dg2(&dg2, &img);
    assert_all_prefixes_fail(&dg2);
    make_jp2(&img, 413, 531, true);
    face_opts f = default_face(&img);
    f.n_points = 2;
    make_face_record(&rec, &f);
    make_dg2(&dg2, &rec, 0x7F2E, 1, 1);
    assert_all_prefixes_fail(&dg2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_size_comes_from_the_frame_header),
        cmocka_unit_test(test_jpeg_without_frame_header_before_scan_has_no_size),
        cmocka_unit_test(test_jp2_size_comes_from_ihdr),
        cmocka_unit_test(test_jp2_without_header_box_uses_the_codestream),
        cmocka_unit_test(test_bare_j2k_codestream_size_subtracts_offsets),
        cmocka_unit_test(test_image_headers_cut_short_never_give_a_size),
        cmocka_unit_test(test_dg2_jpeg_portrait_and_its_codes),
        cmocka_unit_test(test_dg2_jpeg2000_portrait_size),
        cmocka_unit_test(test_dg2_skips_feature_points),
        cmocka_unit_test(test_dg2_constructed_data_block_with_19794_record),
        cmocka_unit_test(test_dg2_constructed_data_block_39794_finds_embedded_image),
        cmocka_unit_test(test_dg2_counts_templates),
        cmocka_unit_test(test_dg2_record_lengths_that_lie_are_refused),
        cmocka_unit_test(test_dg2_without_faces_is_not_found),
        cmocka_unit_test(test_dg2_unknown_record_version_or_image_is_unsupported),
        cmocka_unit_test(test_dg2_truncated_image_header_still_gives_the_image),
        cmocka_unit_test(test_dg2_with_wrong_outer_tag_is_malformed),
        cmocka_unit_test(test_dg2_every_truncation_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
