/* Sorting kernels: a bitonic network over rows padded to a power of two,
 * binary searches in sorted rows (searchsorted, and the scatter reductions
 * that find their sources in a sorted index), and unique's run flags.
 *
 * -D T: tag of the keys; OUT, A: tags of the data written and read;
 * CT: tag the reductions add/multiply in; RED: sum, mean, prod, amax or amin.
 *
 * Keys travel with their original position (int64). Ties are broken by
 * position, so the order is total, the network's result is unique and every
 * sort is stable. Positions >= n mark padding and always sort last. NaN is
 * larger than any number (last ascending, first descending), as in torch. */
#include "common.h"

typedef CTYPE(T) kt;

/* Whether key a (at position ia) comes strictly before key b (at position ib). */
inline int clt_before(kt a, long ia, kt b, long ib, long n, int desc) {
    if (ia >= n || ib >= n) return ia < ib;
#if KIND(T) == 2
    int an = isnan(a), bn = isnan(b);
    if (an || bn) return (an && bn) ? ia < ib : (desc ? an : bn);
#endif
    if (a == b) return ia < ib;
    return desc ? a > b : a < b;
}

/* a < b in the ascending order above (NaN largest, NaNs equal to each other). */
inline int clt_less(kt a, kt b) {
    return clt_before(a, 1, b, 0, 2, 0);
}

/* pos[g] = g % P: each padded row starts as the identity. */
__kernel void sort_init_positions(__global long *pos, long P, long total) {
    long g = get_global_id(0);
    if (g >= total) return;
    pos[g] = g % P;
}

/* Compare-exchange keys[a] and keys[b] (a < b): ascending blocks put the
 * earlier key first, descending blocks the later one. */
inline void clt_exchange(__global STYPE(T) *keys, __global long *pos, long a, long b, int ascending, long n,
                         int desc) {
    kt ka = LD(T, keys, a), kb = LD(T, keys, b);
    long pa = pos[a], pb = pos[b];
    int swap = ascending ? clt_before(kb, pb, ka, pa, n, desc) : clt_before(ka, pa, kb, pb, n, desc);
    if (swap) {
        ST(T, keys, a, kb);
        ST(T, keys, b, ka);
        pos[a] = pb;
        pos[b] = pa;
    }
}

/* One step (block size k, distance j = 1 << lj) of the bitonic network on every
 * row; one work-item per pair. Rows are dense and P = 1 << lp apart. */
__kernel void bitonic_step(__global STYPE(T) *keys, __global long *pos, int lp, long n, long k, int lj, int desc,
                           long pairs) {
    long g = get_global_id(0);
    if (g >= pairs) return;
    long row = g >> (lp - 1);
    long t = g - (row << (lp - 1));
    long i = ((t >> lj) << (lj + 1)) + (t & ((1L << lj) - 1));
    long a = (row << lp) + i;
    clt_exchange(keys, pos, a, a + (1L << lj), (i & k) == 0, n, desc);
}

/* The steps of distance j < C for every block size k in [k_lo, k_hi] (all steps
 * when k <= C), on one chunk of C = 1 << lc keys per work-item: the chunk stays
 * in cache and one launch replaces log2(C) of bitonic_step. C divides P.
 * A block runs descending where (its index & k & dmask) != 0: dmask = -1 is the
 * full network, dmask = C - 1 sorts every chunk ascending (for merge_runs). */
__kernel void bitonic_chunk(__global STYPE(T) *keys, __global long *pos, int lp, long n, int lc, long k_lo,
                            long k_hi, long dmask, int desc, long chunks) {
    long c = get_global_id(0);
    if (c >= chunks) return;
    long base = c << lc;
    long in_row = base & ((1L << lp) - 1);
    long pairs = 1L << (lc - 1);
    for (long k = k_lo; k <= k_hi; k <<= 1) {
        int lj = (k < (1L << lc) ? 63 - clz(k) : lc) - 1;
        for (; lj >= 0; --lj) {
            long j = 1L << lj;
            for (long t = 0; t < pairs; ++t) {
                long li = ((t >> lj) << (lj + 1)) + (t & (j - 1));
                clt_exchange(keys, pos, base + li, base + li + j, ((in_row + li) & k & dmask) == 0, n, desc);
            }
        }
    }
}

