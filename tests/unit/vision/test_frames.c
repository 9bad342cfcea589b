/* Tests for hostd/vision/camera.h: the directory and MJPEG-file sources, the
 * MJPEG splitter on junk and broken frames, the YUYV converter against
 * hand-computed BT.601 values, and the V4L2 source against a fake device
 * (negotiation, streaming, padding, unplug, timeout). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/videodev2.h>

#include "camera.h"

/* ---- helpers ---------------------------------------------------------------- */

/* A solid-colour JPEG whose width identifies it. */
static void make_jpeg(uint32_t w, uint32_t h, uint8_t value, uint8_t **jpeg, size_t *len)
{
    img_image img;
    assert_int_equal(img_alloc(&img, w, h, 3), KS_OK);
    memset(img.pixels, value, img.stride * h);
    assert_int_equal(img_jpeg_encode(&img, 90, jpeg, len), KS_OK);
    img_free(&img);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

struct bytes {
    uint8_t *data;
    size_t len;
};

static void append(struct bytes *b, const void *data, size_t len)
{
    b->data = realloc(b->data, b->len + len + 1);
    assert_non_null(b->data);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* ---- directory source ---------------------------------------------------------- */

static void directory_yields_jpegs_in_name_order_then_ends(void **state)
{
    (void)state;
    char dir[] = "/tmp/ks_frames_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *names[3] = { "frame_10.jpg", "frame_01.JPEG", "frame_02.jpg" };
    const uint32_t widths[3] = { 30, 10, 20 };
    char path[256];
    for (int i = 0; i < 3; i++) {
        uint8_t *jpeg;
        size_t len;
        make_jpeg(widths[i], 8, (uint8_t)(50 * i), &jpeg, &len);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        write_file(path, jpeg, len);
        free(jpeg);
    }
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file(path, (const uint8_t *)"x", 1);

    frame_source *src;
    assert_int_equal(frame_source_open_dir(dir, 25.0, &src), KS_OK);
    for (uint32_t i = 0; i < 3; i++) {
        img_image img;
        uint64_t ts = 1;
        assert_int_equal(frame_source_next(src, &img, &ts), KS_OK);
        assert_int_equal(img.width, 10 * (i + 1)); /* frame_01, frame_02, frame_10 */
        assert_int_equal(ts, (uint64_t)i * 40000);
        img_free(&img);
    }
    img_image img;
    uint64_t ts;
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_NOT_FOUND);
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_NOT_FOUND);
    assert_null(img.pixels);
    frame_source_close(src);

    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    unlink(path);
    rmdir(dir);
}

/* As a stand-in camera the directory loops with rising timestamps, and a
 * frame is never delivered before its time (frame i at i / fps). */
static void directory_as_camera_loops_and_keeps_time(void **state)
{
    (void)state;
    char dir[] = "/tmp/ks_frames_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[2][256];
    for (int i = 0; i < 2; i++) {
        uint8_t *jpeg;
        size_t len;
        make_jpeg(10 * (uint32_t)(i + 1), 8, 100, &jpeg, &len);
        snprintf(path[i], sizeof path[i], "%s/f%d.jpg", dir, i);
        write_file(path[i], jpeg, len);
        free(jpeg);
    }
    frame_source *src;
    assert_int_equal(frame_source_open_dir_flags(dir, 20.0, FRAMES_LOOP | FRAMES_REALTIME, &src),
                     KS_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; i < 5; i++) {
        img_image img;
        uint64_t ts = 0;
        assert_int_equal(frame_source_next(src, &img, &ts), KS_OK);
        assert_int_equal(img.width, 10 * (i % 2 + 1));
        assert_int_equal(ts, (uint64_t)i * 50000);
        img_free(&img);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(elapsed_ms >= 199.0); /* frame 4 is due 200 ms after frame 0 */
    /* a file that disappears ends the stream, as an unplugged camera would */
    unlink(path[0]);
    img_image img;
    uint64_t ts;
    assert_int_equal(frame_source_next(src, &img, &ts), KS_OK); /* f1 */
    img_free(&img);
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_NOT_FOUND);
    frame_source_close(src);
    unlink(path[1]);
    rmdir(dir);
}

static void missing_directory_and_bad_rate_are_refused(void **state)
{
    (void)state;
    frame_source *src = (frame_source *)1;
    assert_int_equal(frame_source_open_dir("/nonexistent/ks", 10, &src), KS_ERR_NOT_FOUND);
    assert_null(src);
    assert_int_equal(frame_source_open_dir("/tmp", 0, &src), KS_ERR_ARG);
    assert_int_equal(frame_source_open_mjpeg("/tmp/x", -1, &src), KS_ERR_ARG);
    frame_source_close(NULL);
}

