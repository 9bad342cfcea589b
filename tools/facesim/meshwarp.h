/*
 * meshwarp.h — piecewise-affine image warp over a triangle mesh.
 *
 * Offers meshwarp_render(): each triangle of the mesh is drawn into `dst` at
 * its destination vertex positions, its pixels sampled bilinearly from `src`
 * at the affinely corresponding point of the same triangle's source
 * positions. Source taps beyond the image edge repeat the edge pixel, so a
 * mesh that reaches past the photo still gives plausible pixels.
 *
 * Triangles are drawn in the order given by `order` (painter's algorithm: a
 * later triangle covers an earlier one where they overlap), or in mesh order
 * when order is NULL. Pixels no triangle covers keep what dst held, so the
 * caller can paint a background first. Degenerate (zero-area) destination
 * triangles draw nothing. Coordinates follow warp.h: pixel (i, j) is the
 * point x = i, y = j; a pixel belongs to a triangle when its centre does
 * (edges inclusive, so neighbouring triangles leave no cracks).
 *
 * Ownership: dst is the caller's, already allocated with src's channel
 * count. Errors: KS_ERR_ARG for NULL, empty images, differing channel
 * counts, a vertex index >= npts or a non-finite coordinate.
 */
#ifndef KS_MESHWARP_H
#define KS_MESHWARP_H

#include <stddef.h>
#include <stdint.h>

#include "delaunay.h"
#include "image.h"
#include "status.h"

ks_status meshwarp_render(const img_image *src, const double (*src_pts)[2], const double (*dst_pts)[2],
                          size_t npts, const delaunay_tri *tris, const size_t *order, size_t ntri,
                          img_image *dst);

/* Bilinear sample of channel c at (x, y) with edge clamping; x and y must be
 * finite. */
double meshwarp_sample(const img_image *img, double x, double y, uint32_t c);

#endif
