/* Pooling and interpolation over (planes, H, W): max/avg/adaptive pooling,
 * max-unpooling, nearest and (bi)linear resampling, each with a backward.
 *
 * -D T: dtype tag of the data. A work-item computes `span` consecutive elements of
 * one output row (the host picks span = 1 on GPUs: one element per work-item; a
 * short run on CPUs, where per-element index arithmetic would dominate).
 * The data read by a kernel (the input in forward, the upstream gradient in
 * backward) is strided: plane p = n * C + c sits at xo + n*xn + c*xc and its
 * element (h, w) at + h*xh + w*xw, so views are read without copying. Outputs
 * and index tensors are dense. Backward kernels gather: each input element
 * finds the outputs that read it, so there are no atomics and the sums are
 * deterministic (max pooling with non-overlapping windows instead has each output
 * write its own cell of the input: still one writer per element). 1-D pooling runs
 * as 2-D with H = 1. */
#include "common.h"

/* torch's CPU kernels round every product and sum separately; so do we, so
 * that interpolation coordinates (and their floors) agree bit for bit. */
#pragma OPENCL FP_CONTRACT OFF

typedef CTYPE(T) ct;
typedef WIDE(T) acc_t;

/* Geometry shared by every kernel (the host packs it as int64 fields in this order).
 * H, W: the plane of the pooled/resampled input; OH, OW: the plane of the output. */
typedef struct {
    long C, H, W, OH, OW;
    long KH, KW, SH, SW, PH, PW, DH, DW;
    long xo, xn, xc, xh, xw;  /* the strided operand: offset and (N, C, H, W) strides */
    long io;                  /* offset of the dense index operand */
    long flag;                /* avg: count_include_pad; linear: align_corners; nearest: exact */
    long divisor;             /* avg: divisor_override (0: none) */
    long span;                /* elements of a row per work-item */
    long n;                   /* work-items */
} pool_t;

#define IS_NAN(v) ((v) != (v))

/* Element offset of plane p's (0, 0) in the strided operand; (h, w) adds h * xh + w * xw. */
inline long x_base(const pool_t *g, long p) {
    long nb = p / g->C;
    return g->xo + nb * g->xn + (p - nb * g->C) * g->xc;
}

#define X_AT(b, h, w) ((b) + (h) * g.xh + (w) * g.xw)

/* The row (plane * rows + row) of work-item i and its element range [*c0, *c1) in a
 * row of `width` elements. */
inline long row_of(long i, long width, long span, long *c0, long *c1) {
    long nc = (width + span - 1) / span;
    long r = i / nc;
    *c0 = (i - r * nc) * span;
    *c1 = min(*c0 + span, width);
    return r;
}

/* First output window (along one axis) whose span [o*S - P, o*S - P + K) reaches i. */
inline long first_window(long i, long S, long P, long K) {
    long t = i + P - K + 1;
    return t <= 0 ? 0 : (t + S - 1) / S;
}

/* Prologues: split work-item i into output row (oh of plane p) or input row (h of plane p),
 * with xb the strided operand's plane base. */
#define OUT_ROWS                                       \
    long i = get_global_id(0);                         \
    if (i >= g.n) return;                              \
    long c0, c1, r = row_of(i, g.OW, g.span, &c0, &c1); \
    long oh = r % g.OH, p = r / g.OH;                  \
    long xb = x_base(&g, p);

#define IN_ROWS                                        \
    long i = get_global_id(0);                         \
    if (i >= g.n) return;                              \
    long c0, c1, r = row_of(i, g.W, g.span, &c0, &c1);  \
    long h = r % g.H, p = r / g.H;                     \
    long xb = x_base(&g, p);


/* -- max pooling ------------------------------------------------------------------ */
/* out[p, oh, ow] = the window maximum, idx = h * W + w of it (first maximum; NaN wins,
 * the last NaN of the window as torch). The first in-bounds element seeds the search,
 * which also serves integer types. */
__kernel void max_pool_fwd(__global STYPE(T) *out, __global long *idx, __global const STYPE(T) *x, pool_t g) {
    OUT_ROWS
    long h0 = oh * g.SH - g.PH;
    for (long ow = c0; ow < c1; ++ow) {
        long w0 = ow * g.SW - g.PW;
        int seeded = 0;
        ct best = (ct)0;
        long arg = 0;
        for (long kh = 0; kh < g.KH; ++kh) {
            long h = h0 + kh * g.DH;
            if (h < 0 || h >= g.H) continue;
            for (long kw = 0; kw < g.KW; ++kw) {
                long w = w0 + kw * g.DW;
                if (w < 0 || w >= g.W) continue;
                ct v = LD(T, x, X_AT(xb, h, w));
                if (!seeded || v > best || IS_NAN(v)) {
                    best = v;
                    arg = h * g.W + w;
                    seeded = 1;
                }
            }
        }
        ST(T, out, r * g.OW + ow, best);
        idx[r * g.OW + ow] = arg;
    }
}

