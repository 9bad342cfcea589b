/*
 * delaunay.c — see delaunay.h.
 *
 * Bowyer-Watson: every point is inserted into a triangulation that starts as
 * one huge "super" triangle. The triangles whose circumcircle holds the new
 * point form a cavity; the cavity is re-triangulated as a fan around the
 * point; at the end the triangles touching a super vertex are dropped.
 *
 * Floating-point in-circle tests can, for nearly co-circular points, mark a
 * set of triangles that is not star-shaped as seen from the new point, and
 * the fan would then overlap itself. Two rules keep the cavity sound: it
 * grows only through shared edges from the triangle that contains the point,
 * and a triangle is taken out of it again whenever one of its cavity-boundary
 * edges does not face the point.
 */
#include "delaunay.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* How far the super triangle reaches, in multiples of the points' extent:
 * far enough that hull edges are almost always Delaunay edges of the result. */
#define DELAUNAY_SUPER_SCALE 1000.0

double delaunay_orient(const double a[2], const double b[2], const double c[2])
{
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

double delaunay_incircle(const double a[2], const double b[2], const double c[2], const double d[2])
{
    double ax = a[0] - d[0], ay = a[1] - d[1];
    double bx = b[0] - d[0], by = b[1] - d[1];
    double cx = c[0] - d[0], cy = c[1] - d[1];
    double a2 = ax * ax + ay * ay, b2 = bx * bx + by * by, c2 = cx * cx + cy * cy;
    return ax * (by * c2 - b2 * cy) - ay * (bx * c2 - b2 * cx) + a2 * (bx * cy - by * cx);
}

typedef struct dl_work {
    const double (*pts)[2]; /* n input points, then 3 super vertices in sup */
    size_t n;
    double sup[3][2];
    delaunay_tri *tri; /* live triangles, dense */
    size_t ntri, cap;
    uint8_t *bad;      /* per triangle: 1 = in the cavity */
    size_t *stack;
    uint32_t (*edges)[2];
} dl_work;

static const double *dl_pt(const dl_work *w, uint32_t i)
{
    return i < w->n ? w->pts[i] : w->sup[i - w->n];
}

static bool dl_tri_contains(const dl_work *w, const delaunay_tri *t, const double p[2])
{
    for (int k = 0; k < 3; k++)
        if (delaunay_orient(dl_pt(w, t->v[k]), dl_pt(w, t->v[(k + 1) % 3]), p) < 0.0)
            return false;
    return true;
}

static bool dl_in_circle(const dl_work *w, const delaunay_tri *t, const double p[2])
{
    return delaunay_incircle(dl_pt(w, t->v[0]), dl_pt(w, t->v[1]), dl_pt(w, t->v[2]), p) > 0.0;
}

static bool dl_share_edge(const delaunay_tri *s, const delaunay_tri *t)
{
    int same = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            same += s->v[i] == t->v[j];
    return same == 2;
}

/* Whether the directed edge a->b is an edge of some other cavity triangle
 * (there it runs b->a, as both are counter-clockwise). */
static bool dl_edge_inner(const dl_work *w, size_t self, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < w->ntri; i++) {
        if (i == self || w->bad[i] != 1)
            continue;
        const uint32_t *v = w->tri[i].v;
        for (int k = 0; k < 3; k++)
            if (v[k] == b && v[(k + 1) % 3] == a)
                return true;
    }
    return false;
}

/* Marks (bad = 1) the triangles connected to `seed` through triangles whose
 * circumcircle holds p; candidates are those with bad = 2. */
static void dl_flood(dl_work *w, size_t seed)
{
    size_t top = 0;
    w->bad[seed] = 1;
    w->stack[top++] = seed;
    while (top > 0) {
        size_t t = w->stack[--top];
        for (size_t i = 0; i < w->ntri; i++) {
            if (w->bad[i] == 2 && dl_share_edge(&w->tri[t], &w->tri[i])) {
                w->bad[i] = 1;
                w->stack[top++] = i;
            }
        }
    }
}

/* Builds the cavity for point p; returns false if no triangle holds p. */
static bool dl_cavity(dl_work *w, const double p[2], size_t *seed_out)
{
    size_t seed = w->ntri;
    for (size_t i = 0; i < w->ntri; i++) {
        w->bad[i] = dl_in_circle(w, &w->tri[i], p) ? 2 : 0;
        if (seed == w->ntri && dl_tri_contains(w, &w->tri[i], p))
            seed = i;
    }
    if (seed == w->ntri)
        return false;
    dl_flood(w, seed);
    /* Take out triangles whose outer edge does not face p, then keep only
     * what is still connected to the seed; repeat until stable. */
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < w->ntri; i++) {
            if (w->bad[i] != 1 || i == seed)
                continue;
            const uint32_t *v = w->tri[i].v;
            for (int k = 0; k < 3; k++) {
                uint32_t a = v[k], b = v[(k + 1) % 3];
                if (!dl_edge_inner(w, i, a, b) && delaunay_orient(dl_pt(w, a), dl_pt(w, b), p) <= 0.0) {
                    w->bad[i] = 0;
                    changed = true;
                    break;
                }
            }
        }
        if (changed) {
            for (size_t i = 0; i < w->ntri; i++)
                if (w->bad[i] == 1)
                    w->bad[i] = 2;
            dl_flood(w, seed);
            for (size_t i = 0; i < w->ntri; i++)
                if (w->bad[i] == 2)
                    w->bad[i] = 0;
        }
    }
    for (size_t i = 0; i < w->ntri; i++)
        if (w->bad[i] == 2)
            w->bad[i] = 0;
    *seed_out = seed;
    return true;
}

