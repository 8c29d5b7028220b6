/* Normalisation layers (batch, layer, group, instance norm), the erfinv
 * transform of trunc_normal_ and the Gram-Schmidt steps of orthogonal_.
 *
 * A normalisation views its dense input as (A, G, B): statistics group g holds
 * the A*B elements x[a*G*B + g*B + b] (batch norm: (N, C, HW); layer norm:
 * (1, rows, row length); group norm: (1, N*groups, C/groups*HW)). The affine
 * index of flat element i is (i / wdiv) % wmod.
 *
 * -D T: input/output tag (f32 f64 f16); statistics are stored as CTYPE(T).
 * -D W: weight/bias tag; -D R: running-statistics tag.
 * -D AFF_GROUP: the affine index is the group (batch norm); AFF_COL: it is the
 *    position in the row (layer norm); neither: it is counted along the row.
 * Runtime flags (so that one program serves every combination): has_w, has_b
 * (an affine weight / bias is applied; in norm_grad_partial has_w sums
 * weight * grad), has_c (norm_bwd_apply subtracts the batch-statistics terms).
 *
 * Kernels walk contiguous runs per work-item, 8 elements per vector where the
 * affine index allows (no barriers, no atomics, no divisions inside loops), the
 * layout PoCL runs fastest; the host picks run lengths so that small problems
 * still spread over enough work-items.
 */
#include "common.h"

typedef CTYPE(T) ct;

#ifndef W
#define W T
#endif
#ifndef R
#define R T
#endif

/* 8-wide loads and stores in the compute type. */
typedef CLT_CAT(CTYPE(T), 8) ct8;
#define LDV_f32(p, i) vload8(0, (p) + (i))
#define LDV_f64(p, i) vload8(0, (p) + (i))
#define LDV_f16(p, i) vload_half8(0, (p) + (i))
#define STV_f32(p, i, v) vstore8((v), 0, (p) + (i))
#define STV_f64(p, i, v) vstore8((v), 0, (p) + (i))
#define STV_f16(p, i, v) vstore_half8((v), 0, (p) + (i))
#define LD8(tag, p, i) CLT_CAT(convert_, CLT_CAT(CTYPE(T), 8))(CLT_CAT(LDV_, tag)(p, i))
#define ST8(tag, p, i, v) CLT_CAT(STV_, tag)(p, i, v)

inline ct hsum8(ct8 v) {
    return ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
}

/* Sum of p[0..n) and of (p[i] - m)^2 over p[0..n). */
inline ct seg_sum(__global const STYPE(T) *p, long n) {
    long n8 = n & ~7L;
    ct8 s8 = (ct8)0;
    for (long j = 0; j < n8; j += 8) s8 += LD8(T, p, j);
    ct s = hsum8(s8);
    for (long j = n8; j < n; ++j) s += (ct)LD(T, p, j);
    return s;
}

inline ct seg_m2(__global const STYPE(T) *p, long n, ct m) {
    long n8 = n & ~7L;
    ct8 s8 = (ct8)0;
    for (long j = 0; j < n8; j += 8) {
        ct8 d = LD8(T, p, j) - m;
        s8 += d * d;
    }
    ct s = hsum8(s8);
    for (long j = n8; j < n; ++j) {
        ct d = (ct)LD(T, p, j) - m;
        s += d * d;
    }
    return s;
}

#define WLOAD(k) (has_w ? (ct)LD(W, w, woff + (k)) : (ct)1)
#define BLOAD(k) (has_b ? (ct)LD(W, bias, boff + (k)) : (ct)0)

/* Affine index of element j of a row starting at flat index i0: AFF_DECL once,
 * then AFF(j) and AFF_NEXT() per element. */
#if defined(AFF_GROUP)
#define AFF_DECL(g, i0) long aff_k = (g);
#define AFF(j) aff_k
#define AFF_NEXT()
#elif defined(AFF_COL)
#define AFF_DECL(g, i0)
#define AFF(j) (j)
#define AFF_NEXT()
#else
#define AFF_DECL(g, i0) long aff_k = ((i0) / wdiv) % wmod, aff_r = (i0) % wdiv;
#define AFF(j) aff_k
#define AFF_NEXT() if (++aff_r == wdiv) { aff_r = 0; if (++aff_k == wmod) aff_k = 0; }
#endif

