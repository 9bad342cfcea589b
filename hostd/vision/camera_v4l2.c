/*
 * camera_v4l2.c — a V4L2 capture device as a frame source: format
 * negotiation (MJPEG preferred, YUYV otherwise), mmap streaming buffers, a
 * bounded wait for each frame. Every system call goes through camera_sys so
 * that the negotiation and streaming logic can be tested against a fake
 * device.
 */
#include "camera.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/videodev2.h>

#define CAMERA_MAX_BUFFERS 32u
#define CAMERA_MAX_FORMATS 64u
#define CAMERA_DEFAULT_BUFFERS 4u
#define CAMERA_DEFAULT_TIMEOUT_MS 2000u

/* ---- YUYV --------------------------------------------------------------- */

static uint8_t camera_clip_q8(int32_t v)
{
    if (v < 0)
        return 0;
    v >>= 8;
    return (uint8_t)(v > 255 ? 255 : v);
}

/* BT.601 limited range in 8.8 fixed point: 298 = 255/219, 409 = 1.596,
 * 100 = 0.391, 208 = 0.813, 516 = 2.018 (times 256 * 255/224 for chroma). */
static void camera_yuv_to_rgb(int32_t y, int32_t u, int32_t v, uint8_t *rgb)
{
    int32_t c = 298 * (y - 16), d = u - 128, e = v - 128;
    rgb[0] = camera_clip_q8(c + 409 * e + 128);
    rgb[1] = camera_clip_q8(c - 100 * d - 208 * e + 128);
    rgb[2] = camera_clip_q8(c + 516 * d + 128);
}

ks_status camera_yuyv_to_rgb(const uint8_t *yuyv, size_t len, uint32_t width, uint32_t height,
                             size_t bytesperline, img_image *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!yuyv || width == 0 || height == 0)
        return KS_ERR_ARG;
    size_t row_bytes = (((size_t)width + 1) / 2) * 4;
    if (bytesperline < row_bytes)
        return KS_ERR_ARG;
    /* The last row needs only its pixels, not the padding after them. */
    if ((uint64_t)bytesperline * (height - 1) + row_bytes > len)
        return KS_ERR_TRUNCATED;
    ks_status st = img_alloc(out, width, height, 3);
    if (st != KS_OK)
        return st;
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *src = yuyv + (size_t)y * bytesperline;
        uint8_t *dst = img_row(out, y);
        for (uint32_t x = 0; x < width; x += 2) {
            const uint8_t *q = src + (size_t)x * 2;
            camera_yuv_to_rgb(q[0], q[1], q[3], dst + (size_t)x * 3);
            if (x + 1 < width)
                camera_yuv_to_rgb(q[2], q[1], q[3], dst + (size_t)(x + 1) * 3);
        }
    }
    return KS_OK;
}

/* ---- the real system calls ------------------------------------------------- */

static int camera_real_open(const char *path, int flags)
{
    return open(path, flags);
}

static int camera_real_ioctl(int fd, unsigned long request, void *arg)
{
    int r;
    do
        r = ioctl(fd, request, arg);
    while (r == -1 && errno == EINTR);
    return r;
}

static void *camera_real_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)
{
    return mmap(addr, length, prot, flags, fd, (off_t)offset);
}

static int camera_real_wait(int fd, uint32_t timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r;
    do
        r = poll(&p, 1, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
    while (r == -1 && errno == EINTR);
    if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) && !(p.revents & POLLIN)) {
        errno = ENODEV; /* what an unplugged UVC camera looks like to poll() */
        return -1;
    }
    return r > 0 ? 1 : r;
}

static const camera_sys camera_real_sys = {
    camera_real_open, close, camera_real_ioctl, camera_real_mmap, munmap, camera_real_wait,
};

/* ---- the source ------------------------------------------------------------- */

struct camera_buffer {
    void *start;
    size_t length;
};

struct v4l2_source {
    frame_source base;
    camera_sys sys;
    int fd;
    uint32_t fourcc, width, height, bytesperline;
    uint32_t timeout_ms;
    struct camera_buffer bufs[CAMERA_MAX_BUFFERS];
    uint32_t n_bufs;
    bool streaming;
    ks_status dead; /* KS_OK while usable */
};

static ks_status camera_errno_status(int err)
{
    switch (err) {
    case ENODEV:
    case ENXIO:
        return KS_ERR_REMOVED;
    case ENOENT:
        return KS_ERR_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EBUSY:
        return KS_ERR_ACCESS;
    case ENOMEM:
        return KS_ERR_NO_MEMORY;
    default:
        return KS_ERR_IO;
    }
}

static int camera_ioctl(struct v4l2_source *s, unsigned long req, void *arg)
{
    return s->sys.ioctl(s->fd, req, arg);
}

static bool camera_is_mjpeg(uint32_t fourcc)
{
    return fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG;
}

