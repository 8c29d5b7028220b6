/* Fused softmax / log_softmax, forward and backward, along one dimension.
 *
 * The (dense) tensor is viewed as (outer, D, inner): row r = (o, i) holds the
 * D elements at base + k * inner, base = o * D * inner + i. Each pass of a row
 * is max, sum of exp(x - max), write, so one kernel does the whole softmax.
 * -D T: dtype tag (f32 f64 f16); sums run in WIDE(T) (float for half).
 * log_mode selects log_softmax.
 *
 * softmax_rows*: one row per work-item, no barriers (fast on CPUs; with inner > 1
 *   neighbouring work-items read neighbouring elements, so GPUs coalesce too).
 * softmax_group*: one work-group (SM_WG lanes) per row with a local-memory tree,
 *   for long rows with inner == 1 on GPUs.
 */
#include "common.h"

typedef WIDE(T) acc;

#define SM_WG 256

/* NaN-propagating max: a NaN anywhere in the row makes the row NaN, as torch. */
inline acc nan_max(acc m, acc x) {
    return (x > m || isnan(x)) ? x : m;
}

/* 8-wide vectors for contiguous rows, so CPUs run the row loops in SIMD. */
typedef CLT_CAT(WIDE(T), 8) accv;
#define VLD_f32(p, i) vload8(0, (p) + (i))
#define VLD_f64(p, i) vload8(0, (p) + (i))
#define VLD_f16(p, i) vload_half8(0, (p) + (i))
#define VLOAD(p, i) CLT_CAT(convert_, CLT_CAT(WIDE(T), 8))(CLT_CAT(VLD_, T)(p, i))
#define VST_f32(p, i, v) vstore8(convert_float8(v), 0, (p) + (i))
#define VST_f64(p, i, v) vstore8(v, 0, (p) + (i))
#define VST_f16(p, i, v) vstore_half8(v, 0, (p) + (i))
#define VSTORE(p, i, v) CLT_CAT(VST_, T)(p, i, v)

inline acc hmax8(accv v) {
    acc m = v.s0;
    m = nan_max(m, v.s1); m = nan_max(m, v.s2); m = nan_max(m, v.s3);
    m = nan_max(m, v.s4); m = nan_max(m, v.s5); m = nan_max(m, v.s6);
    return nan_max(m, v.s7);
}

inline acc hsum8(accv v) {
    return ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
}

/* A contiguous row of D elements: xr and outr point at its first element. */
inline void softmax_contig_row(__global STYPE(T) *outr, __global const STYPE(T) *xr, long D, int log_mode) {
    long nv = D & ~7L;
    acc m = -INFINITY;
    if (nv) {
        accv mv = VLOAD(xr, 0);
        for (long k = 8; k < nv; k += 8) {
            accv v = VLOAD(xr, k);
            mv = select(mv, v, (v > mv) | isnan(v));
        }
        m = hmax8(mv);
    }
    for (long k = nv; k < D; ++k) m = nan_max(m, (acc)LD(T, xr, k));
    accv sv = (accv)0;
    for (long k = 0; k < nv; k += 8) sv += exp(VLOAD(xr, k) - m);
    acc s = hsum8(sv);
    for (long k = nv; k < D; ++k) s += exp((acc)LD(T, xr, k) - m);
    if (log_mode) {
        acc ls = log(s);
        for (long k = 0; k < nv; k += 8) VSTORE(outr, k, (VLOAD(xr, k) - m) - ls);
        for (long k = nv; k < D; ++k) ST(T, outr, k, ((acc)LD(T, xr, k) - m) - ls);
    } else {
        acc inv = (acc)1 / s;
        for (long k = 0; k < nv; k += 8) VSTORE(outr, k, exp(VLOAD(xr, k) - m) * inv);
        for (long k = nv; k < D; ++k) ST(T, outr, k, exp((acc)LD(T, xr, k) - m) * inv);
    }
}

inline void softmax_contig_row_backward(__global STYPE(T) *gxr, __global const STYPE(T) *gr,
                                        __global const STYPE(T) *yr, long D, int log_mode) {
    long nv = D & ~7L;
    accv sv = (accv)0;
    for (long k = 0; k < nv; k += 8) sv += log_mode ? VLOAD(gr, k) : VLOAD(gr, k) * VLOAD(yr, k);
    acc s = hsum8(sv);
    for (long k = nv; k < D; ++k) s += log_mode ? (acc)LD(T, gr, k) : (acc)LD(T, gr, k) * (acc)LD(T, yr, k);
    if (log_mode) {
        for (long k = 0; k < nv; k += 8) VSTORE(gxr, k, VLOAD(gr, k) - exp(VLOAD(yr, k)) * s);
        for (long k = nv; k < D; ++k) ST(T, gxr, k, (acc)LD(T, gr, k) - exp((acc)LD(T, yr, k)) * s);
    } else {
        for (long k = 0; k < nv; k += 8) VSTORE(gxr, k, VLOAD(yr, k) * (VLOAD(gr, k) - s));
        for (long k = nv; k < D; ++k) ST(T, gxr, k, (acc)LD(T, yr, k) * ((acc)LD(T, gr, k) - s));
    }
}