/* out[j0..j1) of a row (pointers at the row start) = (x - mu) * rs * w + b. */
inline void write_norm(__global STYPE(T) *op, __global const STYPE(T) *xp, long j0, long j1, ct mu, ct rs,
                       __global const STYPE(W) *w, long woff, __global const STYPE(W) *bias, long boff,
                       int has_w, int has_b, long g, long i0, long wdiv, long wmod) {
    long j = j0;
#if defined(AFF_GROUP)
    ct sc = rs * WLOAD(g), sh = BLOAD(g);
    for (; j + 8 <= j1; j += 8) ST8(T, op, j, (LD8(T, xp, j) - mu) * sc + sh);
    for (; j < j1; ++j) ST(T, op, j, ((ct)LD(T, xp, j) - mu) * sc + sh);
#elif defined(AFF_COL)
    for (; j + 8 <= j1; j += 8) {
        ct8 v = (LD8(T, xp, j) - mu) * rs;
        if (has_w) v *= LD8(W, w + woff, j);
        if (has_b) v += LD8(W, bias + boff, j);
        ST8(T, op, j, v);
    }
    for (; j < j1; ++j) ST(T, op, j, ((ct)LD(T, xp, j) - mu) * rs * WLOAD(j) + BLOAD(j));
#else
    AFF_DECL(g, i0)
    for (; j < j1; ++j) {
        ST(T, op, j, ((ct)LD(T, xp, j) - mu) * rs * WLOAD(AFF(j)) + BLOAD(AFF(j)));
        AFF_NEXT()
    }
#endif
}

/* Chunk p of group g: the mean and the sum of squared deviations (two passes
 * over the chunk, which stays in cache). part[p*G + g] and part[(P+p)*G + g]. */
__kernel void norm_stats_partial(__global const STYPE(T) *x, long xoff, __global ct *part,
                                 long A, long G, long B, long chunk, long P) {
    long gid = get_global_id(0);
    if (gid >= G * P) return;
    long g = gid % G, p = gid / G;
    long e0 = p * chunk, e1 = min(A * B, e0 + chunk);
    if (e1 <= e0) return;
    long a0 = e0 / B, b0 = e0 - a0 * B;
    __global const STYPE(T) *xg = x + xoff + g * B;
    ct s = (ct)0;
    for (long e = e0, a = a0, b = b0; e < e1; ++a, b = 0) {  /* contiguous segments of rows */
        long len = min(B - b, e1 - e);
        s += seg_sum(xg + a * G * B + b, len);
        e += len;
    }
    ct mean = s / (ct)(e1 - e0);
    ct m2 = (ct)0;
    for (long e = e0, a = a0, b = b0; e < e1; ++a, b = 0) {
        long len = min(B - b, e1 - e);
        m2 += seg_m2(xg + a * G * B + b, len, mean);
        e += len;
    }
    part[p * G + g] = mean;
    part[(P + p) * G + g] = m2;
}

/* Merge the chunk states of group g (Chan et al.), write mean and 1/sqrt(var + eps)
 * and, when update, fold the batch mean and unbiased variance into the running
 * statistics (factor 1/num_batches_tracked when cumulative, else momentum). */
__kernel void norm_stats_finalize(__global const ct *part, long G, long P, long L, long chunk, ct eps,
                                  __global ct *mean_out, __global ct *rstd_out,
                                  __global STYPE(R) *rmean, long rmoff, __global STYPE(R) *rvar, long rvoff,
                                  __global const long *nbt, long nbtoff, ct momentum, int update,
                                  int cumulative) {
    long g = get_global_id(0);
    if (g >= G) return;
    ct n = (ct)0, mean = (ct)0, m2 = (ct)0;
    for (long p = 0; p < P; ++p) {
        ct nb = (ct)min(chunk, L - p * chunk);
        ct mb = part[p * G + g], m2b = part[(P + p) * G + g];
        ct tot = n + nb;
        ct d = mb - mean;
        mean += d * (nb / tot);
        m2 += m2b + d * d * (n * nb / tot);
        n = tot;
    }
    ct var = m2 / n;
    mean_out[g] = mean;
    rstd_out[g] = (ct)1 / sqrt(var + eps);
    if (update) {
        ct m = cumulative ? (ct)1 / (ct)nbt[nbtoff] : momentum;
        ct unbiased = m2 / (n - (ct)1);
        ct rm = (ct)LD(R, rmean, rmoff + g), rv = (ct)LD(R, rvar, rvoff + g);
        ST(R, rmean, rmoff + g, ((ct)1 - m) * rm + m * mean);
        ST(R, rvar, rvoff + g, ((ct)1 - m) * rv + m * unbiased);
    }
}

