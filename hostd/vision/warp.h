/*
 * warp.h — affine warps and the 5-point similarity used for face alignment.
 *
 * Coordinates follow the usual pixel-centre convention: pixel (i, j) is the
 * point x = i, y = j. A 2x3 matrix m maps a source point to a destination
 * point: x' = m00 x + m01 y + m02, y' = m10 x + m11 y + m12 (the same
 * convention as OpenCV's warpAffine without WARP_INVERSE_MAP, so alignment
 * matrices from reference implementations can be compared directly).
 *
 * img_warp_affine() fills a new caller-released image; on error it is left
 * empty. No global state.
 */
#ifndef KS_WARP_H
#define KS_WARP_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "status.h"

/* The ArcFace 112x112 template (insightface): left eye, right eye, nose tip,
 * left and right mouth corners, as seen in the image (left = smaller x). */
extern const double warp_arcface_112[5][2];

/* Warps src into a width x height image: each destination pixel samples the
 * source at m^-1 applied to it, bilinearly; taps outside the source take the
 * value `border` (in every channel). KS_ERR_ARG for an invalid image, a zero
 * size, a non-finite or singular matrix; KS_ERR_TOO_LARGE over IMG_MAX_PIXELS. */
ks_status img_warp_affine(const img_image *src, const double m[2][3], uint32_t width,
                          uint32_t height, uint8_t border, img_image *out);

/* Least-squares similarity (rotation, uniform scale, translation; never a
 * reflection) taking src[i] to dst[i] for n >= 2 points — Umeyama's estimate,
 * which in 2-D has a closed form. KS_ERR_ARG if the source points coincide or
 * any value is not finite. */
ks_status warp_similarity_fit(const double (*src)[2], const double (*dst)[2], size_t n,
                              double m[2][3]);

/* The 5-point case used for face alignment (typically dst = warp_arcface_112). */
ks_status warp_similarity_from_points(const double src[5][2], const double dst[5][2],
                                      double m[2][3]);

/* Inverts an affine matrix; KS_ERR_ARG if it is singular or not finite. */
ks_status warp_affine_invert(const double m[2][3], double inv[2][3]);

#endif