__kernel void softmax_rows(__global STYPE(T) *out, __global const STYPE(T) *x, long xoff, long outer,
                           long D, long inner, int log_mode) {
    long r = get_global_id(0);
    if (r >= outer * inner) return;
    long o = r / inner, i = r - o * inner;
    long base = o * D * inner + i;
    __global const STYPE(T) *xr = x + xoff;
    if (inner == 1) {
        softmax_contig_row(out + base, xr + base, D, log_mode);
        return;
    }
    acc m = -INFINITY;
    for (long k = 0; k < D; ++k) m = nan_max(m, (acc)LD(T, xr, base + k * inner));
    acc s = 0;
    for (long k = 0; k < D; ++k) s += exp((acc)LD(T, xr, base + k * inner) - m);
    if (log_mode) {
        acc ls = log(s);
        for (long k = 0; k < D; ++k) ST(T, out, base + k * inner, ((acc)LD(T, xr, base + k * inner) - m) - ls);
    } else {
        acc inv = (acc)1 / s;
        for (long k = 0; k < D; ++k) ST(T, out, base + k * inner, exp((acc)LD(T, xr, base + k * inner) - m) * inv);
    }
}

/* softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g). */
__kernel void softmax_rows_backward(__global STYPE(T) *gx, __global const STYPE(T) *g, long goff,
                                    __global const STYPE(T) *y, long yoff, long outer, long D, long inner,
                                    int log_mode) {
    long r = get_global_id(0);
    if (r >= outer * inner) return;
    long o = r / inner, i = r - o * inner;
    long base = o * D * inner + i;
    __global const STYPE(T) *gr = g + goff;
    __global const STYPE(T) *yr = y + yoff;
    if (inner == 1) {
        softmax_contig_row_backward(gx + base, gr + base, yr + base, D, log_mode);
        return;
    }
    acc s = 0;
    if (log_mode) {
        for (long k = 0; k < D; ++k) s += (acc)LD(T, gr, base + k * inner);
        for (long k = 0; k < D; ++k) {
            long e = base + k * inner;
            ST(T, gx, e, (acc)LD(T, gr, e) - exp((acc)LD(T, yr, e)) * s);
        }
    } else {
        for (long k = 0; k < D; ++k) s += (acc)LD(T, gr, base + k * inner) * (acc)LD(T, yr, base + k * inner);
        for (long k = 0; k < D; ++k) {
            long e = base + k * inner;
            ST(T, gx, e, (acc)LD(T, yr, e) * ((acc)LD(T, gr, e) - s));
        }
    }
}

/* inner > 1 on CPUs: work-item (o, c) handles the 8 neighbouring rows i = 8c..8c+7 as one vector
 * (each step k reads 8 adjacent elements); a partial last group falls back to scalars. */
__kernel void softmax_cols(__global STYPE(T) *out, __global const STYPE(T) *x, long xoff, long outer, long D,
                           long inner, int log_mode) {
    long groups = (inner + 7) / 8;
    long w = get_global_id(0);
    if (w >= outer * groups) return;
    long o = w / groups, i = (w - o * groups) * 8;
    long base = o * D * inner + i;
    __global const STYPE(T) *xr = x + xoff + base;
    __global STYPE(T) *outr = out + base;
    if (i + 8 > inner) {
        for (long c = 0; c < inner - i; ++c) {
            acc m = -INFINITY, s = 0;
            for (long k = 0; k < D; ++k) m = nan_max(m, (acc)LD(T, xr, k * inner + c));
            for (long k = 0; k < D; ++k) s += exp((acc)LD(T, xr, k * inner + c) - m);
            acc ls = log(s), inv = (acc)1 / s;
            for (long k = 0; k < D; ++k) {
                acc v = (acc)LD(T, xr, k * inner + c);
                ST(T, outr, k * inner + c, log_mode ? (v - m) - ls : exp(v - m) * inv);
            }
        }
        return;
    }
    accv m = VLOAD(xr, 0);
    for (long k = 1; k < D; ++k) {
        accv v = VLOAD(xr, k * inner);
        m = select(m, v, (v > m) | isnan(v));
    }
    accv s = (accv)0;
    for (long k = 0; k < D; ++k) s += exp(VLOAD(xr, k * inner) - m);
    if (log_mode) {
        accv ls = log(s);
        for (long k = 0; k < D; ++k) VSTORE(outr, k * inner, (VLOAD(xr, k * inner) - m) - ls);
    } else {
        accv inv = (accv)1 / s;
        for (long k = 0; k < D; ++k) VSTORE(outr, k * inner, exp(VLOAD(xr, k * inner) - m) * inv);
    }
}