/* out = (x - mean[g]) * rstd[g] * w + b. Work-item: run q (CH elements) of row
 * r (B contiguous elements of group r % G); Q runs per row, R_ rows. */
__kernel void norm_apply(__global STYPE(T) *out, long ooff, __global const STYPE(T) *x, long xoff,
                         __global const ct *mean, __global const ct *rstd,
                         __global const STYPE(W) *w, long woff, __global const STYPE(W) *bias, long boff,
                         int has_w, int has_b, long G, long B, long CH, long Q, long wdiv, long wmod,
                         long R_) {
    long gid = get_global_id(0);
    if (gid >= R_ * Q) return;
    long row = gid / Q, q = gid - row * Q;
    long j0 = q * CH, j1 = min(B, j0 + CH), g = row % G, base = row * B;
    write_norm(out + ooff + base, x + xoff + base, j0, j1, mean[g], rstd[g], w, woff, bias, boff, has_w, has_b,
               g, base + j0, wdiv, wmod);
}

/* One work-item per group whose elements are contiguous (A == 1): statistics
 * and the normalised output in one kernel. */
__kernel void norm_rows_fwd(__global STYPE(T) *out, long ooff, __global const STYPE(T) *x, long xoff,
                            __global ct *mean_out, __global ct *rstd_out,
                            __global const STYPE(W) *w, long woff, __global const STYPE(W) *bias, long boff,
                            int has_w, int has_b, long G, long B, ct eps, long wdiv, long wmod) {
    long g = get_global_id(0);
    if (g >= G) return;
    long base = g * B;
    __global const STYPE(T) *xp = x + xoff + base;
    ct mean = seg_sum(xp, B) / (ct)B;
    ct rstd = (ct)1 / sqrt(seg_m2(xp, B, mean) / (ct)B + eps);
    mean_out[g] = mean;
    rstd_out[g] = rstd;
    write_norm(out + ooff + base, xp, 0, B, mean, rstd, w, woff, bias, boff, has_w, has_b, g, base, wdiv, wmod);
}

/* Chunk sums over the view (A, G, B) of grad and of grad * xhat (has_w: weight *
 * grad). The statistics group of a run of B elements is fixed; it starts at
 * (i / sB) % sG and moves by ratio groups from one a to the next.
 * part[p*G + g] and part[(P+p)*G + g]. */