/* ---- MJPEG ----------------------------------------------------------------------- */

/* Three frames (widths 8, 16, 24) with junk around and between them; the
 * second carries an APP1 segment holding a complete little SOI..EOI, as an
 * EXIF thumbnail would. */
static void build_mjpeg(struct bytes *b)
{
    static const uint8_t junk1[] = { 0x00, 0xFF, 0xD8, 0x00, 0xFF, 0xD9, 0x12 };
    static const uint8_t junk2[] = { 'g', 'a', 'r', 'b', 'a', 'g', 'e', 0xFF, 0xFF };
    static const uint8_t app1[] = { 0xFF, 0xE1, 0x00, 0x0C, 'E', 'x', 'i', 'f', 0, 0,
                                    0xFF, 0xD8, 0xFF, 0xD9 };
    memset(b, 0, sizeof *b);
    append(b, junk1, sizeof junk1);
    for (uint32_t i = 0; i < 3; i++) {
        uint8_t *jpeg;
        size_t len;
        make_jpeg(8 * (i + 1), 8, (uint8_t)(60 * i), &jpeg, &len);
        if (i == 1) {
            append(b, jpeg, 2);
            append(b, app1, sizeof app1);
            append(b, jpeg + 2, len - 2);
        } else {
            append(b, jpeg, len);
        }
        free(jpeg);
        append(b, junk2, sizeof junk2);
    }
}

static void mjpeg_file_yields_three_frames_across_garbage(void **state)
{
    (void)state;
    struct bytes b;
    build_mjpeg(&b);
    char path[] = "/tmp/ks_mjpeg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, b.data, b.len);

    frame_source *src;
    assert_int_equal(frame_source_open_mjpeg(path, 10.0, &src), KS_OK);
    for (uint32_t i = 0; i < 3; i++) {
        img_image img;
        uint64_t ts;
        assert_int_equal(frame_source_next(src, &img, &ts), KS_OK);
        assert_int_equal(img.width, 8 * (i + 1));
        assert_int_equal(ts, (uint64_t)i * 100000);
        img_free(&img);
    }
    img_image img;
    uint64_t ts;
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_NOT_FOUND);
    frame_source_close(src);
    unlink(path);
    free(b.data);
}

static void splitter_skips_cut_frames_and_waits_for_more_data(void **state)
{
    (void)state;
    uint8_t *jpeg;
    size_t len;
    make_jpeg(16, 16, 90, &jpeg, &len);
    struct bytes b = { 0 };
    append(&b, jpeg, len / 2); /* a frame cut in the middle of its scan */
    append(&b, jpeg, len);
    size_t pos = 0, off, flen;
    assert_int_equal(mjpeg_next_frame(b.data, b.len, &pos, 1 << 20, false, &off, &flen), KS_OK);
    assert_int_equal(off, len / 2);
    assert_int_equal(flen, len);
    assert_int_equal(pos, b.len);
    assert_int_equal(mjpeg_next_frame(b.data, b.len, &pos, 1 << 20, true, &off, &flen),
                     KS_ERR_NOT_FOUND);

    /* Only part of a frame so far: not final → resume at its SOI. */
    pos = 0;
    assert_int_equal(mjpeg_next_frame(jpeg, len - 1, &pos, 1 << 20, false, &off, &flen),
                     KS_ERR_NOT_FOUND);
    assert_int_equal(pos, 0);
    assert_int_equal(mjpeg_next_frame(jpeg, len - 1, &pos, 1 << 20, true, &off, &flen),
                     KS_ERR_NOT_FOUND);
    assert_int_equal(pos, len - 1);

    /* A frame longer than the bound is skipped. */
    pos = 0;
    assert_int_equal(mjpeg_next_frame(jpeg, len, &pos, len - 1, false, &off, &flen),
                     KS_ERR_NOT_FOUND);
    pos = 0;
    assert_int_equal(mjpeg_next_frame(jpeg, len, &pos, len, false, &off, &flen), KS_OK);
    free(jpeg);
    free(b.data);
}

/* ---- YUYV --------------------------------------------------------------------------- */