static ks_status camera_check_caps(struct v4l2_source *s)
{
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    if (camera_ioctl(s, VIDIOC_QUERYCAP, &cap) != 0)
        return errno == ENOTTY || errno == EINVAL ? KS_ERR_UNSUPPORTED : camera_errno_status(errno);
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING))
        return KS_ERR_UNSUPPORTED;
    return KS_OK;
}

/* Lists the offered formats and picks one according to the request. */
static ks_status camera_choose_format(struct v4l2_source *s, camera_pixfmt want, uint32_t *fourcc)
{
    uint32_t mjpeg = 0, yuyv = 0;
    for (uint32_t i = 0; i < CAMERA_MAX_FORMATS; i++) {
        struct v4l2_fmtdesc fd;
        memset(&fd, 0, sizeof fd);
        fd.index = i;
        fd.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (camera_ioctl(s, VIDIOC_ENUM_FMT, &fd) != 0) {
            if (errno == EINVAL)
                break; /* the end of the list */
            return camera_errno_status(errno);
        }
        if (camera_is_mjpeg(fd.pixelformat) && !mjpeg)
            mjpeg = fd.pixelformat;
        else if (fd.pixelformat == V4L2_PIX_FMT_YUYV)
            yuyv = fd.pixelformat;
    }
    uint32_t pick = want == CAMERA_PIXFMT_YUYV    ? yuyv
                    : want == CAMERA_PIXFMT_MJPEG ? mjpeg
                    : mjpeg                       ? mjpeg
                                                  : yuyv;
    if (!pick)
        return KS_ERR_UNSUPPORTED;
    *fourcc = pick;
    return KS_OK;
}

/* Sets the format; the driver answers with what it will really deliver,
 * which is checked rather than trusted. */
static ks_status camera_set_format(struct v4l2_source *s, uint32_t fourcc, uint32_t width,
                                   uint32_t height)
{
    struct v4l2_format f;
    memset(&f, 0, sizeof f);
    f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    f.fmt.pix.width = width;
    f.fmt.pix.height = height;
    f.fmt.pix.pixelformat = fourcc;
    f.fmt.pix.field = V4L2_FIELD_ANY;
    if (camera_ioctl(s, VIDIOC_S_FMT, &f) != 0)
        return camera_errno_status(errno);
    const struct v4l2_pix_format *p = &f.fmt.pix;
    if (p->pixelformat != fourcc)
        return KS_ERR_UNSUPPORTED;
    if (p->width == 0 || p->height == 0 || (uint64_t)p->width * p->height > IMG_MAX_PIXELS)
        return KS_ERR_UNSUPPORTED;
    s->fourcc = fourcc;
    s->width = p->width;
    s->height = p->height;
    s->bytesperline = p->bytesperline;
    if (fourcc == V4L2_PIX_FMT_YUYV) {
        uint32_t min_bpl = ((p->width + 1) / 2) * 4;
        if (s->bytesperline == 0)
            s->bytesperline = min_bpl; /* "driver's choice" means packed */
        if (s->bytesperline < min_bpl)
            return KS_ERR_UNSUPPORTED;
    }
    return KS_OK;
}

static ks_status camera_map_buffers(struct v4l2_source *s, uint32_t wanted)
{
    struct v4l2_requestbuffers rb;
    memset(&rb, 0, sizeof rb);
    rb.count = wanted;
    rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    rb.memory = V4L2_MEMORY_MMAP;
    if (camera_ioctl(s, VIDIOC_REQBUFS, &rb) != 0)
        return errno == EINVAL ? KS_ERR_UNSUPPORTED : camera_errno_status(errno);
    if (rb.count == 0)
        return KS_ERR_NO_MEMORY;
    s->n_bufs = rb.count < CAMERA_MAX_BUFFERS ? rb.count : CAMERA_MAX_BUFFERS;
    for (uint32_t i = 0; i < s->n_bufs; i++) {
        struct v4l2_buffer b;
        memset(&b, 0, sizeof b);
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        b.index = i;
        if (camera_ioctl(s, VIDIOC_QUERYBUF, &b) != 0)
            return camera_errno_status(errno);
        if (b.length == 0)
            return KS_ERR_IO;
        void *p = s->sys.mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
                              (long)b.m.offset);
        if (p == MAP_FAILED)
            return camera_errno_status(errno);
        s->bufs[i].start = p;
        s->bufs[i].length = b.length;
        if (camera_ioctl(s, VIDIOC_QBUF, &b) != 0)
            return camera_errno_status(errno);
    }
    return KS_OK;
}

static ks_status camera_decode(struct v4l2_source *s, const uint8_t *data, size_t used,
                               img_image *out)
{
    if (s->fourcc == V4L2_PIX_FMT_YUYV)
        return camera_yuyv_to_rgb(data, used, s->width, s->height, s->bytesperline, out);
    /* Drivers pad MJPEG payloads; decoding exactly SOI..EOI keeps trailing
     * bytes from counting as corruption. */
    size_t pos = 0, off, len;
    ks_status st = mjpeg_next_frame(data, used, &pos, used, true, &off, &len);
    if (st == KS_ERR_NOT_FOUND)
        return KS_ERR_MALFORMED;
    if (st != KS_OK)
        return st;
    return img_jpeg_decode(data + off, len, 0, out);
}