/* Merge sorted runs of length L pairwise (runs 2b and 2b+1, rows P apart and L
 * dividing P) from (ka, pa) into (kb, pb); the CPU variant's alternative to the
 * later bitonic steps, O(P) per pass. Each work-item writes E consecutive
 * outputs (E divides 2L); it finds where its inputs start by a binary search
 * along its merge-path diagonal. Ties take the left run first: stable. */
__kernel void merge_runs(__global const STYPE(T) *ka, __global const long *pa, __global STYPE(T) *kb,
                         __global long *pb, long n, long L, long E, int desc, long items) {
    long g = get_global_id(0);
    if (g >= items) return;
    long start = g * E;
    long a0 = start - start % (2 * L);
    long b0 = a0 + L;
    long d = start - a0;
    long lo = max(0L, d - L), hi = min(d, L);
    while (lo < hi) {
        long mid = (lo + hi) >> 1;
        long bj = b0 + d - 1 - mid;
        if (clt_before(LD(T, ka, a0 + mid), pa[a0 + mid], LD(T, ka, bj), pa[bj], n, desc)) lo = mid + 1;
        else hi = mid;
    }
    long i = a0 + lo, j = b0 + d - lo;
    /* Heads stay in registers; an exhausted run's head gets position LONG_MAX,
     * which sorts after everything (see clt_before). */
    kt x = LD(T, ka, min(i, b0 - 1)), y = LD(T, ka, min(j, b0 + L - 1));
    long px = i < b0 ? pa[i] : LONG_MAX, py = j < b0 + L ? pa[j] : LONG_MAX;
    for (long e = start; e < start + E; ++e) {
        if (!clt_before(y, py, x, px, n, desc)) {
            ST(T, kb, e, x);
            pb[e] = px;
            if (++i < b0) {
                x = LD(T, ka, i);
                px = pa[i];
            } else {
                px = LONG_MAX;
            }
        } else {
            ST(T, kb, e, y);
            pb[e] = py;
            if (++j < b0 + L) {
                y = LD(T, ka, j);
                py = pa[j];
            } else {
                py = LONG_MAX;
            }
        }
    }
}

