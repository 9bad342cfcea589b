/*
 * frames_dir.c — a frame source over the JPEG files of one directory. The
 * names are listed and sorted once at open, so files added later are not
 * seen and the order is reproducible.
 */
#include "camera.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* Bounds the listing's memory; a capture session is far smaller. */
#define FRAMES_DIR_MAX_FILES 1000000u

struct dir_source {
    frame_source base;
    char *dir;
    char **names;
    size_t count, next;
    double fps;
    unsigned flags;          /* enum frames_dir_flags */
    struct timespec started; /* FRAMES_REALTIME: when frame 0 was delivered */
};

static bool frames_is_jpeg_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static int frames_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *frames_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* Reads a whole regular file of at most FRAMES_MAX_FRAME_BYTES. */
static ks_status frames_read_file(const char *path, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
    struct stat sb;
    ks_status st = KS_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        st = KS_ERR_IO;
    else if (sb.st_size < 0 || (uint64_t)sb.st_size > FRAMES_MAX_FRAME_BYTES)
        st = KS_ERR_TOO_LARGE;
    else if (sb.st_size == 0)
        st = KS_ERR_TRUNCATED;
    if (st == KS_OK) {
        size_t size = (size_t)sb.st_size;
        *data = malloc(size);
        if (!*data)
            st = KS_ERR_NO_MEMORY;
        else if (fread(*data, 1, size, f) != size)
            st = KS_ERR_TRUNCATED; /* shrank under us */
        else
            *len = size;
    }
    fclose(f);
    if (st != KS_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

/* Like a camera, deliver frame i no earlier than i / fps after frame 0. */
static void frames_wait_until(struct dir_source *s, uint64_t t_us)
{
    if (t_us == 0) {
        clock_gettime(CLOCK_MONOTONIC, &s->started);
        return;
    }
    uint64_t ns = (uint64_t)s->started.tv_nsec + (t_us % 1000000u) * 1000u;
    struct timespec due = {
        .tv_sec = s->started.tv_sec + (time_t)(t_us / 1000000u) + (time_t)(ns / 1000000000u),
        .tv_nsec = (long)(ns % 1000000000u),
    };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
        ;
}

static ks_status dir_source_next(frame_source *base, img_image *out, uint64_t *timestamp_us)
{
    struct dir_source *s = (struct dir_source *)base;
    bool loop = (s->flags & FRAMES_LOOP) && s->count > 0;
    if (!loop && s->next >= s->count)
        return KS_ERR_NOT_FOUND;
    size_t index = s->next++;
    *timestamp_us = (uint64_t)llround((double)index * 1e6 / s->fps);
    if (s->flags & FRAMES_REALTIME)
        frames_wait_until(s, *timestamp_us);
    char *path = frames_join(s->dir, s->names[index % s->count]);
    if (!path)
        return KS_ERR_NO_MEMORY;
    uint8_t *data;
    size_t len;
    ks_status st = frames_read_file(path, &data, &len);
    free(path);
    if (st != KS_OK)
        return st;
    st = img_jpeg_decode(data, len, 0, out);
    free(data);
    return st;
}

static void dir_source_close(frame_source *base)
{
    struct dir_source *s = (struct dir_source *)base;
    for (size_t i = 0; i < s->count; i++)
        free(s->names[i]);
    free(s->names);
    free(s->dir);
    free(s);
}

static const struct frame_source_ops dir_ops = { dir_source_next, dir_source_close };

static ks_status frames_list(struct dir_source *s, DIR *d)
{
    size_t cap = 0;
    struct dirent *e;
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (!frames_is_jpeg_name(e->d_name))
            continue;
        char *path = frames_join(s->dir, e->d_name);
        if (!path)
            return KS_ERR_NO_MEMORY;
        struct stat sb;
        bool regular = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
        free(path);
        if (!regular)
            continue;
        if (s->count == FRAMES_DIR_MAX_FILES)
            return KS_ERR_TOO_LARGE;
        if (s->count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(s->names, ncap * sizeof *nn);
            if (!nn)
                return KS_ERR_NO_MEMORY;
            s->names = nn;
            cap = ncap;
        }
        s->names[s->count] = strdup(e->d_name);
        if (!s->names[s->count])
            return KS_ERR_NO_MEMORY;
        s->count++;
    }
    if (errno != 0)
        return KS_ERR_IO;
    if (s->count > 1)
        qsort(s->names, s->count, sizeof *s->names, frames_name_cmp);
    return KS_OK;
}

ks_status frame_source_open_dir(const char *dir, double fps, frame_source **out)
{
    return frame_source_open_dir_flags(dir, fps, 0, out);
}

ks_status frame_source_open_dir_flags(const char *dir, double fps, unsigned flags,
                                      frame_source **out)
{
    if (!out)
        return KS_ERR_ARG;
    *out = NULL;
    if (!dir || !isfinite(fps) || fps <= 0)
        return KS_ERR_ARG;
    struct dir_source *s = calloc(1, sizeof *s);
    if (!s)
        return KS_ERR_NO_MEMORY;
    s->base.ops = &dir_ops;
    s->fps = fps;
    s->flags = flags;
    s->dir = strdup(dir);
    if (!s->dir) {
        dir_source_close(&s->base);
        return KS_ERR_NO_MEMORY;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ks_status st = errno == ENOENT ? KS_ERR_NOT_FOUND : errno == EACCES ? KS_ERR_ACCESS : KS_ERR_IO;
        dir_source_close(&s->base);
        return st;
    }
    ks_status st = frames_list(s, d);
    closedir(d);
    if (st != KS_OK) {
        dir_source_close(&s->base);
        return st;
    }
    *out = &s->base;
    return KS_OK;
}