static ks_status v4l2_next(frame_source *base, img_image *out, uint64_t *timestamp_us)
{
    struct v4l2_source *s = (struct v4l2_source *)base;
    if (s->dead != KS_OK)
        return s->dead;
    int r = s->sys.wait_readable(s->fd, s->timeout_ms);
    if (r == 0)
        return KS_ERR_TIMEOUT;
    if (r < 0) {
        ks_status st = camera_errno_status(errno);
        if (st == KS_ERR_REMOVED)
            s->dead = st;
        return st;
    }
    struct v4l2_buffer b;
    memset(&b, 0, sizeof b);
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    if (camera_ioctl(s, VIDIOC_DQBUF, &b) != 0) {
        if (errno == EAGAIN)
            return KS_ERR_TIMEOUT;
        ks_status st = camera_errno_status(errno);
        if (st == KS_ERR_REMOVED)
            s->dead = st;
        return st;
    }
    ks_status st;
    if (b.index >= s->n_bufs || b.bytesused > s->bufs[b.index].length) {
        st = KS_ERR_IO; /* a driver bug; the buffer cannot be trusted */
    } else if (b.flags & V4L2_BUF_FLAG_ERROR) {
        st = KS_ERR_MALFORMED;
    } else {
        st = camera_decode(s, s->bufs[b.index].start, b.bytesused, out);
        int64_t us = (int64_t)b.timestamp.tv_sec * 1000000 + (int64_t)b.timestamp.tv_usec;
        *timestamp_us = us > 0 ? (uint64_t)us : 0;
    }
    if (b.index < s->n_bufs && camera_ioctl(s, VIDIOC_QBUF, &b) != 0) {
        /* Without the buffer back the stream starves; report it next time. */
        s->dead = camera_errno_status(errno);
    }
    return st;
}

static void v4l2_close(frame_source *base)
{
    struct v4l2_source *s = (struct v4l2_source *)base;
    if (s->streaming) {
        int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        (void)camera_ioctl(s, VIDIOC_STREAMOFF, &type);
    }
    for (uint32_t i = 0; i < s->n_bufs; i++)
        if (s->bufs[i].start)
            s->sys.munmap(s->bufs[i].start, s->bufs[i].length);
    if (s->fd >= 0)
        s->sys.close(s->fd);
    free(s);
}

static const struct frame_source_ops v4l2_ops = { v4l2_next, v4l2_close };

static ks_status camera_start(struct v4l2_source *s, const camera_config *cfg)
{
    ks_status st = camera_check_caps(s);
    uint32_t fourcc = 0;
    if (st == KS_OK)
        st = camera_choose_format(s, cfg->format, &fourcc);
    if (st == KS_OK)
        st = camera_set_format(s, fourcc, cfg->width, cfg->height);
    if (st == KS_OK)
        st = camera_map_buffers(s, cfg->buffers ? cfg->buffers : CAMERA_DEFAULT_BUFFERS);
    if (st != KS_OK)
        return st;
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (camera_ioctl(s, VIDIOC_STREAMON, &type) != 0)
        return camera_errno_status(errno);
    s->streaming = true;
    return KS_OK;
}

ks_status frame_source_open_v4l2_sys(const char *device, const camera_config *cfg,
                                     const camera_sys *sys, frame_source **out,
                                     camera_config *actual)
{
    if (!out)
        return KS_ERR_ARG;
    *out = NULL;
    if (!device || !cfg || cfg->width == 0 || cfg->height == 0 || cfg->buffers > CAMERA_MAX_BUFFERS ||
        cfg->format > CAMERA_PIXFMT_YUYV)
        return KS_ERR_ARG;
    struct v4l2_source *s = calloc(1, sizeof *s);
    if (!s)
        return KS_ERR_NO_MEMORY;
    s->base.ops = &v4l2_ops;
    s->sys = sys ? *sys : camera_real_sys;
    s->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : CAMERA_DEFAULT_TIMEOUT_MS;
    s->fd = s->sys.open(device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0) {
        ks_status st = camera_errno_status(errno);
        free(s);
        return st == KS_ERR_REMOVED ? KS_ERR_NOT_FOUND : st;
    }
    ks_status st = camera_start(s, cfg);
    if (st != KS_OK) {
        v4l2_close(&s->base);
        return st;
    }
    if (actual) {
        *actual = *cfg;
        actual->width = s->width;
        actual->height = s->height;
        actual->format = camera_is_mjpeg(s->fourcc) ? CAMERA_PIXFMT_MJPEG : CAMERA_PIXFMT_YUYV;
        actual->buffers = s->n_bufs;
        actual->timeout_ms = s->timeout_ms;
    }
    *out = &s->base;
    return KS_OK;
}

ks_status frame_source_open_v4l2(const char *device, const camera_config *cfg, frame_source **out)
{
    return frame_source_open_v4l2_sys(device, cfg, NULL, out, NULL);
}