static void yuyv_conversion_matches_hand_computed_bt601(void **state)
{
    (void)state;
    /* 4x2, rows padded to 10 bytes. Expected values worked by hand from
     * R = (298(Y-16) + 409(V-128) + 128) >> 8, G = (298(Y-16) - 100(U-128)
     * - 208(V-128) + 128) >> 8, B = (298(Y-16) + 516(U-128) + 128) >> 8. */
    static const uint8_t yuyv[20] = {
        16, 128, 235, 128, 81, 90, 81, 240, 0xEE, 0xEE,
        100, 150, 126, 90, 126, 128, 126, 128, 0xEE, 0xEE,
    };
    static const uint8_t want[2][12] = {
        { 0, 0, 0, 255, 255, 255, 255, 0, 0, 255, 0, 0 },
        { 37, 120, 142, 67, 150, 172, 128, 128, 128, 128, 128, 128 },
    };
    img_image img;
    assert_int_equal(camera_yuyv_to_rgb(yuyv, sizeof yuyv, 4, 2, 10, &img), KS_OK);
    assert_memory_equal(img_row(&img, 0), want[0], 12);
    assert_memory_equal(img_row(&img, 1), want[1], 12);
    img_free(&img);

    /* Odd width: the last pixel uses the first half of its pair. */
    assert_int_equal(camera_yuyv_to_rgb(yuyv, sizeof yuyv, 3, 2, 10, &img), KS_OK);
    assert_memory_equal(img_row(&img, 1), want[1], 9);
    img_free(&img);

    /* The last row needs no padding, but its pixels must be there. */
    assert_int_equal(camera_yuyv_to_rgb(yuyv, 18, 4, 2, 10, &img), KS_OK);
    img_free(&img);
    assert_int_equal(camera_yuyv_to_rgb(yuyv, 17, 4, 2, 10, &img), KS_ERR_TRUNCATED);
    assert_int_equal(camera_yuyv_to_rgb(yuyv, 20, 4, 2, 6, &img), KS_ERR_ARG);
    assert_null(img.pixels);
}

/* ---- a fake V4L2 device ----------------------------------------------------------------- */

#define FAKE_FD 42
#define FAKE_MAX_BUFS 8

static struct fake_dev {
    uint32_t formats[4];
    uint32_t n_formats;
    uint32_t width, height, bytesperline, fourcc;
    uint32_t n_bufs;
    uint8_t *mem[FAKE_MAX_BUFS];
    size_t mem_len;
    int queued[FAKE_MAX_BUFS];
    int streaming, open, mapped;
    uint32_t frames_sent, frames_before_unplug;
    int never_ready;
    uint8_t *jpeg; /* what an MJPEG frame contains */
    size_t jpeg_len;
} fake;

static int fake_open(const char *path, int flags)
{
    (void)flags;
    if (strcmp(path, "/dev/video-fake") != 0) {
        errno = ENOENT;
        return -1;
    }
    fake.open = 1;
    return FAKE_FD;
}

static int fake_close(int fd)
{
    assert_int_equal(fd, FAKE_FD);
    fake.open = 0;
    return 0;
}

static int fake_unplugged(void)
{
    return fake.frames_sent >= fake.frames_before_unplug;
}

