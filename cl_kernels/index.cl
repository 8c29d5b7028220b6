/* Index kernels: advanced-indexing offsets, gather/scatter along one dimension,
 * masked fills, stream compaction (nonzero, masked_select, masked_scatter),
 * a min/max of index tensors and one_hot.
 *
 * -D IDX: tag of an index tensor (i64 or i32); A: tag of the data read;
 * OUT: tag of the data written; M: tag of a mask (b8 or u8).
 * A bad index is never dereferenced: the kernel stores `code` into err[0]
 * and skips the element; the host reads the flag once and raises IndexError.
 * "size < 0" means the index was checked before (it is a ready offset). */
#include "common.h"

/* v wrapped into [0, size) (negative values count from the end when wrap),
 * or -1 when out of range. */
inline long clt_checked_index(long v, long size, int wrap) {
    if (size < 0) return v;
    if (wrap && v < 0) v += size;
    return (v >= 0 && v < size) ? v : -1;
}

#ifdef IDX
/* lin[i] (+)= wrap(idx[i]) * stride: the element offset advanced indices add.
 * Operands: 0 lin (dense int64), 1 idx (broadcast). */
__kernel void index_offsets(__global long *lin, __global const STYPE(IDX) *idx, long size, long stride,
                            int first, int code, __global int *err, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    long v = clt_checked_index((long)LD(IDX, idx, off[1]), size, 1);
    if (v < 0) {
        err[0] = code;
        v = 0;
    }
    lin[off[0]] = (first ? 0 : lin[off[0]]) + v * stride;
}

/* Flag index values outside [0, size) (after wrapping when wrap). Operand: 0 idx. */
__kernel void index_check(__global const STYPE(IDX) *idx, long size, int wrap, int code, __global int *err,
                          layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[1];
    clt_offsets(&L, i, 1, off);
    if (clt_checked_index((long)LD(IDX, idx, off[0]), size, wrap) < 0) err[0] = code;
}

#if defined(OUT) && defined(A)
/* out[i] = src[base + idx[i] * stride] (gather, index_select, take, getitem).
 * Operands: 0 out, 1 src (stride 0 along the indexed dimension), 2 idx. */
__kernel void gather_along(__global STYPE(OUT) *out, __global const STYPE(A) *src,
                           __global const STYPE(IDX) *idx, long size, long stride, int wrap, int code,
                           __global int *err, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[3];
    clt_offsets(&L, i, 3, off);
    long v = clt_checked_index((long)LD(IDX, idx, off[2]), size, wrap);
    if (v < 0) {
        err[0] = code;
        return;
    }
    ST(OUT, out, off[0], LD(A, src, off[1] + v * stride));
}

/* The same for whole rows: out[r, c] = src[src_off + idx[idx_off + r * idx_st] * stride + c]
 * for dense rows of `inner` elements (x[idx], index_select of a dense tensor).
 * Each work-item copies `span` consecutive elements of one row. */
__kernel void gather_rows(__global STYPE(OUT) *out, long out_off, __global const STYPE(A) *src, long src_off,
                          __global const STYPE(IDX) *idx, long idx_off, long idx_st, long inner, long span,
                          long size, long stride, int wrap, int code, __global int *err, long n) {
    long g = get_global_id(0);
    if (g >= n) return;
    long per_row = (inner + span - 1) / span;
    long r = g / per_row;
    long c0 = (g - r * per_row) * span;
    long v = clt_checked_index((long)LD(IDX, idx, idx_off + r * idx_st), size, wrap);
    if (v < 0) {
        err[0] = code;
        return;
    }
    long from = src_off + v * stride, to = out_off + r * inner;
    long end = min(inner, c0 + span);
    for (long c = c0; c < end; ++c) ST(OUT, out, to + c, LD(A, src, from + c));
}

/* dst[base + idx[i] * stride] = src[i] (scatter_, index_copy_, setitem).
 * Operands: 0 dst (stride 0 along the indexed dimension), 1 src, 2 idx. */
