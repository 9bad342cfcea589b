/*
 * warp.c — see warp.h. Sampling uses 11-bit fixed-point weights like
 * image.c's resize, so a coordinate that lands on a pixel centre (up to
 * floating-point noise) reproduces that pixel exactly.
 */
#include "warp.h"

#include <math.h>
#include <string.h>

const double warp_arcface_112[5][2] = {
    { 38.2946, 51.6963 }, { 73.5318, 51.5014 }, { 56.0252, 71.7366 },
    { 41.5493, 92.3655 }, { 70.7299, 92.2041 },
};

#define WARP_FRAC_BITS 11
#define WARP_FRAC_ONE (1 << WARP_FRAC_BITS)

static int warp_matrix_is_finite(const double m[2][3])
{
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            if (!isfinite(m[r][c]))
                return 0;
    return 1;
}

ks_status warp_affine_invert(const double m[2][3], double inv[2][3])
{
    if (!m || !inv || !warp_matrix_is_finite(m))
        return KS_ERR_ARG;
    double det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    double scale = fabs(m[0][0]) + fabs(m[0][1]) + fabs(m[1][0]) + fabs(m[1][1]);
    /* Relative test: a determinant that is tiny next to the entries means the
     * map squashes the plane onto a line. */
    if (!(fabs(det) > 1e-12 * scale * scale) || !isfinite(1.0 / det))
        return KS_ERR_ARG;
    double a = m[1][1] / det, b = -m[0][1] / det, c = -m[1][0] / det, d = m[0][0] / det;
    double out[2][3] = {
        { a, b, -(a * m[0][2] + b * m[1][2]) },
        { c, d, -(c * m[0][2] + d * m[1][2]) },
    };
    if (!warp_matrix_is_finite((const double(*)[3])out))
        return KS_ERR_ARG;
    memcpy(inv, out, sizeof out);
    return KS_OK;
}

static int warp_image_is_valid(const img_image *img)
{
    return img && img->pixels && img->width > 0 && img->height > 0 &&
           (img->channels == 1 || img->channels == 3) &&
           img->stride >= (size_t)img->width * img->channels;
}

/* Splits a coordinate into an integer tap and a fixed-point fraction. */
static void warp_split(double s, int64_t *i, int32_t *frac)
{
    double f = floor(s);
    int32_t q = (int32_t)lround((s - f) * WARP_FRAC_ONE);
    *i = (int64_t)f;
    if (q >= WARP_FRAC_ONE) {
        q = 0;
        (*i)++;
    }
    *frac = q;
}

/* One destination pixel at source point (sx, sy). */
static void warp_sample(const img_image *src, double sx, double sy, uint8_t border, uint8_t *dst)
{
    uint32_t ch = src->channels;
    /* Beyond one pixel outside, every tap is border; this also keeps the
     * integer conversions below in range (and rejects NaN). */
    if (!(sx > -1.0 && sy > -1.0 && sx < (double)src->width && sy < (double)src->height)) {
        memset(dst, border, ch);
        return;
    }
    int64_t x0, y0;
    int32_t fx, fy;
    warp_split(sx, &x0, &fx);
    warp_split(sy, &y0, &fy);
    const uint8_t *taps[4];
    for (int k = 0; k < 4; k++) {
        int64_t tx = x0 + (k & 1), ty = y0 + (k >> 1);
        taps[k] = (tx >= 0 && ty >= 0 && tx < (int64_t)src->width && ty < (int64_t)src->height)
                      ? img_row(src, (uint32_t)ty) + (size_t)tx * ch
                      : NULL;
    }
    int32_t w[4] = { (WARP_FRAC_ONE - fx) * (WARP_FRAC_ONE - fy), fx * (WARP_FRAC_ONE - fy),
                     (WARP_FRAC_ONE - fx) * fy, fx * fy };
    for (uint32_t c = 0; c < ch; c++) {
        int64_t acc = 0;
        for (int k = 0; k < 4; k++)
            acc += (int64_t)w[k] * (taps[k] ? taps[k][c] : border);
        int64_t v = (acc + (1 << (2 * WARP_FRAC_BITS - 1))) >> (2 * WARP_FRAC_BITS);
        dst[c] = (uint8_t)(v > 255 ? 255 : v);
    }
}

ks_status img_warp_affine(const img_image *src, const double m[2][3], uint32_t width,
                          uint32_t height, uint8_t border, img_image *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!warp_image_is_valid(src) || !m || width == 0 || height == 0)
        return KS_ERR_ARG;
    double inv[2][3];
    ks_status st = warp_affine_invert(m, inv);
    if (st != KS_OK)
        return st;
    st = img_alloc(out, width, height, src->channels);
    if (st != KS_OK)
        return st;
    for (uint32_t y = 0; y < height; y++) {
        uint8_t *row = img_row(out, y);
        for (uint32_t x = 0; x < width; x++) {
            double sx = inv[0][0] * x + inv[0][1] * y + inv[0][2];
            double sy = inv[1][0] * x + inv[1][1] * y + inv[1][2];
            warp_sample(src, sx, sy, border, row + (size_t)x * src->channels);
        }
    }
    return KS_OK;
}

/* In 2-D the similarity x' = [a -b; b a] x + t is linear in (a, b, t), and
 * the least-squares (a, b) after centring both point sets is the same as
 * Umeyama's SVD estimate with reflections excluded: the angle maximising
 * trace(R^T Sigma) is atan2(sum cross, sum dot). */
ks_status warp_similarity_fit(const double (*src)[2], const double (*dst)[2], size_t n,
                              double m[2][3])
{
    if (!src || !dst || !m || n < 2)
        return KS_ERR_ARG;
    double ms[2] = { 0, 0 }, md[2] = { 0, 0 };
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            if (!isfinite(src[i][k]) || !isfinite(dst[i][k]))
                return KS_ERR_ARG;
            ms[k] += src[i][k];
            md[k] += dst[i][k];
        }
    }
    for (int k = 0; k < 2; k++) {
        ms[k] /= (double)n;
        md[k] /= (double)n;
    }
    double var = 0, dot = 0, cross = 0;
    for (size_t i = 0; i < n; i++) {
        double sx = src[i][0] - ms[0], sy = src[i][1] - ms[1];
        double dx = dst[i][0] - md[0], dy = dst[i][1] - md[1];
        var += sx * sx + sy * sy;
        dot += sx * dx + sy * dy;
        cross += sx * dy - sy * dx;
    }
    if (!(var > 1e-12) || !isfinite(var))
        return KS_ERR_ARG;
    double a = dot / var, b = cross / var;
    double out[2][3] = {
        { a, -b, md[0] - (a * ms[0] - b * ms[1]) },
        { b, a, md[1] - (b * ms[0] + a * ms[1]) },
    };
    if (!warp_matrix_is_finite((const double(*)[3])out))
        return KS_ERR_ARG;
    memcpy(m, out, sizeof out);
    return KS_OK;
}

ks_status warp_similarity_from_points(const double src[5][2], const double dst[5][2],
                                      double m[2][3])
{
    return warp_similarity_fit(src, dst, 5, m);
}