/* grad_in[p, h, w] = sum of g[p, oh, ow] over the windows whose argmax is (h, w): only
 * windows whose dilated span covers (h, w) can have it as argmax. */
__kernel void max_pool_bwd(__global STYPE(T) *gi, __global const STYPE(T) *go, __global const long *idx, pool_t g) {
    IN_ROWS
    __global const long *ip = idx + g.io + p * g.OH * g.OW;
    long oh0 = first_window(h, g.SH, g.PH, (g.KH - 1) * g.DH + 1), oh1 = min((h + g.PH) / g.SH + 1, g.OH);
    for (long w = c0; w < c1; ++w) {
        long me = h * g.W + w;
        long ow0 = first_window(w, g.SW, g.PW, (g.KW - 1) * g.DW + 1), ow1 = min((w + g.PW) / g.SW + 1, g.OW);
        acc_t acc = (acc_t)0;
        for (long oh = oh0; oh < oh1; ++oh)
            for (long ow = ow0; ow < ow1; ++ow)
                if (ip[oh * g.OW + ow] == me) acc += (acc_t)LD(T, go, X_AT(xb, oh, ow));
        ST(T, gi, r * g.W + w, acc);
    }
}

/* The same gradient when windows do not overlap ((K - 1) * D + 1 <= S on both axes):
 * output (oh, ow) owns the cell of input rows [oh*SH - PH, (oh+1)*SH - PH) and the
 * columns alike, the last cell of each axis stretched to the input's edge. The cells
 * partition the plane and each holds its window, so a work-item per output writes its
 * whole cell (g at the argmax, 0 elsewhere): every element once, no fill, no conflicts. */
__kernel void max_pool_bwd_cells(__global STYPE(T) *gi, __global const STYPE(T) *go, __global const long *idx,
                                 pool_t g) {
    OUT_ROWS
    __global const long *ip = idx + g.io + r * g.OW;
    long gb = p * g.H * g.W;
    long hs = max(oh * g.SH - g.PH, 0L), he = oh == g.OH - 1 ? g.H : min((oh + 1) * g.SH - g.PH, g.H);
    for (long ow = c0; ow < c1; ++ow) {
        long ws = max(ow * g.SW - g.PW, 0L), we = ow == g.OW - 1 ? g.W : min((ow + 1) * g.SW - g.PW, g.W);
        long k = ip[ow];
        ct v = LD(T, go, X_AT(xb, oh, ow));
        for (long h = hs; h < he; ++h)
            for (long w = ws; w < we; ++w) {
                long me = h * g.W + w;
                ST(T, gi, gb + me, me == k ? v : (ct)0);
            }
    }
}

/* out[p, o] = x[p, idx[p, o]] with idx flat over x's (H, W) plane; OH x OW is out's plane
 * (max-unpool backward, max-pool double backward). */
__kernel void plane_gather(__global STYPE(T) *out, __global const STYPE(T) *x, __global const long *idx, pool_t g) {
    OUT_ROWS
    for (long ow = c0; ow < c1; ++ow) {
        long k = idx[g.io + r * g.OW + ow];
        ST(T, out, r * g.OW + ow, LD(T, x, X_AT(xb, k / g.W, k % g.W)));
    }
}

/* out[p, idx[p, i]] = x[p, i] into a zeroed out of plane OH x OW (max-unpool); x's plane
 * is H x W. A bad index sets err and is skipped. Repeated indices come from overlapping
 * windows and carry the same value, so whichever write lands last is the same. */
__kernel void unpool_fwd(__global STYPE(T) *out, __global const STYPE(T) *x, __global const long *idx,
                         __global int *err, pool_t g) {
    IN_ROWS
    for (long w = c0; w < c1; ++w) {
        long k = idx[g.io + r * g.W + w];
        if (k < 0 || k >= g.OH * g.OW) {
            err[0] = 1;
            continue;
        }
        ST(T, out, p * g.OH * g.OW + k, LD(T, x, X_AT(xb, h, w)));
    }
}