/* First p in a sorted row (stride s, length m) with !(row[p] < v). */
inline long clt_lower_bound(__global const STYPE(T) *row, long m, long s, kt v) {
    long lo = 0, hi = m;
    while (lo < hi) {
        long mid = (lo + hi) >> 1;
        if (clt_less(LD(T, row, mid * s), v)) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* First p in a sorted row with v < row[p]. */
inline long clt_upper_bound(__global const STYPE(T) *row, long m, long s, kt v) {
    long lo = 0, hi = m;
    while (lo < hi) {
        long mid = (lo + hi) >> 1;
        if (clt_less(v, LD(T, row, mid * s))) hi = mid; else lo = mid + 1;
    }
    return lo;
}

/* Unique's run flags on sorted dense keys: pos[i] = (i == 0 || keys[i] != keys[i-1]).
 * NaNs never compare equal, so each stays separate, as in torch. */
__kernel void flag_run_starts(__global long *pos, __global const STYPE(T) *keys, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    pos[i] = (i == 0 || (kt)LD(T, keys, i) != (kt)LD(T, keys, i - 1)) ? 1 : 0;
}

/* The same for slices of width w of dense data [S, w], visited in the order perm
 * (identity when !has_perm): pos[i] = slice perm[i] differs from slice perm[i-1]. */
__kernel void flag_slice_starts(__global long *pos, __global const STYPE(T) *data, __global const long *perm,
                                int has_perm, long w, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    if (i == 0) {
        pos[0] = 1;
        return;
    }
    long a = (has_perm ? perm[i] : i) * w, b = (has_perm ? perm[i - 1] : i - 1) * w;
    long differ = 0;
    for (long c = 0; c < w && !differ; ++c) differ = (kt)LD(T, data, a + c) != (kt)LD(T, data, b + c);
    pos[i] = differ;
}

#ifdef OUT
/* searchsorted: out[i] = the first p with !(row[p] < v) (right: with v < row[p]),
 * reading row[sorter[p]] when has_sorter. Values and sequence share the tag T.
 * Operands: 0 out, 1 values, 2 row base of seq and of sorter (both dense alike). */
__kernel void search_sorted(__global STYPE(OUT) *out, __global const STYPE(T) *values,
                            __global const STYPE(T) *seq, __global const long *sorter, int has_sorter, long m,
                            long s, int right, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[3];
    clt_offsets(&L, i, 3, off);
    kt v = LD(T, values, off[1]);
    long lo = 0, hi = m;
    while (lo < hi) {
        long mid = (lo + hi) >> 1;
        long at = off[2] + (has_sorter ? sorter[off[2] + mid * s] : mid) * s;
        kt x = LD(T, seq, at);
        if (right ? !clt_less(v, x) : clt_less(x, v)) lo = mid + 1; else hi = mid;
    }
    ST(OUT, out, off[0], lo);
}
#endif

#if defined(OUT) && defined(A) && defined(CT) && defined(RED)
typedef CTYPE(CT) ct;

#define RED_sum(x, y) ((x) + (y))
#define RED_mean(x, y) ((x) + (y))
#define RED_prod(x, y) ((x) * (y))
#if KIND(CT) == 2
#define RED_amax(x, y) ((x) != (x) ? (x) : ((y) != (y) ? (y) : ((x) > (y) ? (x) : (y))))
#define RED_amin(x, y) ((x) != (x) ? (x) : ((y) != (y) ? (y) : ((x) < (y) ? (x) : (y))))
#else
#define RED_amax(x, y) ((x) > (y) ? (x) : (y))
#define RED_amin(x, y) ((x) < (y) ? (x) : (y))
#endif
#define REDUCE(x, y) CLT_CAT(RED_, RED)(x, y)

/* Scatter reductions without atomics (scatter_add_, scatter_reduce_, index_add_,
 * bincount): one work-item per element of self finds the sources aimed at it by
 * binary search in its row of the sorted index and folds them in their original
 * order, so results are deterministic and match a sequential loop. Cost: an
 * O(K log^2 K) sort per index row, then O(log K + sources) per element.
 * Operands: 0 out (self), 1 src row base, 2 row base of keys and perm, 3 the
 * element's coordinate along the scattered dimension (stride 1 there, else 0). */
__kernel void scatter_reduce_sorted(__global STYPE(OUT) *out, __global const STYPE(A) *src,
                                    __global const STYPE(T) *keys, __global const long *perm, long K, long ks,
                                    long ss, ct alpha, int include_self, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[4];
    clt_offsets(&L, i, 4, off);
    __global const STYPE(T) *row = keys + off[2];
    long lo = clt_lower_bound(row, K, ks, (kt)off[3]);
    long hi = clt_upper_bound(row, K, ks, (kt)off[3]);
    if (lo == hi) return;
    long p = lo;
    ct acc;
    if (include_self) {
        acc = (ct)LD(OUT, out, off[0]);
    } else {
        acc = alpha * (ct)LD(A, src, off[1] + perm[off[2] + p * ks] * ss);
        ++p;
    }
    for (; p < hi; ++p) acc = REDUCE(acc, alpha * (ct)LD(A, src, off[1] + perm[off[2] + p * ks] * ss));
#if defined(RED_IS_MEAN)
    ct count = (ct)(hi - lo + (include_self ? 1 : 0));
#if KIND(CT) == 2
    acc = acc / count;
#else
    ct q = acc / count;
    if ((acc % count != (ct)0) && ((acc < (ct)0) != (count < (ct)0))) q -= (ct)1;
    acc = q;
#endif
#endif
    ST(OUT, out, off[0], acc);
}
#endif

#if defined(OUT) && defined(A) && defined(CT) && defined(ACCUMULATE_RUNS)
typedef CTYPE(CT) act;

/* index_put_(accumulate=True): keys are the sorted element offsets of the
 * advanced indices and perm their original order. The first element of each
 * run of equal offsets adds the whole run, in original order, to its
 * destination; the others do nothing, so there are no atomics and no races.
 * vals is dense [nb, w]. Operands: 0 dst (stride 0 along the run dimension),
 * 1 column of vals (the same), 2 p, the sorted position (stride 1 there, else 0). */
__kernel void accumulate_runs(__global STYPE(OUT) *dst, __global const STYPE(A) *vals,
                              __global const STYPE(T) *keys, __global const long *perm, long nb, long w,
                              layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[3];
    clt_offsets(&L, i, 3, off);
    long p = off[2];
    long key = (long)LD(T, keys, p);
    if (p > 0 && (long)LD(T, keys, p - 1) == key) return;
    act acc = (act)LD(OUT, dst, off[0] + key);
    for (long q = p; q < nb && (long)LD(T, keys, q) == key; ++q) acc += (act)LD(A, vals, perm[q] * w + off[1]);
    ST(OUT, dst, off[0] + key, acc);
}
#endif