static void fake_fill(uint32_t index, struct v4l2_buffer *b)
{
    uint8_t *m = fake.mem[index];
    if (fake.fourcc == V4L2_PIX_FMT_YUYV) {
        for (uint32_t y = 0; y < fake.height; y++)
            for (uint32_t x = 0; x < fake.width; x += 2) {
                uint8_t *q = m + (size_t)y * fake.bytesperline + (size_t)x * 2;
                q[0] = q[2] = 126;
                q[1] = q[3] = 128;
            }
        b->bytesused = fake.bytesperline * fake.height;
    } else {
        /* Real UVC payloads carry junk after EOI. */
        memset(m, 0, fake.mem_len);
        memcpy(m, fake.jpeg, fake.jpeg_len);
        b->bytesused = (uint32_t)fake.jpeg_len + 100;
    }
    b->timestamp.tv_sec = 5;
    b->timestamp.tv_usec = (long)fake.frames_sent * 33333;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
    assert_int_equal(fd, FAKE_FD);
    if (fake_unplugged() && fake.streaming) {
        errno = ENODEV;
        return -1;
    }
    switch (req) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *c = arg;
        c->capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *f = arg;
        assert_int_equal(f->type, V4L2_BUF_TYPE_VIDEO_CAPTURE);
        if (f->index >= fake.n_formats) {
            errno = EINVAL;
            return -1;
        }
        f->pixelformat = fake.formats[f->index];
        return 0;
    }
    case VIDIOC_S_FMT: {
        struct v4l2_pix_format *p = &((struct v4l2_format *)arg)->fmt.pix;
        /* This "sensor" works in multiples of 16 and pads rows by 8 bytes. */
        fake.width = p->width / 16 * 16;
        fake.height = p->height / 16 * 16;
        fake.fourcc = p->pixelformat;
        fake.bytesperline = fake.fourcc == V4L2_PIX_FMT_YUYV ? fake.width * 2 + 8 : 0;
        p->width = fake.width;
        p->height = fake.height;
        p->bytesperline = fake.bytesperline;
        fake.mem_len = fake.fourcc == V4L2_PIX_FMT_YUYV ? (size_t)fake.bytesperline * fake.height
                                                        : 65536;
        p->sizeimage = (uint32_t)fake.mem_len;
        return 0;
    }
    case VIDIOC_REQBUFS: {
        struct v4l2_requestbuffers *r = arg;
        assert_int_equal(r->memory, V4L2_MEMORY_MMAP);
        fake.n_bufs = r->count > 3 ? 3 : r->count;
        r->count = fake.n_bufs;
        return 0;
    }
    case VIDIOC_QUERYBUF: {
        struct v4l2_buffer *b = arg;
        assert_true(b->index < fake.n_bufs);
        b->length = (uint32_t)fake.mem_len;
        b->m.offset = b->index * 4096;
        return 0;
    }
    case VIDIOC_QBUF: {
        struct v4l2_buffer *b = arg;
        assert_true(b->index < fake.n_bufs);
        assert_false(fake.queued[b->index]);
        fake.queued[b->index] = 1;
        return 0;
    }
    case VIDIOC_DQBUF: {
        struct v4l2_buffer *b = arg;
        assert_true(fake.streaming);
        for (uint32_t i = 0; i < fake.n_bufs; i++) {
            if (fake.queued[i]) {
                fake.queued[i] = 0;
                b->index = i;
                fake_fill(i, b);
                fake.frames_sent++;
                return 0;
            }
        }
        errno = EAGAIN;
        return -1;
    }
    case VIDIOC_STREAMON:
        fake.streaming = 1;
        return 0;
    case VIDIOC_STREAMOFF:
        fake.streaming = 0;
        return 0;
    default:
        errno = ENOTTY;
        return -1;
    }
}

static void *fake_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)
{
    (void)addr;
    (void)prot;
    (void)flags;
    assert_int_equal(fd, FAKE_FD);
    uint32_t index = (uint32_t)(offset / 4096);
    assert_true(index < fake.n_bufs && length == fake.mem_len);
    fake.mem[index] = calloc(1, length);
    fake.mapped++;
    return fake.mem[index];
}

static int fake_munmap(void *addr, size_t length)
{
    (void)length;
    for (uint32_t i = 0; i < FAKE_MAX_BUFS; i++)
        if (fake.mem[i] == addr) {
            free(addr);
            fake.mem[i] = NULL;
            fake.mapped--;
            return 0;
        }
    fail_msg("munmap of an unknown address");
    return -1;
}

static int fake_wait(int fd, uint32_t timeout_ms)
{
    (void)fd;
    (void)timeout_ms;
    if (fake.never_ready)
        return 0;
    if (fake_unplugged()) {
        errno = ENODEV;
        return -1;
    }
    return 1;
}

static const camera_sys fake_sys = { fake_open, fake_close, fake_ioctl, fake_mmap, fake_munmap,
                                     fake_wait };

static int fake_setup(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.frames_before_unplug = 1000;
    return 0;
}

static int fake_teardown(void **state)
{
    (void)state;
    assert_int_equal(fake.open, 0);
    assert_int_equal(fake.mapped, 0);
    free(fake.jpeg);
    return 0;
}

static void v4l2_prefers_mjpeg_and_ignores_payload_padding(void **state)
{
    (void)state;
    fake.formats[0] = V4L2_PIX_FMT_YUYV;
    fake.formats[1] = V4L2_PIX_FMT_MJPEG;
    fake.n_formats = 2;
    make_jpeg(64, 48, 200, &fake.jpeg, &fake.jpeg_len);
    camera_config cfg = { .width = 64, .height = 48 }, actual;
    frame_source *src;
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-fake", &cfg, &fake_sys, &src, &actual),
                     KS_OK);
    assert_int_equal(actual.format, CAMERA_PIXFMT_MJPEG);
    assert_int_equal(actual.buffers, 3);
    assert_true(fake.streaming);
    for (uint32_t i = 0; i < 5; i++) { /* more frames than buffers: requeueing works */
        img_image img;
        uint64_t ts;
        assert_int_equal(frame_source_next(src, &img, &ts), KS_OK);
        assert_int_equal(img.width, 64);
        assert_int_equal(ts, 5000000u + i * 33333u);
        assert_true(abs((int)img.pixels[0] - 200) <= 2);
        img_free(&img);
    }
    frame_source_close(src);
    assert_false(fake.streaming);
}

