/* Fuzz target: mjpeg_next_frame() on arbitrary bytes. Every frame found must
 * lie inside the input, start with SOI and end with EOI, and feeding the same
 * bytes in small chunks (as the file source does) must find exactly the
 * frames found in one pass. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "camera.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 4096
#define MAX_FRAME_BYTES 4096

struct found {
    size_t off[MAX_FRAMES], len[MAX_FRAMES];
    size_t n;
};

static void check_frame(const uint8_t *buf, size_t len, size_t off, size_t flen)
{
    if (off > len || flen > len - off || flen < 4 || flen > MAX_FRAME_BYTES)
        abort();
    const uint8_t *f = buf + off;
    if (f[0] != 0xFF || f[1] != 0xD8 || f[flen - 2] != 0xFF || f[flen - 1] != 0xD9)
        abort();
}

static void one_pass(const uint8_t *data, size_t size, struct found *out)
{
    size_t pos = 0, off, flen;
    out->n = 0;
    while (out->n < MAX_FRAMES &&
           mjpeg_next_frame(data, size, &pos, MAX_FRAME_BYTES, true, &off, &flen) == KS_OK) {
        check_frame(data, size, off, flen);
        out->off[out->n] = off;
        out->len[out->n++] = flen;
    }
    if (out->n < MAX_FRAMES && pos != size)
        abort();
}

/* A window of at most MAX_FRAME_BYTES + chunk, compacted like the file source. */
static void chunked(const uint8_t *data, size_t size, size_t chunk, struct found *out)
{
    uint8_t *win = malloc(MAX_FRAME_BYTES + chunk + 1);
    if (!win)
        abort();
    size_t base = 0, wlen = 0, pos = 0, fed = 0;
    out->n = 0;
    for (;;) {
        size_t off, flen;
        ks_status st = mjpeg_next_frame(win, wlen, &pos, MAX_FRAME_BYTES, fed == size, &off, &flen);
        if (st == KS_OK) {
            check_frame(win, wlen, off, flen);
            if (out->n == MAX_FRAMES)
                break;
            out->off[out->n] = base + off;
            out->len[out->n++] = flen;
            continue;
        }
        if (st != KS_ERR_NOT_FOUND || fed == size)
            break;
        memmove(win, win + pos, wlen - pos);
        base += pos;
        wlen -= pos;
        pos = 0;
        if (wlen > MAX_FRAME_BYTES) /* the window bound the source relies on */
            abort();
        size_t take = size - fed < chunk ? size - fed : chunk;
        memcpy(win + wlen, data + fed, take);
        wlen += take;
        fed += take;
    }
    free(win);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct found a, b;
    one_pass(data, size, &a);
    size_t chunk = size ? (size_t)data[0] % 97 + 1 : 1;
    chunked(data, size, chunk, &b);
    if (a.n < MAX_FRAMES && b.n < MAX_FRAMES &&
        (a.n != b.n || memcmp(a.off, b.off, a.n * sizeof a.off[0]) != 0 ||
         memcmp(a.len, b.len, a.n * sizeof a.len[0]) != 0))
        abort();
    return 0;
}
