/* Fused cross entropy of (N, C) scores against class-index targets.
 *
 * x is dense row-major (row n at xoff + n * C); targets are dense longs.
 * -D T: dtype tag (f32 f64); sums run in WIDE(T).
 * Forward writes aux[n] = logsumexp(x[n]) for the backward, and:
 *   ce_forward_rows:   out[n] = lse - x[n, t] (0 where t == ignore), reduction 'none';
 *   ce_forward_reduce: one work-group of CE_WG lanes sums the rows (and counts the
 *                      kept ones, stored in aux[N]); out[0] = sum, or sum / count (mean).
 * A target outside [0, C) (and not ignore) sets err[0] and counts as ignored.
 * ce_backward: gx[n, k] = scale_n * (exp(x[n, k] - lse[n]) - (k == t)), scale_n = g[n * gstride]
 *   times 1 / aux[N] for the mean, 0 for ignored rows.
 */
#include "common.h"

typedef WIDE(T) acc;

#define CE_WG 64

/* lse of one row; its loss (lse - x[t]) in *loss, and whether it counts (1) or not (0). */
inline acc ce_row(__global const STYPE(T) *xr, long C, long t, long ignore, __global int *err,
                  acc *loss) {
    acc m = -INFINITY;
    for (long k = 0; k < C; ++k) {
        acc v = (acc)LD(T, xr, k);
        m = (v > m || isnan(v)) ? v : m;
    }
    acc s = 0;
    for (long k = 0; k < C; ++k) s += exp((acc)LD(T, xr, k) - m);
    acc lse = m + log(s);
    *loss = 0;
    if (t == ignore) return lse;
    if (t < 0 || t >= C) {
        err[0] = 1;
        return lse;
    }
    *loss = lse - (acc)LD(T, xr, t);
    return lse;
}

__kernel void ce_forward_rows(__global STYPE(T) *out, __global STYPE(T) *aux, __global const STYPE(T) *x,
                              long xoff, __global const long *tgt, long toff, long N, long C, long ignore,
                              __global int *err) {
    long n = get_global_id(0);
    if (n >= N) return;
    acc loss;
    acc lse = ce_row(x + xoff + n * C, C, tgt[toff + n], ignore, err, &loss);
    ST(T, aux, n, lse);
    ST(T, out, n, loss);
}

__kernel void ce_forward_reduce(__global STYPE(T) *out, __global STYPE(T) *aux, __global const STYPE(T) *x,
                                long xoff, __global const long *tgt, long toff, long N, long C, long ignore,
                                __global int *err, int mean) {
    __local acc lsum[CE_WG];
    __local acc lcnt[CE_WG];
    int lid = get_local_id(0);
    acc sum = 0, cnt = 0;
    for (long n = lid; n < N; n += CE_WG) {
        long t = tgt[toff + n];
        acc loss;
        acc lse = ce_row(x + xoff + n * C, C, t, ignore, err, &loss);
        ST(T, aux, n, lse);
        sum += loss;
        cnt += (t != ignore && t >= 0 && t < C) ? 1 : 0;
    }
    lsum[lid] = sum;
    lcnt[lid] = cnt;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = CE_WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            lsum[lid] += lsum[lid + s];
            lcnt[lid] += lcnt[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        ST(T, aux, N, lcnt[0]);
        ST(T, out, 0, mean ? lsum[0] / lcnt[0] : lsum[0]);
    }
}

__kernel void ce_backward(__global STYPE(T) *gx, __global const STYPE(T) *g, long goff, long gstride,
                          __global const STYPE(T) *aux, __global const STYPE(T) *x, long xoff,
                          __global const long *tgt, long toff, long N, long C, long ignore, int mean) {
    long i = get_global_id(0);
    if (i >= N * C) return;
    long n = i / C, k = i - n * C;
    long t = tgt[toff + n];
    if (t == ignore || t < 0 || t >= C) {
        ST(T, gx, i, 0);
        return;
    }
    acc scale = (acc)LD(T, g, goff + n * gstride);
    if (mean) scale /= (acc)LD(T, aux, N);
    acc p = exp((acc)LD(T, x, xoff + i) - (acc)LD(T, aux, n));
    ST(T, gx, i, scale * (p - (k == t ? (acc)1 : (acc)0)));
}