static ks_status dl_insert(dl_work *w, uint32_t pi)
{
    const double *p = dl_pt(w, pi);
    size_t seed;
    if (!dl_cavity(w, p, &seed))
        return KS_ERR_ARG; /* outside the super triangle: cannot happen for finite input */
    size_t ne = 0;
    for (size_t i = 0; i < w->ntri; i++) {
        if (w->bad[i] != 1)
            continue;
        const uint32_t *v = w->tri[i].v;
        for (int k = 0; k < 3; k++) {
            uint32_t a = v[k], b = v[(k + 1) % 3];
            if (!dl_edge_inner(w, i, a, b)) {
                w->edges[ne][0] = a;
                w->edges[ne][1] = b;
                ne++;
            }
        }
    }
    /* Drop the cavity, keeping the array dense. */
    size_t kept = 0;
    for (size_t i = 0; i < w->ntri; i++)
        if (w->bad[i] != 1)
            w->tri[kept++] = w->tri[i];
    if (kept + ne > w->cap)
        return KS_ERR_TOO_LARGE;
    for (size_t e = 0; e < ne; e++) {
        delaunay_tri t = { { w->edges[e][0], w->edges[e][1], pi } };
        w->tri[kept++] = t;
    }
    w->ntri = kept;
    return KS_OK;
}

static ks_status dl_check_input(const double (*pts)[2], size_t n, double lo[2], double hi[2])
{
    lo[0] = hi[0] = pts[0][0];
    lo[1] = hi[1] = pts[0][1];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pts[i][0]) || !isfinite(pts[i][1]))
            return KS_ERR_ARG;
        for (int k = 0; k < 2; k++) {
            lo[k] = fmin(lo[k], pts[i][k]);
            hi[k] = fmax(hi[k], pts[i][k]);
        }
    }
    /* Quadratic, like the triangulation itself. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1]) < DELAUNAY_MIN_SPACING)
                return KS_ERR_ARG;
    bool collinear = true;
    for (size_t i = 2; i < n && collinear; i++)
        collinear = fabs(delaunay_orient(pts[0], pts[1], pts[i])) <= 1e-12;
    return collinear ? KS_ERR_ARG : KS_OK;
}

ks_status delaunay_triangulate(const double (*pts)[2], size_t n, delaunay_tri *tris, size_t cap,
                               size_t *ntri)
{
    if (pts == NULL || tris == NULL || ntri == NULL || n < 3 || n > DELAUNAY_MAX_POINTS)
        return KS_ERR_ARG;
    *ntri = 0;
    double lo[2], hi[2];
    ks_status st = dl_check_input(pts, n, lo, hi);
    if (st != KS_OK)
        return st;
    dl_work w = { .pts = pts, .n = n };
    double cx = 0.5 * (lo[0] + hi[0]), cy = 0.5 * (lo[1] + hi[1]);
    double d = fmax(hi[0] - lo[0], hi[1] - lo[1]) * DELAUNAY_SUPER_SCALE;
    /* Counter-clockwise in a y-up frame. */
    w.sup[0][0] = cx - d;
    w.sup[0][1] = cy - d;
    w.sup[1][0] = cx + d;
    w.sup[1][1] = cy - d;
    w.sup[2][0] = cx;
    w.sup[2][1] = cy + d;
    /* A triangulation of m points has at most 2m - 5 triangles; a cavity's
     * boundary has at most one edge more than its triangles. */
    w.cap = 2 * (n + 3);
    w.tri = malloc(w.cap * sizeof(*w.tri));
    w.bad = malloc(w.cap);
    w.stack = malloc(w.cap * sizeof(*w.stack));
    w.edges = malloc(3 * w.cap * sizeof(*w.edges));
    if (!w.tri || !w.bad || !w.stack || !w.edges) {
        st = KS_ERR_NO_MEMORY;
        goto out;
    }
    uint32_t s0 = (uint32_t)n;
    w.tri[0] = (delaunay_tri){ { s0, s0 + 1, s0 + 2 } };
    w.ntri = 1;
    for (size_t i = 0; i < n && st == KS_OK; i++)
        st = dl_insert(&w, (uint32_t)i);
    if (st != KS_OK)
        goto out;
    size_t m = 0;
    for (size_t i = 0; i < w.ntri; i++) {
        const uint32_t *v = w.tri[i].v;
        if (v[0] >= s0 || v[1] >= s0 || v[2] >= s0)
            continue;
        if (m == cap) {
            st = KS_ERR_TOO_LARGE;
            goto out;
        }
        tris[m++] = w.tri[i];
    }
    *ntri = m;
out:
    free(w.tri);
    free(w.bad);
    free(w.stack);
    free(w.edges);
    return st;
}