__kernel void scatter_along(__global STYPE(OUT) *dst, __global const STYPE(A) *src,
                            __global const STYPE(IDX) *idx, long size, long stride, int wrap, int code,
                            __global int *err, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[3];
    clt_offsets(&L, i, 3, off);
    long v = clt_checked_index((long)LD(IDX, idx, off[2]), size, wrap);
    if (v < 0) {
        err[0] = code;
        return;
    }
    ST(OUT, dst, off[0] + v * stride, LD(A, src, off[1]));
}
#endif

#ifdef OUT
/* dst[base + idx[i] * stride] = value (scatter_ with a value, index_fill_, setitem).
 * Operands: 0 dst (stride 0 along the indexed dimension), 1 idx. */
__kernel void scatter_fill_along(__global STYPE(OUT) *dst, __global const STYPE(IDX) *idx, CTYPE(OUT) value,
                                 long size, long stride, int wrap, int code, __global int *err, layout_t L,
                                 long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    long v = clt_checked_index((long)LD(IDX, idx, off[1]), size, wrap);
    if (v < 0) {
        err[0] = code;
        return;
    }
    ST(OUT, dst, off[0] + v * stride, value);
}

/* out[i, c] = (idx[i] == c) for c < classes; out is dense [n / classes, classes]. */
__kernel void one_hot(__global STYPE(OUT) *out, __global const STYPE(IDX) *idx, long classes, long n) {
    long g = get_global_id(0);
    if (g >= n) return;
    long i = g / classes;
    ST(OUT, out, g, (long)LD(IDX, idx, i) == g - i * classes ? 1 : 0);
}
#endif

/* part[2c], part[2c+1] = min and max of the dense idx[c*chunk, (c+1)*chunk). */
__kernel void index_minmax_chunks(__global long *part, __global const STYPE(IDX) *idx, long n, long chunk,
                                  long chunks) {
    long c = get_global_id(0);
    if (c >= chunks) return;
    long lo = LONG_MAX, hi = LONG_MIN;
    long end = min(n, (c + 1) * chunk);
    for (long i = c * chunk; i < end; ++i) {
        long v = (long)LD(IDX, idx, i);
        lo = min(lo, v);
        hi = max(hi, v);
    }
    part[2 * c] = lo;
    part[2 * c + 1] = hi;
}
#endif

/* Fold the per-chunk minima and maxima into part[0], part[1] (one work-item). */
__kernel void index_minmax_final(__global long *part, long chunks) {
    if (get_global_id(0) != 0) return;
    long lo = part[0], hi = part[1];
    for (long c = 1; c < chunks; ++c) {
        lo = min(lo, part[2 * c]);
        hi = max(hi, part[2 * c + 1]);
    }
    part[0] = lo;
    part[1] = hi;
}

#if defined(OUT) && defined(M)
/* out[i] = value where mask[i]. Operands: 0 out, 1 mask (broadcast). */
__kernel void masked_fill(__global STYPE(OUT) *out, __global const STYPE(M) *mask, CTYPE(OUT) value,
                          layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    if (LD(M, mask, off[1])) ST(OUT, out, off[0], value);
}

#ifdef A
/* out[i] = src[i] where mask[i]. Operands: 0 out, 1 mask, 2 src (both broadcast). */
__kernel void masked_copy(__global STYPE(OUT) *out, __global const STYPE(M) *mask, __global const STYPE(A) *src,
                          layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[3];
    clt_offsets(&L, i, 3, off);
    if (LD(M, mask, off[1])) ST(OUT, out, off[0], LD(A, src, off[2]));
}
#endif
#endif

/* -- stream compaction: flags, an exclusive scan, then a scattering pass ------------ */

#ifdef A
/* pos[i] = (a[i] != 0). Operands: 0 pos (dense int64), 1 a. */
__kernel void flag_nonzero(__global long *pos, __global const STYPE(A) *a, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    pos[off[0]] = LD(A, a, off[1]) != 0 ? 1 : 0;
}
#endif