__kernel void norm_grad_partial(__global const STYPE(T) *gr, long goff, __global const STYPE(T) *x, long xoff,
                                __global const ct *mean, __global const ct *rstd,
                                __global const STYPE(W) *w, long woff, int has_w, __global ct *part,
                                long A, long G, long B, long chunk, long P, long sB, long sG, long ratio,
                                long wdiv, long wmod) {
    long gid = get_global_id(0);
    if (gid >= G * P) return;
    long g = gid % G, p = gid / G;
    long e0 = p * chunk, e1 = min(A * B, e0 + chunk);
    if (e1 <= e0) return;
    long a0 = e0 / B, b0 = e0 - a0 * B;
    long s = ((a0 * G * B + g * B + b0) / sB) % sG;
    ct s1 = (ct)0, s2 = (ct)0;
    for (long e = e0, a = a0, b = b0; e < e1; ++a, b = 0) {
        long len = min(B - b, e1 - e), i = a * G * B + g * B + b;
        __global const STYPE(T) *gp = gr + goff + i, *xp = x + xoff + i;
        ct mu = mean[s], rs = rstd[s];
        if (has_w) {
            long aff_k = (i / wdiv) % wmod, aff_r = i % wdiv;
            for (long j = 0; j < len; ++j) {
                ct dy = (ct)LD(T, gp, j) * (ct)LD(W, w, woff + aff_k);
                s1 += dy;
                s2 += dy * ((ct)LD(T, xp, j) - mu) * rs;
                if (++aff_r == wdiv) { aff_r = 0; if (++aff_k == wmod) aff_k = 0; }
            }
        } else {
            long n8 = len & ~7L, j = 0;
            ct8 v1 = (ct8)0, v2 = (ct8)0;
            for (; j < n8; j += 8) {
                ct8 dy = LD8(T, gp, j);
                v1 += dy;
                v2 += dy * (LD8(T, xp, j) - mu);
            }
            ct t1 = hsum8(v1), t2 = hsum8(v2);
            for (; j < len; ++j) {
                ct dy = (ct)LD(T, gp, j);
                t1 += dy;
                t2 += dy * ((ct)LD(T, xp, j) - mu);
            }
            s1 += t1;
            s2 += t2 * rs;
        }
        e += len;
        s += ratio;
        if (s >= sG) s %= sG;
    }
    part[p * G + g] = s1;
    part[(P + p) * G + g] = s2;
}

/* norm_grad_partial for views with B == 1 (layer norm's columns, batch norm of
 * (N, C)): a work-item sums 8 neighbouring columns g over rows [p*chunk, ...)
 * as vectors. Statistics are per row (by_row) or per column. */
__kernel void norm_grad_cols(__global const STYPE(T) *gr, long goff, __global const STYPE(T) *x, long xoff,
                             __global const ct *mean, __global const ct *rstd, __global ct *part,
                             long A, long G, long chunk, long P, int by_row) {
    long nb = (G + 7) / 8;
    long gid = get_global_id(0);
    if (gid >= nb * P) return;
    long cb = gid % nb, p = gid / nb, c0 = cb * 8;
    long a0 = p * chunk, a1 = min(A, a0 + chunk);
    __global const STYPE(T) *gp = gr + goff, *xp = x + xoff;
    if (c0 + 8 <= G) {
        ct8 s1 = (ct8)0, s2 = (ct8)0;
        ct8 mu8 = by_row ? (ct8)0 : vload8(0, mean + c0), rs8 = by_row ? (ct8)1 : vload8(0, rstd + c0);
        for (long a = a0; a < a1; ++a) {
            ct8 dy = LD8(T, gp, a * G + c0);
            ct8 d = LD8(T, xp, a * G + c0);
            if (by_row) d = (d - mean[a]) * rstd[a];
            else d = (d - mu8) * rs8;
            s1 += dy;
            s2 += dy * d;
        }
        vstore8(s1, 0, part + p * G + c0);
        vstore8(s2, 0, part + (P + p) * G + c0);
        return;
    }
    for (long c = c0; c < G; ++c) {
        ct s1 = (ct)0, s2 = (ct)0;
        for (long a = a0; a < a1; ++a) {
            long s = by_row ? a : c;
            ct dy = (ct)LD(T, gp, a * G + c);
            s1 += dy;
            s2 += dy * ((ct)LD(T, xp, a * G + c) - mean[s]) * rstd[s];
        }
        part[p * G + c] = s1;
        part[(P + p) * G + c] = s2;
    }
}