/* -- average pooling --------------------------------------------------------------- */
/* Divisor of output window (oh, ow): divisor_override, else the window clipped to the
 * padded input (count_include_pad) or to the input itself. */
inline long avg_divisor(const pool_t *g, long oh, long ow) {
    if (g->divisor) return g->divisor;
    long hs = oh * g->SH - g->PH, ws = ow * g->SW - g->PW;
    long he = min(hs + g->KH, g->H + g->PH), we = min(ws + g->KW, g->W + g->PW);
    if (g->flag) return (he - hs) * (we - ws);
    return (min(he, g->H) - max(hs, 0L)) * (min(we, g->W) - max(ws, 0L));
}

__kernel void avg_pool_fwd(__global STYPE(T) *out, __global const STYPE(T) *x, pool_t g) {
    OUT_ROWS
    long hs = oh * g.SH - g.PH, he = min(hs + g.KH, g.H);
    for (long ow = c0; ow < c1; ++ow) {
        long ws = ow * g.SW - g.PW, we = min(ws + g.KW, g.W);
        acc_t acc = (acc_t)0;
        for (long h = max(hs, 0L); h < he; ++h)
            for (long w = max(ws, 0L); w < we; ++w) acc += (acc_t)LD(T, x, X_AT(xb, h, w));
        long d = avg_divisor(&g, oh, ow);
        ST(T, out, r * g.OW + ow, d ? acc / (acc_t)d : (acc_t)0);
    }
}

__kernel void avg_pool_bwd(__global STYPE(T) *gi, __global const STYPE(T) *go, pool_t g) {
    IN_ROWS
    long oh0 = first_window(h, g.SH, g.PH, g.KH), oh1 = min((h + g.PH) / g.SH + 1, g.OH);
    for (long w = c0; w < c1; ++w) {
        long ow0 = first_window(w, g.SW, g.PW, g.KW), ow1 = min((w + g.PW) / g.SW + 1, g.OW);
        acc_t acc = (acc_t)0;
        for (long oh = oh0; oh < oh1; ++oh)
            for (long ow = ow0; ow < ow1; ++ow) {
                long d = avg_divisor(&g, oh, ow);
                if (d) acc += (acc_t)LD(T, go, X_AT(xb, oh, ow)) / (acc_t)d;
            }
        ST(T, gi, r * g.W + w, acc);
    }
}

/* -- adaptive pooling -------------------------------------------------------------- */
/* Window of output o when `in` elements pool into `out`: [floor(o*in/out), ceil((o+1)*in/out)). */
inline long ad_start(long o, long in, long out) { return (o * in) / out; }
inline long ad_end(long o, long in, long out) { return ((o + 1) * in + out - 1) / out; }

__kernel void adaptive_avg_fwd(__global STYPE(T) *out, __global const STYPE(T) *x, pool_t g) {
    OUT_ROWS
    long hs = ad_start(oh, g.H, g.OH), he = ad_end(oh, g.H, g.OH);
    for (long ow = c0; ow < c1; ++ow) {
        long ws = ad_start(ow, g.W, g.OW), we = ad_end(ow, g.W, g.OW);
        acc_t acc = (acc_t)0;
        for (long h = hs; h < he; ++h)
            for (long w = ws; w < we; ++w) acc += (acc_t)LD(T, x, X_AT(xb, h, w));
        ST(T, out, r * g.OW + ow, acc / (acc_t)((he - hs) * (we - ws)));
    }
}

/* Input h is read by the outputs [floor(h*OH/H), ceil((h+1)*OH/H)) along that axis. */
__kernel void adaptive_avg_bwd(__global STYPE(T) *gi, __global const STYPE(T) *go, pool_t g) {
    IN_ROWS
    long oh0 = (h * g.OH) / g.H, oh1 = ((h + 1) * g.OH + g.H - 1) / g.H;
    for (long w = c0; w < c1; ++w) {
        long ow0 = (w * g.OW) / g.W, ow1 = ((w + 1) * g.OW + g.W - 1) / g.W;
        acc_t acc = (acc_t)0;
        for (long oh = oh0; oh < oh1; ++oh) {
            long hn = ad_end(oh, g.H, g.OH) - ad_start(oh, g.H, g.OH);
            for (long ow = ow0; ow < ow1; ++ow) {
                long wn = ad_end(ow, g.W, g.OW) - ad_start(ow, g.W, g.OW);
                acc += (acc_t)LD(T, go, X_AT(xb, oh, ow)) / (acc_t)(hn * wn);
            }
        }
        ST(T, gi, r * g.W + w, acc);
    }
}

