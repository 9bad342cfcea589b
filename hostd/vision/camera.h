/*
 * camera.h — frame sources: a V4L2 camera, a directory of JPEG files, or a
 * concatenated MJPEG file, all behind one interface.
 *
 * A source is opened by one of the frame_source_open_*() functions and
 * released with frame_source_close() (NULL is fine). frame_source_next()
 * fills a new image (the caller img_free()s it) and the frame's timestamp in
 * microseconds: the driver's capture time for a camera, index / fps for
 * files. Status of frame_source_next():
 *   KS_OK              a frame;
 *   KS_ERR_NOT_FOUND   end of stream (files); repeated calls keep saying so;
 *   KS_ERR_TIMEOUT     no camera frame within the configured timeout;
 *   KS_ERR_REMOVED     the camera disappeared (unplugged); the source is dead;
 *   KS_ERR_MALFORMED / KS_ERR_TRUNCATED / KS_ERR_TOO_LARGE
 *                      one bad frame; the next call moves on to the next one;
 *   KS_ERR_IO          a read or driver call failed.
 * A source is used by one thread at a time. Nothing is logged.
 */
#ifndef KS_CAMERA_H
#define KS_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "status.h"

typedef struct frame_source frame_source;

/* For implementations of a source: the first member of every source. */
struct frame_source_ops {
    ks_status (*next)(frame_source *src, img_image *out, uint64_t *timestamp_us);
    void (*close)(frame_source *src);
};
struct frame_source {
    const struct frame_source_ops *ops;
};

ks_status frame_source_next(frame_source *src, img_image *out, uint64_t *timestamp_us);
void frame_source_close(frame_source *src);

/* ---- files ---------------------------------------------------------------- */

/* A single compressed frame may not exceed this (a 4K JPEG is a few MB). */
#define FRAMES_MAX_FRAME_BYTES ((size_t)32 * 1024 * 1024)

/* Every regular file named *.jpg / *.jpeg (any case) in `dir`, in byte order
 * of the names; frame i has timestamp i * 1e6 / fps. KS_ERR_ARG for fps <= 0
 * or not finite, KS_ERR_NOT_FOUND / KS_ERR_IO if the directory cannot be
 * read. An empty directory opens fine and ends at once. */
ks_status frame_source_open_dir(const char *dir, double fps, frame_source **out);
/* The same as a stand-in camera: FRAMES_LOOP starts again from the first
 * file after the last (timestamps keep rising), so the files can be a loop
 * of a person's movements; FRAMES_REALTIME delivers frame i no earlier than
 * i / fps after frame 0, as a camera would. */
enum frames_dir_flags { FRAMES_LOOP = 1u, FRAMES_REALTIME = 2u };
ks_status frame_source_open_dir_flags(const char *dir, double fps, unsigned flags,
                                      frame_source **out);

/* A file of JPEG frames laid end to end (what `ffmpeg -f mjpeg` writes, or a
 * raw capture), possibly with junk between frames; timestamps as above. */
ks_status frame_source_open_mjpeg(const char *path, double fps, frame_source **out);

/* Finds the next complete JPEG (SOI .. EOI) at or after *pos in buf[0..len),
 * walking the marker segments so that an EOI inside metadata (an EXIF
 * thumbnail) does not end the frame. Junk before an SOI is skipped; a frame
 * that is broken or longer than max_frame is skipped from its SOI onward.
 * On KS_OK, [*frame_off, *frame_off + *frame_len) is the frame and *pos is
 * just past it. KS_ERR_NOT_FOUND when no complete frame remains: *pos is
 * then where to resume once more data is appended (the start of a frame
 * that runs off the end, or len). With `final` set no more data will come,
 * so a frame running off the end counts as broken. */
ks_status mjpeg_next_frame(const uint8_t *buf, size_t len, size_t *pos, size_t max_frame,
                           bool final, size_t *frame_off, size_t *frame_len);

/* ---- V4L2 camera ---------------------------------------------------------- */

typedef enum camera_pixfmt {
    CAMERA_PIXFMT_ANY = 0, /* MJPEG if offered at the size, else YUYV */
    CAMERA_PIXFMT_MJPEG,
    CAMERA_PIXFMT_YUYV,
} camera_pixfmt;

typedef struct camera_config {
    uint32_t width, height; /* requested; the driver may pick the nearest */
    camera_pixfmt format;
    uint32_t buffers;      /* mmap buffers to ask for (0 = 4) */
    uint32_t timeout_ms;   /* frame_source_next() waits at most this (0 = 2000) */
} camera_config;

/* The system calls the camera code uses; tests substitute a fake device. */
typedef struct camera_sys {
    int (*open)(const char *path, int flags);
    int (*close)(int fd);
    int (*ioctl)(int fd, unsigned long request, void *arg);
    void *(*mmap)(void *addr, size_t length, int prot, int flags, int fd, long offset);
    int (*munmap)(void *addr, size_t length);
    /* 1 = readable, 0 = timeout, -1 = error (errno set) */
    int (*wait_readable)(int fd, uint32_t timeout_ms);
} camera_sys;

/* Opens e.g. "/dev/video0", negotiates the format and size, maps the buffers
 * and starts streaming. KS_ERR_NOT_FOUND / KS_ERR_ACCESS if the device cannot
 * be opened, KS_ERR_UNSUPPORTED if it is not a streaming capture device or
 * offers neither MJPEG nor YUYV, KS_ERR_IO for other driver failures.
 * frame_source_open_v4l2_sys() is the same with the system calls given
 * (NULL = the real ones); the size and format actually negotiated are
 * stored in *actual when it is not NULL. */
ks_status frame_source_open_v4l2(const char *device, const camera_config *cfg, frame_source **out);
ks_status frame_source_open_v4l2_sys(const char *device, const camera_config *cfg,
                                     const camera_sys *sys, frame_source **out,
                                     camera_config *actual);

/* YUYV 4:2:2 (Y0 U Y1 V per pixel pair) to RGB with BT.601 limited-range
 * coefficients. `bytesperline` >= 2 * width (width even); the buffer must
 * hold height rows. KS_ERR_TRUNCATED if it does not, KS_ERR_ARG otherwise. */
ks_status camera_yuyv_to_rgb(const uint8_t *yuyv, size_t len, uint32_t width, uint32_t height,
                             size_t bytesperline, img_image *out);

#endif