/* dx[j0..j1) of a row = rs * (w * dy - k1 - (x - mu) * rs * k2). */
inline void write_dx(__global STYPE(T) *dp, __global const STYPE(T) *gp, __global const STYPE(T) *xp, long j0,
                     long j1, ct mu, ct rs, ct k1, ct k2, __global const STYPE(W) *w, long woff, int has_w,
                     long g, long i0, long wdiv, long wmod) {
    long j = j0;
    ct c2 = rs * k2;
#if defined(AFF_GROUP)
    ct wg = WLOAD(g);
    for (; j + 8 <= j1; j += 8) ST8(T, dp, j, (LD8(T, gp, j) * wg - k1 - (LD8(T, xp, j) - mu) * c2) * rs);
    for (; j < j1; ++j) ST(T, dp, j, ((ct)LD(T, gp, j) * wg - k1 - ((ct)LD(T, xp, j) - mu) * c2) * rs);
#elif defined(AFF_COL)
    for (; j + 8 <= j1; j += 8) {
        ct8 d = LD8(T, gp, j);
        if (has_w) d *= LD8(W, w + woff, j);
        ST8(T, dp, j, (d - k1 - (LD8(T, xp, j) - mu) * c2) * rs);
    }
    for (; j < j1; ++j) ST(T, dp, j, ((ct)LD(T, gp, j) * WLOAD(j) - k1 - ((ct)LD(T, xp, j) - mu) * c2) * rs);
#else
    AFF_DECL(g, i0)
    for (; j < j1; ++j) {
        ST(T, dp, j, ((ct)LD(T, gp, j) * WLOAD(AFF(j)) - k1 - ((ct)LD(T, xp, j) - mu) * c2) * rs);
        AFF_NEXT()
    }
#endif
}

/* dx = rstd[g] * (w * dy - c1[g] - xhat * c2[g]); without has_c the statistics
 * were constants and dx = rstd[g] * w * dy. Work split as in norm_apply. */
__kernel void norm_bwd_apply(__global STYPE(T) *dx, __global const STYPE(T) *gr, long goff,
                             __global const STYPE(T) *x, long xoff, __global const ct *mean,
                             __global const ct *rstd, __global const ct *c1, __global const ct *c2,
                             __global const STYPE(W) *w, long woff, int has_w, int has_c, long G, long B,
                             long CH, long Q, long wdiv, long wmod, long R_) {
    long gid = get_global_id(0);
    if (gid >= R_ * Q) return;
    long row = gid / Q, q = gid - row * Q;
    long j0 = q * CH, j1 = min(B, j0 + CH), g = row % G, base = row * B;
    ct k1 = has_c ? c1[g] : (ct)0, k2 = has_c ? c2[g] : (ct)0;
    write_dx(dx + base, gr + goff + base, x + xoff + base, j0, j1, mean[g], rstd[g], k1, k2, w, woff, has_w, g,
             base + j0, wdiv, wmod);
}

/* One work-item per contiguous group: the input gradient of norm_rows_fwd. */
__kernel void norm_rows_bwd(__global STYPE(T) *dx, __global const STYPE(T) *gr, long goff,
                            __global const STYPE(T) *x, long xoff, __global const ct *mean,
                            __global const ct *rstd, __global const STYPE(W) *w, long woff, int has_w,
                            long G, long B, long wdiv, long wmod) {
    long g = get_global_id(0);
    if (g >= G) return;
    long base = g * B;
    __global const STYPE(T) *gp = gr + goff + base, *xp = x + xoff + base;
    ct mu = mean[g], rs = rstd[g];
    ct s1 = (ct)0, s2 = (ct)0;
    long j = 0;
#if defined(AFF_GROUP) || defined(AFF_COL)
    ct8 v1 = (ct8)0, v2 = (ct8)0;
    for (; j + 8 <= B; j += 8) {
        ct8 dy = LD8(T, gp, j);
#if defined(AFF_GROUP)
        dy *= WLOAD(g);
#else
        if (has_w) dy *= LD8(W, w + woff, j);
#endif
        v1 += dy;
        v2 += dy * (LD8(T, xp, j) - mu);
    }
    s1 = hsum8(v1);
    s2 = hsum8(v2);
#endif
    {
        AFF_DECL(g, base + j)
        for (; j < B; ++j) {
#if defined(AFF_COL)
            ct dy = (ct)LD(T, gp, j) * WLOAD(j);
#else
            ct dy = (ct)LD(T, gp, j) * WLOAD(AFF(j));
#endif
            s1 += dy;
            s2 += dy * ((ct)LD(T, xp, j) - mu);
            AFF_NEXT()
        }
    }
    write_dx(dx + base, gp, xp, 0, B, mu, rs, s1 / (ct)B, s2 * rs / (ct)B, w, woff, has_w, g, base, wdiv, wmod);
}