__kernel void adaptive_max_fwd(__global STYPE(T) *out, __global long *idx, __global const STYPE(T) *x, pool_t g) {
    OUT_ROWS
    long hs = ad_start(oh, g.H, g.OH), he = ad_end(oh, g.H, g.OH);
    for (long ow = c0; ow < c1; ++ow) {
        long ws = ad_start(ow, g.W, g.OW), we = ad_end(ow, g.W, g.OW);
        ct best = LD(T, x, X_AT(xb, hs, ws));
        long arg = hs * g.W + ws;
        for (long h = hs; h < he; ++h)
            for (long w = ws; w < we; ++w) {
                ct v = LD(T, x, X_AT(xb, h, w));
                if (v > best || IS_NAN(v)) {
                    best = v;
                    arg = h * g.W + w;
                }
            }
        ST(T, out, r * g.OW + ow, best);
        idx[r * g.OW + ow] = arg;
    }
}

__kernel void adaptive_max_bwd(__global STYPE(T) *gi, __global const STYPE(T) *go, __global const long *idx,
                               pool_t g) {
    IN_ROWS
    __global const long *ip = idx + g.io + p * g.OH * g.OW;
    long oh0 = (h * g.OH) / g.H, oh1 = ((h + 1) * g.OH + g.H - 1) / g.H;
    for (long w = c0; w < c1; ++w) {
        long me = h * g.W + w;
        long ow0 = (w * g.OW) / g.W, ow1 = ((w + 1) * g.OW + g.W - 1) / g.W;
        acc_t acc = (acc_t)0;
        for (long oh = oh0; oh < oh1; ++oh)
            for (long ow = ow0; ow < ow1; ++ow)
                if (ip[oh * g.OW + ow] == me) acc += (acc_t)LD(T, go, X_AT(xb, oh, ow));
        ST(T, gi, r * g.W + w, acc);
    }
}

/* -- interpolation ----------------------------------------------------------------- */
/* Source index of output o for 'nearest' (floor(o * scale)) and 'nearest-exact'
 * (floor((o + 0.5) * scale)), clipped to the input; scale is in/out or 1/scale_factor. */
inline long nearest_src(long o, long in, long out, float scale, int exact) {
    /* the products are >= 0, so truncating is flooring (and much cheaper than floor()) */
    if (exact) return min((long)(((float)o + 0.5f) * scale), in - 1);
    if (out == in) return o;
    if (out == 2 * in) return o >> 1;
    return min((long)((float)o * scale), in - 1);
}

/* Start of the walk that finds the first output reading source >= target: the inverse of
 * src = o * scale, clamped (any start gives the exact answer; a close one takes 1-2 steps). */
inline long walk_start(long target, float scale, long out) {
    if (!(scale > 0.0f)) return 0;
    float o = (float)target / scale;
    return o <= 0.0f ? 0 : (o >= (float)out ? out : (long)o);
}

/* First o in [0, out) whose nearest source is >= target (sources never decrease with o). */
inline long nearest_lower(long target, long in, long out, float scale, int exact) {
    long o = walk_start(target, scale, out);
    while (o > 0 && nearest_src(o - 1, in, out, scale, exact) >= target) --o;
    while (o < out && nearest_src(o, in, out, scale, exact) < target) ++o;
    return o;
}

__kernel void nearest_fwd(__global STYPE(T) *out, __global const STYPE(T) *x, float sh, float sw, pool_t g) {
    OUT_ROWS
    int ex = (int)g.flag;
    long rb = xb + nearest_src(oh, g.H, g.OH, sh, ex) * g.xh;
    for (long ow = c0; ow < c1; ++ow)
        ST(T, out, r * g.OW + ow, LD(T, x, rb + nearest_src(ow, g.W, g.OW, sw, ex) * g.xw));
}

__kernel void nearest_bwd(__global STYPE(T) *gi, __global const STYPE(T) *go, float sh, float sw, pool_t g) {
    IN_ROWS
    int ex = (int)g.flag;
    long oh0 = nearest_lower(h, g.H, g.OH, sh, ex), oh1 = nearest_lower(h + 1, g.H, g.OH, sh, ex);
    long ow1 = nearest_lower(c0, g.W, g.OW, sw, ex);
    for (long w = c0; w < c1; ++w) {
        long ow0 = ow1;
        ow1 = nearest_lower(w + 1, g.W, g.OW, sw, ex);
        acc_t acc = (acc_t)0;
        for (long oh = oh0; oh < oh1; ++oh)
            for (long ow = ow0; ow < ow1; ++ow) acc += (acc_t)LD(T, go, X_AT(xb, oh, ow));
        ST(T, gi, r * g.W + w, acc);
    }
}

