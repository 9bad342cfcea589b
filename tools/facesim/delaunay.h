/*
 * delaunay.h — Delaunay triangulation of a small planar point set
 * (Bowyer-Watson, incremental insertion, O(n^2): meant for a few thousand
 * points at most, such as face landmarks plus a frame border).
 *
 * Offers delaunay_triangulate(): the triangles (index triples into the
 * caller's point array, counter-clockwise in a y-up frame, i.e. positive
 * signed area by the usual cross product) whose circumcircles hold no other
 * input point. The union of the triangles is the convex hull of the points,
 * except that with many exactly collinear points on the hull a sliver along
 * the hull may be left uncovered (callers that need full coverage paint a
 * background first).
 *
 * Ownership: caller-provided arrays; scratch memory is allocated and freed
 * inside the call. Errors: KS_ERR_ARG for NULL, fewer than 3 points, more
 * than DELAUNAY_MAX_POINTS, non-finite coordinates, two points closer than
 * DELAUNAY_MIN_SPACING or all points collinear; KS_ERR_TOO_LARGE when `cap`
 * triangles do not suffice (2 n always does); KS_ERR_NO_MEMORY.
 */
#ifndef KS_DELAUNAY_H
#define KS_DELAUNAY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define DELAUNAY_MAX_POINTS 20000u
/* Closer points than this (in the points' unit) are refused: the caller
 * decides which of the two to keep. */
#define DELAUNAY_MIN_SPACING 1e-6

typedef struct delaunay_tri {
    uint32_t v[3];
} delaunay_tri;

ks_status delaunay_triangulate(const double (*pts)[2], size_t n, delaunay_tri *tris, size_t cap,
                               size_t *ntri);

/* Twice the signed area of the triangle a, b, c (positive when counter-
 * clockwise in a y-up frame). */
double delaunay_orient(const double a[2], const double b[2], const double c[2]);

/* > 0 when d lies strictly inside the circumcircle of the counter-clockwise
 * triangle a, b, c; 0 on it; < 0 outside. Translated to a so that the
 * magnitudes stay those of the triangle, not of the coordinates. */
double delaunay_incircle(const double a[2], const double b[2], const double c[2], const double d[2]);

#endif