/* sums[c] = pos[c*chunk] + ... + pos[(c+1)*chunk - 1]. */
__kernel void scan_chunk_sums(__global long *sums, __global const long *pos, long n, long chunk, long chunks) {
    long c = get_global_id(0);
    if (c >= chunks) return;
    long s = 0;
    long end = min(n, (c + 1) * chunk);
    for (long i = c * chunk; i < end; ++i) s += pos[i];
    sums[c] = s;
}

/* Exclusive scan of sums[0..chunks) in place; sums[chunks] = the total (one work-item). */
__kernel void scan_chunk_totals(__global long *sums, long chunks) {
    if (get_global_id(0) != 0) return;
    long run = 0;
    for (long c = 0; c < chunks; ++c) {
        long s = sums[c];
        sums[c] = run;
        run += s;
    }
    sums[chunks] = run;
}

/* Turn each chunk of pos into its exclusive prefix sum, offset by the chunk's base. */
__kernel void scan_chunk_apply(__global long *pos, __global const long *sums, long n, long chunk, long chunks) {
    long c = get_global_id(0);
    if (c >= chunks) return;
    long run = sums[c];
    long end = min(n, (c + 1) * chunk);
    for (long i = c * chunk; i < end; ++i) {
        long f = pos[i];
        pos[i] = run;
        run += f;
    }
}

/* Whether element i was flagged, read back from the scanned positions. */
inline int clt_flagged(__global const long *pos, long i, long n, long total) {
    return ((i + 1 < n) ? pos[i + 1] : total) != pos[i];
}

/* flat[pos[i]] = i for every flagged i (nonzero's linear indices). */
__kernel void compact_indices(__global long *flat, __global const long *pos, __global const long *sums,
                              long chunks, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    if (clt_flagged(pos, i, n, sums[chunks])) flat[pos[i]] = i;
}

/* out[p * ps + d * ds] = (flat[p] / div) % size: coordinate d of nonzero's p-th element. */
__kernel void unravel_column(__global long *out, __global const long *flat, long ps, long ds, long d, long div,
                             long size, long n) {
    long p = get_global_id(0);
    if (p >= n) return;
    out[p * ps + d * ds] = (flat[p] / div) % size;
}

#if defined(OUT) && defined(A)
/* out[pos[i]] = src[i] for flagged i (masked_select).
 * Operands: 0 src (broadcast), 1 pos (dense; its offset is the linear index). */
__kernel void compact_values(__global STYPE(OUT) *out, __global const STYPE(A) *src, __global const long *pos,
                             __global const long *sums, long chunks, long total_n, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    if (clt_flagged(pos, off[1], total_n, sums[chunks])) ST(OUT, out, pos[off[1]], LD(A, src, off[0]));
}

/* dst[i] = src[pos[i]] for flagged i (masked_scatter_); src is dense with src_n elements.
 * Operands: 0 dst, 1 pos (dense; its offset is the linear index). */
__kernel void expand_values(__global STYPE(OUT) *dst, __global const STYPE(A) *src, __global const long *pos,
                            __global const long *sums, long chunks, long total_n, long src_n, __global int *err,
                            layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    if (!clt_flagged(pos, off[1], total_n, sums[chunks])) return;
    long p = pos[off[1]];
    if (p >= src_n) {
        err[0] = 1;
        return;
    }
    ST(OUT, dst, off[0], LD(A, src, p));
}
#endif

/* Unique's outputs from scanned run flags: starts[u] = where run u begins;
 * inverse[perm[i]] = the run of sorted element i (perm is the identity when !has_perm). */
__kernel void run_starts_scatter(__global long *starts, __global long *inverse, __global const long *perm,
                                 __global const long *pos, __global const long *sums, long chunks, int has_inverse,
                                 int has_perm, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    int f = clt_flagged(pos, i, n, sums[chunks]);
    long p = pos[i];
    if (f) starts[p] = i;
    if (has_inverse) inverse[has_perm ? perm[i] : i] = p + f - 1;
}

/* counts[u] = length of run u, from the run starts (runs cover [0, n)). */
__kernel void run_lengths(__global long *counts, __global const long *starts, long runs, long n) {
    long u = get_global_id(0);
    if (u >= runs) return;
    counts[u] = ((u + 1 < runs) ? starts[u + 1] : n) - starts[u];
}