/* erfinv(u) by Giles' single-precision approximation, refined by Newton steps on erf. */
inline ct clt_erfinv(ct u) {
    if (u <= (ct)-1) return (ct)-INFINITY;
    if (u >= (ct)1) return (ct)INFINITY;
    float uf = clamp((float)u, -0.99999994f, 0.99999994f);
    float wv = -log((1.0f - uf) * (1.0f + uf));
    float r;
    if (wv < 5.0f) {
        wv -= 2.5f;
        r = 2.81022636e-08f;
        r = 3.43273939e-07f + r * wv;
        r = -3.5233877e-06f + r * wv;
        r = -4.39150654e-06f + r * wv;
        r = 0.00021858087f + r * wv;
        r = -0.00125372503f + r * wv;
        r = -0.00417768164f + r * wv;
        r = 0.246640727f + r * wv;
        r = 1.50140941f + r * wv;
    } else {
        wv = sqrt(wv) - 3.0f;
        r = -0.000200214257f;
        r = 0.000100950558f + r * wv;
        r = 0.00134934322f + r * wv;
        r = -0.00367342844f + r * wv;
        r = 0.00573950773f + r * wv;
        r = -0.0076224613f + r * wv;
        r = 0.00943887047f + r * wv;
        r = 1.00167406f + r * wv;
        r = 2.83297682f + r * wv;
    }
    ct y = (ct)(r * uf);
    /* Newton on erf(y) = u; 2/sqrt(pi) is erf's derivative scale. */
    for (int k = 0; k < (sizeof(ct) == 8 ? 3 : 2); ++k) {
        ct err = erf(y) - u;
        y -= err / ((ct)1.1283791670955126 * exp(-y * y));
    }
    return y;
}

/* In place over a dense tensor of uniform draws in (2l-1, 2u-1):
 * x = clamp(mean + std * sqrt(2) * erfinv(x), lo, hi). */
__kernel void trunc_normal_finish(__global STYPE(T) *x, long xoff, ct mean, ct stdv, ct lo, ct hi, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ct v = mean + stdv * (ct)1.4142135623730951 * clt_erfinv((ct)LD(T, x, xoff + i));
    ST(T, x, xoff + i, fmin(fmax(v, lo), hi));
}

/* Gram-Schmidt of the rows of a dense n x m matrix q (orthogonal_), one row j at
 * a time against rows k0..j-1 (the host has already projected out rows before
 * k0 with GEMMs): orth_dots gives c[k - k0] = <q_k, q_j>, orth_sub removes those
 * components (run twice: CGS2), orth_norm and orth_scale make q_j unit length. */
__kernel void orth_dots(__global STYPE(T) *q, long qoff, __global ct *c, long k0, long j, long m) {
    long k = k0 + get_global_id(0);
    if (k >= j) return;
    __global STYPE(T) *qk = q + qoff + k * m, *qj = q + qoff + j * m;
    ct s = (ct)0;
    for (long i = 0; i < m; ++i) s += (ct)LD(T, qk, i) * (ct)LD(T, qj, i);
    c[k - k0] = s;
}

__kernel void orth_sub(__global STYPE(T) *q, long qoff, __global const ct *c, long k0, long j, long m) {
    long i = get_global_id(0);
    if (i >= m) return;
    __global STYPE(T) *qp = q + qoff;
    ct v = (ct)LD(T, qp, j * m + i);
    for (long k = k0; k < j; ++k) v -= c[k - k0] * (ct)LD(T, qp, k * m + i);
    ST(T, qp, j * m + i, v);
}

/* A single work-item: c[slot] = 1 / ||q_j||. */
__kernel void orth_norm(__global STYPE(T) *q, long qoff, __global ct *c, long slot, long j, long m) {
    if (get_global_id(0) != 0) return;
    __global STYPE(T) *qj = q + qoff + j * m;
    ct s = (ct)0;
    for (long i = 0; i < m; ++i) {
        ct v = (ct)LD(T, qj, i);
        s += v * v;
    }
    c[slot] = (ct)1 / sqrt(s);
}

__kernel void orth_scale(__global STYPE(T) *q, long qoff, __global const ct *c, long slot, long j, long m) {
    long i = get_global_id(0);
    if (i >= m) return;
    __global STYPE(T) *qj = q + qoff + j * m;
    ST(T, qj, i, (ct)LD(T, qj, i) * c[slot]);
}