static void v4l2_falls_back_to_yuyv_at_the_drivers_size(void **state)
{
    (void)state;
    fake.formats[0] = V4L2_PIX_FMT_YUYV;
    fake.n_formats = 1;
    camera_config cfg = { .width = 100, .height = 50, .format = CAMERA_PIXFMT_ANY }, actual;
    frame_source *src;
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-fake", &cfg, &fake_sys, &src, &actual),
                     KS_OK);
    assert_int_equal(actual.format, CAMERA_PIXFMT_YUYV);
    assert_int_equal(actual.width, 96);
    assert_int_equal(actual.height, 48);
    img_image img;
    uint64_t ts;
    assert_int_equal(frame_source_next(src, &img, &ts), KS_OK);
    assert_int_equal(img.width, 96);
    assert_int_equal(img.height, 48);
    for (size_t i = 0; i < img.stride * img.height; i++)
        assert_int_equal(img.pixels[i], 128);
    img_free(&img);
    frame_source_close(src);
}

static void v4l2_unplug_mid_stream_reports_removed(void **state)
{
    (void)state;
    fake.formats[0] = V4L2_PIX_FMT_YUYV;
    fake.n_formats = 1;
    fake.frames_before_unplug = 2;
    camera_config cfg = { .width = 32, .height = 32 };
    frame_source *src;
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-fake", &cfg, &fake_sys, &src, NULL),
                     KS_OK);
    img_image img;
    uint64_t ts;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(frame_source_next(src, &img, &ts), KS_OK);
        img_free(&img);
    }
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_REMOVED);
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_REMOVED);
    assert_null(img.pixels);
    frame_source_close(src);
}

static void v4l2_no_frame_within_timeout_is_a_timeout(void **state)
{
    (void)state;
    fake.formats[0] = V4L2_PIX_FMT_YUYV;
    fake.n_formats = 1;
    fake.never_ready = 1;
    camera_config cfg = { .width = 32, .height = 32, .timeout_ms = 10 };
    frame_source *src;
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-fake", &cfg, &fake_sys, &src, NULL),
                     KS_OK);
    img_image img;
    uint64_t ts;
    assert_int_equal(frame_source_next(src, &img, &ts), KS_ERR_TIMEOUT);
    frame_source_close(src);
}

static void v4l2_without_mjpeg_or_yuyv_is_unsupported(void **state)
{
    (void)state;
    fake.formats[0] = V4L2_PIX_FMT_NV12;
    fake.n_formats = 1;
    camera_config cfg = { .width = 32, .height = 32 };
    frame_source *src;
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-fake", &cfg, &fake_sys, &src, NULL),
                     KS_ERR_UNSUPPORTED);
    assert_null(src);
    fake.formats[0] = V4L2_PIX_FMT_YUYV;
    cfg.format = CAMERA_PIXFMT_MJPEG; /* asked for explicitly, not offered */
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-fake", &cfg, &fake_sys, &src, NULL),
                     KS_ERR_UNSUPPORTED);
    assert_int_equal(frame_source_open_v4l2_sys("/dev/video-none", &cfg, &fake_sys, &src, NULL),
                     KS_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(directory_yields_jpegs_in_name_order_then_ends),
        cmocka_unit_test(directory_as_camera_loops_and_keeps_time),
        cmocka_unit_test(missing_directory_and_bad_rate_are_refused),
        cmocka_unit_test(mjpeg_file_yields_three_frames_across_garbage),
        cmocka_unit_test(splitter_skips_cut_frames_and_waits_for_more_data),
        cmocka_unit_test(yuyv_conversion_matches_hand_computed_bt601),
        cmocka_unit_test_setup_teardown(v4l2_prefers_mjpeg_and_ignores_payload_padding, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(v4l2_falls_back_to_yuyv_at_the_drivers_size, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(v4l2_unplug_mid_stream_reports_removed, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(v4l2_no_frame_within_timeout_is_a_timeout, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(v4l2_without_mjpeg_or_yuyv_is_unsupported, fake_setup,
                                        fake_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
