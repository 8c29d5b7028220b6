/* Embedding lookups, bags, max_norm renormalisation and the weight gradient.
 *
 * -D T: weight dtype tag; -D IDX: index dtype tag (i64 or i32); -D OFF: offsets tag.
 * The weight is read through (offset, row stride, column stride); indices,
 * offsets and per-sample weights are dense. A bad index is never dereferenced:
 * the kernel stores a code into err[0] and the host raises.
 *
 * The weight gradient accumulates without atomics: the indices are sorted
 * (stably) first, and the first work-item of each run of equal indices sums
 * that run in its original order, so repeated indices give deterministic sums. */
#include "common.h"

typedef CTYPE(T) ct;
typedef WIDE(T) acc_t;

/* out[r, j] = weight[idx[r], j]; work-item r * D + j. */
__kernel void embedding_fwd(__global STYPE(T) *out, __global const STYPE(T) *w, long wo, long ws0, long ws1,
                            __global const STYPE(IDX) *idx, long io, long V, long D, __global int *err, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / D, j = i - r * D;
    long v = (long)LD(IDX, idx, io + r);
    if (v < 0 || v >= V) {
        err[0] = 1;
        ST(T, out, i, 0);
        return;
    }
    ST(T, out, i, LD(T, w, wo + v * ws0 + j * ws1));
}

/* gw[k, j] = sum over the run of sorted keys equal to k of g[perm[q], j] (divided by the
 * run length when scale), for k in [0, V) other than pad; work-item p * D + j. Rows no key
 * names keep the zeros gw was filled with. */
__kernel void embedding_bwd(__global STYPE(T) *gw, __global const STYPE(T) *g, long go, long gs0, long gs1,
                            __global const long *keys, __global const long *perm, long N, long D, long V, long pad,
                            int scale, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long p = i / D, j = i - p * D;
    long k = keys[p];
    if ((p > 0 && keys[p - 1] == k) || k < 0 || k >= V || k == pad) return;
    acc_t acc = (acc_t)0;
    long q = p;
    for (; q < N && keys[q] == k; ++q) acc += (acc_t)LD(T, g, go + perm[q] * gs0 + j * gs1);
    if (scale) acc /= (acc_t)(q - p);
    ST(T, gw, k * D + j, acc);
}

#if KIND(T) == 2
/* max_norm: rows named by the sorted keys whose norm_type-norm exceeds max_norm are scaled
 * by max_norm / (norm + 1e-7) in place; one work-item per distinct row. */
__kernel void embedding_renorm(__global STYPE(T) *w, long wo, long ws0, long ws1, __global const long *keys,
                               long V, long D, ct max_norm, ct norm_type, long n) {
    long p = get_global_id(0);
    if (p >= n) return;
    long k = keys[p];
    if ((p > 0 && keys[p - 1] == k) || k < 0 || k >= V) return;
    __global STYPE(T) *row = w + wo + k * ws0;
    acc_t acc = (acc_t)0;
    for (long j = 0; j < D; ++j) {
        acc_t a = fabs((acc_t)LD(T, row, j * ws1));
        if (isinf(norm_type)) acc = fmax(acc, a);
        else if (norm_type == (ct)0) acc += (a != (acc_t)0);
        else if (norm_type == (ct)1) acc += a;
        else if (norm_type == (ct)2) acc += a * a;
        else acc += pow(a, (acc_t)norm_type);
    }
    acc_t norm = acc;
    if (norm_type == (ct)2) norm = sqrt(acc);
    else if (!isinf(norm_type) && norm_type != (ct)0 && norm_type != (ct)1) norm = pow(acc, (acc_t)1 / (acc_t)norm_type);
    if (norm <= (acc_t)max_norm) return;
    acc_t s = (acc_t)max_norm / (norm + (acc_t)1e-7);
    for (long j = 0; j < D; ++j) ST(T, row, j * ws1, (acc_t)LD(T, row, j * ws1) * s);
}
#endif

/* Bags: bag b covers positions [offsets[b], offsets[b + 1]) (the last one up to N unless
 * include_last_offset made offsets one longer). mode 0 sum (times per-sample weights
 * when has_psw), 1 mean, 2 max; padding positions are skipped and empty bags give 0.
 * Work-item b * D + j. For max, key[b, j] = argmax row * D + j (-1 for empty bags),
 * the flat weight element the gradient goes to. Work-items with j == 0 also write, per
 * position of the bag, its bag (B for padding: a zero row of the padded gradient) and
 * the coefficient its weight row got (per-sample weight, 1 or 1 / count). Codes: 1 bad
 * index, 2 offsets[0] != 0, 3 offsets decreasing or past N. */
#ifdef OFF
__kernel void embedding_bag_fwd(__global STYPE(T) *out, __global long *key, __global long *bag_of,
                                __global STYPE(T) *coef, __global const STYPE(T) *w, long wo, long ws0, long ws1,
                                __global const STYPE(IDX) *idx, long io, __global const STYPE(OFF) *offsets, long oo,
                                long n_off, __global const STYPE(T) *psw, long po, int has_psw, long N, long B,
                                long D, long V, long pad, int mode, __global int *err, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long b = i / D, j = i - b * D;
    long start = (long)LD(OFF, offsets, oo + b);
    long end = b + 1 < n_off ? (long)LD(OFF, offsets, oo + b + 1) : N;
    if (b == 0 && start != 0) err[0] = 2;
    if (start < 0 || end < start || end > N) {
        err[0] = 3;
        ST(T, out, i, 0);
        if (mode == 2) key[i] = -1;
        return;
    }
    acc_t acc = (acc_t)0;
    ct best = (ct)0;
    long arg = -1, cnt = 0;
    for (long k = start; k < end; ++k) {
        long v = (long)LD(IDX, idx, io + k);
        if (v < 0 || v >= V) {
            err[0] = 1;
            continue;
        }
        if (v == pad) continue;
        ct x = LD(T, w, wo + v * ws0 + j * ws1);
        if (mode == 2) {
            if (cnt == 0 || x > best) {
                best = x;
                arg = v;
            }
        } else {
            acc += (acc_t)(has_psw ? x * (ct)LD(T, psw, po + k) : x);
        }
        ++cnt;
    }
    if (mode == 2) {
        ST(T, out, i, cnt ? best : (ct)0);
        key[i] = cnt ? arg * D + j : -1;
    } else {
        ST(T, out, i, (mode == 1 && cnt) ? acc / (acc_t)cnt : acc);
    }
    if (j != 0) return;
    for (long k = start; k < end; ++k) {
        long v = (long)LD(IDX, idx, io + k);
        int skip = v < 0 || v >= V || v == pad;
        bag_of[k] = skip ? B : b;
        ct c = has_psw ? (ct)LD(T, psw, po + k) : (mode == 1 ? (ct)1 / (ct)cnt : (ct)1);
        ST(T, coef, k, skip ? (ct)0 : c);
    }
}
#endif
