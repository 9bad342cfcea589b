/*
 * meshwarp.c — see meshwarp.h.
 *
 * Each destination triangle is scanned over its clipped bounding box; a
 * pixel centre's barycentric coordinates both decide whether it is inside
 * and give its source point, so no matrix inversion per triangle is needed
 * beyond the one 2x2 determinant.
 */
#include "meshwarp.h"

#include <math.h>

/* Barycentric slack: a centre exactly on a shared edge is drawn by both
 * triangles rather than by neither. */
#define MESHWARP_EDGE_EPS 1e-9

static double mw_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

double meshwarp_sample(const img_image *img, double x, double y, uint32_t c)
{
    x = mw_clamp(x, 0.0, (double)img->width - 1.0);
    y = mw_clamp(y, 0.0, (double)img->height - 1.0);
    uint32_t x0 = (uint32_t)x, y0 = (uint32_t)y;
    uint32_t x1 = x0 + 1 < img->width ? x0 + 1 : x0;
    uint32_t y1 = y0 + 1 < img->height ? y0 + 1 : y0;
    double fx = x - x0, fy = y - y0;
    const uint8_t *r0 = img_row(img, y0), *r1 = img_row(img, y1);
    uint32_t ch = img->channels;
    double top = r0[x0 * ch + c] + fx * (r0[x1 * ch + c] - r0[x0 * ch + c]);
    double bot = r1[x0 * ch + c] + fx * (r1[x1 * ch + c] - r1[x0 * ch + c]);
    return top + fy * (bot - top);
}

static uint8_t mw_byte(double v)
{
    return (uint8_t)mw_clamp(floor(v + 0.5), 0.0, 255.0);
}

/* The pixel range [lo, hi] whose centres may lie in [a, b]; false if empty. */
static int mw_span(double a, double b, uint32_t size, uint32_t *lo, uint32_t *hi)
{
    double l = ceil(a - MESHWARP_EDGE_EPS), h = floor(b + MESHWARP_EDGE_EPS);
    if (l < 0.0)
        l = 0.0;
    if (h > (double)size - 1.0)
        h = (double)size - 1.0;
    if (l > h)
        return 0;
    *lo = (uint32_t)l;
    *hi = (uint32_t)h;
    return 1;
}

static void mw_draw(const img_image *src, const double *s0, const double *s1, const double *s2,
                    const double *d0, const double *d1, const double *d2, img_image *dst)
{
    double e1x = d1[0] - d0[0], e1y = d1[1] - d0[1];
    double e2x = d2[0] - d0[0], e2y = d2[1] - d0[1];
    double det = e1x * e2y - e1y * e2x;
    if (fabs(det) < 1e-12)
        return;
    uint32_t x_lo, x_hi, y_lo, y_hi;
    if (!mw_span(fmin(d0[0], fmin(d1[0], d2[0])), fmax(d0[0], fmax(d1[0], d2[0])), dst->width, &x_lo,
                 &x_hi) ||
        !mw_span(fmin(d0[1], fmin(d1[1], d2[1])), fmax(d0[1], fmax(d1[1], d2[1])), dst->height, &y_lo,
                 &y_hi))
        return;
    uint32_t ch = dst->channels;
    for (uint32_t y = y_lo; y <= y_hi; y++) {
        uint8_t *row = img_row(dst, y);
        double py = (double)y - d0[1];
        for (uint32_t x = x_lo; x <= x_hi; x++) {
            double px = (double)x - d0[0];
            /* p = d0 + u e1 + v e2 */
            double u = (px * e2y - py * e2x) / det;
            double v = (e1x * py - e1y * px) / det;
            if (u < -MESHWARP_EDGE_EPS || v < -MESHWARP_EDGE_EPS || u + v > 1.0 + MESHWARP_EDGE_EPS)
                continue;
            double w = 1.0 - u - v;
            double sx = w * s0[0] + u * s1[0] + v * s2[0];
            double sy = w * s0[1] + u * s1[1] + v * s2[1];
            for (uint32_t c = 0; c < ch; c++)
                row[x * ch + c] = mw_byte(meshwarp_sample(src, sx, sy, c));
        }
    }
}

static int mw_image_ok(const img_image *img)
{
    return img != NULL && img->pixels != NULL && img->width > 0 && img->height > 0 &&
           (img->channels == 1 || img->channels == 3) &&
           img->stride >= (size_t)img->width * img->channels;
}

ks_status meshwarp_render(const img_image *src, const double (*src_pts)[2], const double (*dst_pts)[2],
                          size_t npts, const delaunay_tri *tris, const size_t *order, size_t ntri,
                          img_image *dst)
{
    if (!mw_image_ok(src) || !mw_image_ok(dst) || src->channels != dst->channels || src_pts == NULL ||
        dst_pts == NULL || (tris == NULL && ntri > 0))
        return KS_ERR_ARG;
    for (size_t i = 0; i < npts; i++)
        if (!isfinite(src_pts[i][0]) || !isfinite(src_pts[i][1]) || !isfinite(dst_pts[i][0]) ||
            !isfinite(dst_pts[i][1]))
            return KS_ERR_ARG;
    for (size_t i = 0; i < ntri; i++) {
        if (order != NULL && order[i] >= ntri)
            return KS_ERR_ARG;
        for (int k = 0; k < 3; k++)
            if (tris[i].v[k] >= npts)
                return KS_ERR_ARG;
    }
    for (size_t i = 0; i < ntri; i++) {
        const uint32_t *v = tris[order != NULL ? order[i] : i].v;
        mw_draw(src, src_pts[v[0]], src_pts[v[1]], src_pts[v[2]], dst_pts[v[0]], dst_pts[v[1]],
                dst_pts[v[2]], dst);
    }
    return KS_OK;
}