__kernel void softmax_cols_backward(__global STYPE(T) *gx, __global const STYPE(T) *g, long goff,
                                    __global const STYPE(T) *y, long yoff, long outer, long D, long inner,
                                    int log_mode) {
    long groups = (inner + 7) / 8;
    long w = get_global_id(0);
    if (w >= outer * groups) return;
    long o = w / groups, i = (w - o * groups) * 8;
    long base = o * D * inner + i;
    __global const STYPE(T) *gr = g + goff + base;
    __global const STYPE(T) *yr = y + yoff + base;
    __global STYPE(T) *gxr = gx + base;
    if (i + 8 > inner) {
        for (long c = 0; c < inner - i; ++c) {
            acc s = 0;
            for (long k = 0; k < D; ++k) {
                long e = k * inner + c;
                s += log_mode ? (acc)LD(T, gr, e) : (acc)LD(T, gr, e) * (acc)LD(T, yr, e);
            }
            for (long k = 0; k < D; ++k) {
                long e = k * inner + c;
                acc gk = (acc)LD(T, gr, e), yk = (acc)LD(T, yr, e);
                ST(T, gxr, e, log_mode ? gk - exp(yk) * s : yk * (gk - s));
            }
        }
        return;
    }
    accv s = (accv)0;
    for (long k = 0; k < D; ++k) s += log_mode ? VLOAD(gr, k * inner) : VLOAD(gr, k * inner) * VLOAD(yr, k * inner);
    for (long k = 0; k < D; ++k) {
        accv gk = VLOAD(gr, k * inner), yk = VLOAD(yr, k * inner);
        VSTORE(gxr, k * inner, log_mode ? gk - exp(yk) * s : yk * (gk - s));
    }
}

/* Reduce v over the work-group (max when take_max, else sum); every lane gets the result. */
inline acc group_reduce(__local acc *buf, acc v, int take_max) {
    int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = SM_WG / 2; step > 0; step >>= 1) {
        if (lid < step) buf[lid] = take_max ? nan_max(buf[lid], buf[lid + step]) : buf[lid] + buf[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    acc result = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

/* One work-group per contiguous row (inner == 1); launched with exactly rows * SM_WG items. */
__kernel void softmax_group(__global STYPE(T) *out, __global const STYPE(T) *x, long xoff, long D,
                            int log_mode) {
    __local acc buf[SM_WG];
    long row = get_group_id(0);
    int lid = get_local_id(0);
    long base = row * D;
    __global const STYPE(T) *xr = x + xoff + base;
    acc m = -INFINITY;
    for (long k = lid; k < D; k += SM_WG) m = nan_max(m, (acc)LD(T, xr, k));
    m = group_reduce(buf, m, 1);
    acc s = 0;
    for (long k = lid; k < D; k += SM_WG) s += exp((acc)LD(T, xr, k) - m);
    s = group_reduce(buf, s, 0);
    if (log_mode) {
        acc ls = log(s);
        for (long k = lid; k < D; k += SM_WG) ST(T, out, base + k, ((acc)LD(T, xr, k) - m) - ls);
    } else {
        acc inv = (acc)1 / s;
        for (long k = lid; k < D; k += SM_WG) ST(T, out, base + k, exp((acc)LD(T, xr, k) - m) * inv);
    }
}

__kernel void softmax_group_backward(__global STYPE(T) *gx, __global const STYPE(T) *g, long goff,
                                     __global const STYPE(T) *y, long yoff, long D, int log_mode) {
    __local acc buf[SM_WG];
    long row = get_group_id(0);
    int lid = get_local_id(0);
    long base = row * D;
    __global const STYPE(T) *gr = g + goff + base;
    __global const STYPE(T) *yr = y + yoff + base;
    acc s = 0;
    for (long k = lid; k < D; k += SM_WG)
        s += log_mode ? (acc)LD(T, gr, k) : (acc)LD(T, gr, k) * (acc)LD(T, yr, k);
    s = group_reduce(buf, s, 0);
    for (long k = lid; k < D; k += SM_WG) {
        acc gk = (acc)LD(T, gr, k), yk = (acc)LD(T, yr, k);
        ST(T, gx, base + k, log_mode ? gk - exp(yk) * s : yk * (gk - s));
    }
}