#if KIND(T) == 2
#define LINEAR_CACHE 8

/* Linear interpolation along one axis: output o reads i0 and i0 + step with weights
 * l0 and l1 (align_corners: src = o * scale; else (o + 0.5) * scale - 0.5, at least 0). */
inline long linear_src(long o, long in, ct scale, int align, ct *l1) {
    ct src = align ? scale * (ct)o : scale * ((ct)o + (ct)0.5) - (ct)0.5;
    if (src < (ct)0) src = (ct)0;
    long i0 = min((long)src, in - 1);  /* src >= 0: truncation is floor */
    *l1 = min(max(src - (ct)i0, (ct)0), (ct)1);
    return i0;
}

/* First o in [0, out) whose i0 is >= target (i0 never decreases with o). */
inline long linear_lower(long target, long in, long out, ct scale, int align) {
    ct l1;
    long o = walk_start(target, (float)scale, out);
    while (o > 0 && linear_src(o - 1, in, scale, align, &l1) >= target) --o;
    while (o < out && linear_src(o, in, scale, align, &l1) < target) ++o;
    return o;
}

/* Weight with which output o's interpolation reads input i. */
inline ct linear_weight(long o, long i, long in, ct scale, int align) {
    ct l1;
    long i0 = linear_src(o, in, scale, align, &l1);
    long i1 = i0 + (i0 < in - 1 ? 1 : 0);
    return (i0 == i ? (ct)1 - l1 : (ct)0) + (i1 == i ? l1 : (ct)0);
}

__kernel void linear_fwd(__global STYPE(T) *out, __global const STYPE(T) *x, ct sh, ct sw, pool_t g) {
    OUT_ROWS
    int al = (int)g.flag;
    ct lh1, lw1;
    long h0 = linear_src(oh, g.H, sh, al, &lh1);
    long r0 = xb + h0 * g.xh, r1 = xb + (h0 + (h0 < g.H - 1 ? 1 : 0)) * g.xh;
    ct lh0 = (ct)1 - lh1;
    for (long ow = c0; ow < c1; ++ow) {
        long w0 = linear_src(ow, g.W, sw, al, &lw1);
        long a = w0 * g.xw, b = (w0 + (w0 < g.W - 1 ? 1 : 0)) * g.xw;
        ct lw0 = (ct)1 - lw1;
        ct v = lh0 * (lw0 * (ct)LD(T, x, r0 + a) + lw1 * (ct)LD(T, x, r0 + b)) +
               lh1 * (lw0 * (ct)LD(T, x, r1 + a) + lw1 * (ct)LD(T, x, r1 + b));
        ST(T, out, r * g.OW + ow, v);
    }
}

/* The outputs reading input h have i0 in {h - 1, h}: one contiguous range per axis. */
__kernel void linear_bwd(__global STYPE(T) *gi, __global const STYPE(T) *go, ct sh, ct sw, pool_t g) {
    IN_ROWS
    int al = (int)g.flag;
    long oh0 = linear_lower(h - 1, g.H, g.OH, sh, al), oh1 = linear_lower(h + 1, g.H, g.OH, sh, al);
    ct whs[LINEAR_CACHE];  /* the row weights, computed once when the range is short */
    int cached = oh1 - oh0 <= LINEAR_CACHE;
    if (cached)
        for (long oh = oh0; oh < oh1; ++oh) whs[oh - oh0] = linear_weight(oh, h, g.H, sh, al);
    long ow1 = linear_lower(c0 - 1, g.W, g.OW, sw, al), ow_next = linear_lower(c0, g.W, g.OW, sw, al);
    for (long w = c0; w < c1; ++w) {
        long ow0 = ow1;
        ow1 = ow_next;
        ow_next = linear_lower(w + 1, g.W, g.OW, sw, al);
        acc_t acc = (acc_t)0;
        for (long ow = ow0; ow < ow_next; ++ow) {
            ct ww = linear_weight(ow, w, g.W, sw, al);
            if (ww == (ct)0) continue;
            for (long oh = oh0; oh < oh1; ++oh) {
                ct wh = cached ? whs[oh - oh0] : linear_weight(oh, h, g.H, sh, al);
                acc += (acc_t)(wh * ww * (ct)LD(T, go, X_AT(xb, oh, ow)));
            }
        }
        ST(T, gi, r * g.W + w, acc);
    }
}
#endif
