/* Reductions. Output element o reduces the input elements reached from its base
 * offset (kept dims' strides) through the reduced dims' strides.
 *
 * -D A, CT, OUT: input tag, the tag values are converted to, output tag.
 * -D RED_<op>: SUM PROD MAX MIN ARGMAX ARGMIN ALL ANY LSE VAR.
 * -D PRE_<f>: map each element first: ABS SQ POW (|x|^param) NZ (x != 0).
 * -D POST_<f>: finish a SUM or VAR: MEAN (/n) SQRT ROOT (^(1/param)).
 *
 * reduce_full: one work-item per output walks all its elements.
 * reduce_partial + reduce_combine: long reductions are cut into chunks whose
 * states are combined, in chunk order, by a second small pass. On CPUs a
 * work-item walks one contiguous chunk (no barriers); on GPUs
 * (CLT_VARIANT_GPU) a work-group shares a chunk with interleaved, coalesced
 * lanes and merges its lanes with a local-memory tree.
 */
#include "common.h"

typedef CTYPE(CT) ct;

typedef WIDE(CT) acc_t;

#if KIND(CT) == 2
typedef acc_t pt;
#else
typedef float pt;
#endif

#define LOWEST_f32 (-INFINITY)
#define LOWEST_f64 (-INFINITY)
#define LOWEST_f16 (-INFINITY)
#define LOWEST_i64 LONG_MIN
#define LOWEST_i32 INT_MIN
#define LOWEST_i16 SHRT_MIN
#define LOWEST_i8 SCHAR_MIN
#define LOWEST_u8 0
#define LOWEST_b8 0
#define HIGHEST_f32 INFINITY
#define HIGHEST_f64 INFINITY
#define HIGHEST_f16 INFINITY
#define HIGHEST_i64 LONG_MAX
#define HIGHEST_i32 INT_MAX
#define HIGHEST_i16 SHRT_MAX
#define HIGHEST_i8 SCHAR_MAX
#define HIGHEST_u8 UCHAR_MAX
#define HIGHEST_b8 1

/* Kept dims (which output) and reduced dims (which elements), coalesced on the host. */
typedef struct {
    long kshape[MAXDIM];
    long kstride[MAXDIM];
    long rshape[MAXDIM];
    long rstride[MAXDIM];
    long kndim, rndim, offset, nout, nred, chunk, nchunks, ngroups;
} red_t;

/* -- the element map ------------------------------------------------------ */
#if defined(PRE_ABS) && KIND(CT) == 2
#define PRE(x) fabs(x)
#elif defined(PRE_ABS)
#define PRE(x) ((x) < (ct)0 ? -(x) : (x))
#elif defined(PRE_SQ)
#define PRE(x) ((x) * (x))
#elif defined(PRE_POW)
#define PRE(x) pow(fabs(x), param)
#else
#define PRE(x) (x)
#endif

#define LOADC(p, off) ((ct)LD(A, p, off))

#if KIND(CT) == 2
#define ISNAN(x) ((x) != (x))
#else
#define ISNAN(x) 0
#endif

/* -- reduction states: st_init, st_add (element x at reduced index r), st_merge, st_store -- */
#if defined(RED_SUM) || defined(RED_VAR)

#define ELEM_T acc_t
#ifdef RED_SUM
#ifdef PRE_NZ
#define ELEM(p, off, sh) ((acc_t)(LD(A, p, off) != 0))
#else
#define ELEM(p, off, sh) ((acc_t)PRE(LOADC(p, off)))
#endif
#else
#define ELEM(p, off, sh) ((acc_t)LOADC(p, off) - (sh))
#endif

#if KIND(CT) == 2
/* Neumaier-compensated sum; c is only added back while s is finite (c turns NaN after an inf). */
typedef struct { acc_t s, c; } sum_t;
inline sum_t sum_init(void) { sum_t z = {(acc_t)0, (acc_t)0}; return z; }
inline void sum_add(sum_t *a, acc_t x) {
    acc_t t = a->s + x;
    a->c += fabs(a->s) >= fabs(x) ? (a->s - t) + x : (x - t) + a->s;
    a->s = t;
}
inline sum_t sum_merge(sum_t a, sum_t b) { sum_add(&a, b.s); a.c += b.c; return a; }
inline acc_t sum_value(sum_t a) { return isfinite(a.s) ? a.s + a.c : a.s; }
#else
/* Integer sums wrap around like torch's int64 sums. */
typedef struct { acc_t s; } sum_t;
inline sum_t sum_init(void) { sum_t z = {0}; return z; }
inline void sum_add(sum_t *a, acc_t x) { a->s = (acc_t)((ulong)a->s + (ulong)x); }
inline sum_t sum_merge(sum_t a, sum_t b) { sum_add(&a, b.s); return a; }
inline acc_t sum_value(sum_t a) { return a.s; }
#endif

#if defined(POST_MEAN)
#define POST(v) ((v) / (acc_t)nred)
#elif defined(POST_SQRT)
#define POST(v) sqrt(v)
#elif defined(POST_ROOT)
#define POST(v) pow((v), (acc_t)1 / param)
#else
#define POST(v) (v)
#endif

#ifdef RED_SUM
typedef sum_t state_t;
inline state_t st_init(void) { return sum_init(); }
inline void st_add(state_t *st, acc_t x, long r) { sum_add(st, x); }
inline state_t st_merge(state_t a, state_t b) { return sum_merge(a, b); }
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    acc_t v = sum_value(st);
    ST(OUT, out, o, POST(v));
}
#else
/* Two-pass variance: elements arrive shifted by their output's mean; the sum of the
 * shifted values corrects for the mean's rounding. param is the correction. */
typedef struct { sum_t d, d2; } state_t;
inline state_t st_init(void) { state_t z = {sum_init(), sum_init()}; return z; }
inline void st_add(state_t *st, acc_t x, long r) { sum_add(&st->d, x); sum_add(&st->d2, x * x); }
inline state_t st_merge(state_t a, state_t b) {
    a.d = sum_merge(a.d, b.d);
    a.d2 = sum_merge(a.d2, b.d2);
    return a;
}
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    acc_t n = (acc_t)nred, s1 = sum_value(st.d);
    acc_t m2 = sum_value(st.d2) - s1 * s1 / n;
    m2 = m2 < (acc_t)0 ? (acc_t)0 : m2;
    acc_t v = m2 / fmax(n - param, (acc_t)0);
    ST(OUT, out, o, POST(v));
}
#endif

#elif defined(RED_PROD)

#define ELEM(p, off, sh) ((acc_t)LOADC(p, off))
#define ELEM_T acc_t
#if KIND(CT) == 2
/* Compensated product: c collects each multiplication's exact rounding error (fma). */
typedef struct { acc_t p, c; } state_t;
inline state_t st_init(void) { state_t z = {(acc_t)1, (acc_t)0}; return z; }
inline void st_add(state_t *st, acc_t x, long r) {
    acc_t t = st->p * x;
    st->c = st->c * x + fma(st->p, x, -t);
    st->p = t;
}
inline state_t st_merge(state_t a, state_t b) {
    acc_t t = a.p * b.p;
    state_t z = {t, fma(a.p, b.p, -t) + a.p * b.c + a.c * b.p};
    return z;
}
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    ST(OUT, out, o, isfinite(st.p) ? st.p + st.c : st.p);
}
#else
typedef struct { acc_t p; } state_t;
inline state_t st_init(void) { state_t z = {(acc_t)1}; return z; }
inline void st_add(state_t *st, acc_t x, long r) { st->p = (acc_t)((ulong)st->p * (ulong)x); }
inline state_t st_merge(state_t a, state_t b) { st_add(&a, b.p, 0); return a; }
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    ST(OUT, out, o, st.p);
}
#endif

#elif defined(RED_MAX) || defined(RED_MIN)

/* NaN wins, as in torch. */
#define ELEM(p, off, sh) ((ct)PRE(LOADC(p, off)))
#define ELEM_T ct
#ifdef RED_MAX
#define BEATS(x, v) ((x) > (v) || ISNAN(x))
#define START CLT_CAT(LOWEST_, CT)
#else
#define BEATS(x, v) ((x) < (v) || ISNAN(x))
#define START CLT_CAT(HIGHEST_, CT)
#endif
typedef struct { ct v; } state_t;
inline state_t st_init(void) { state_t z = {(ct)START}; return z; }
inline void st_add(state_t *st, ct x, long r) { if (BEATS(x, st->v)) st->v = x; }
inline state_t st_merge(state_t a, state_t b) { st_add(&a, b.v, 0); return a; }
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    ST(OUT, out, o, st.v);
}

#elif defined(RED_ARGMAX) || defined(RED_ARGMIN)

/* (value, index); index -1 is the empty state. NaN beats numbers; ties keep the lower index. */
#define ELEM(p, off, sh) LOADC(p, off)
#define ELEM_T ct
typedef struct { ct v; long i; } state_t;
inline int beats(ct x, long ix, ct v, long iv) {
    if (iv < 0) return 1;
    if (ix < 0) return 0;
    int xn = ISNAN(x), vn = ISNAN(v);
    if (vn) return xn && ix < iv;
    if (xn) return 1;
#ifdef RED_ARGMAX
    if (x > v) return 1;
#else
    if (x < v) return 1;
#endif
    return x == v && ix < iv;
}
inline state_t st_init(void) { state_t z = {(ct)0, -1}; return z; }
inline void st_add(state_t *st, ct x, long r) {
    if (beats(x, r, st->v, st->i)) { st->v = x; st->i = r; }
}
inline state_t st_merge(state_t a, state_t b) { st_add(&a, b.v, b.i); return a; }
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    ST(OUT, out, o, st.v);
    out2[o] = st.i;
}

#elif defined(RED_ALL) || defined(RED_ANY)

#define ELEM(p, off, sh) (LD(A, p, off) != 0)
#define ELEM_T int
typedef struct { int v; } state_t;
#ifdef RED_ALL
inline state_t st_init(void) { state_t z = {1}; return z; }
inline void st_add(state_t *st, int x, long r) { st->v = st->v && x; }
#else
inline state_t st_init(void) { state_t z = {0}; return z; }
inline void st_add(state_t *st, int x, long r) { st->v = st->v || x; }
#endif
inline state_t st_merge(state_t a, state_t b) { st_add(&a, b.v, 0); return a; }
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    ST(OUT, out, o, st.v);
}

#elif defined(RED_LSE)

/* Online log-sum-exp: m is the running max, s the sum of exp(x - m). */
#define ELEM(p, off, sh) ((acc_t)LOADC(p, off))
#define ELEM_T acc_t
typedef struct { acc_t m, s; } state_t;
inline state_t st_init(void) { state_t z = {(acc_t)-INFINITY, (acc_t)0}; return z; }
inline void st_add(state_t *st, acc_t x, long r) {
    if (x > st->m) {
        st->s = st->s * exp(st->m - x) + (acc_t)1;
        st->m = x;
    } else {
        st->s += x == st->m ? (acc_t)1 : exp(x - st->m);
    }
}
inline acc_t lse_scale(acc_t s, acc_t m, acc_t top) { return m == top ? s : s * exp(m - top); }
inline state_t st_merge(state_t a, state_t b) {
    acc_t top = fmax(a.m, b.m);
    state_t z = {top, lse_scale(a.s, a.m, top) + lse_scale(b.s, b.m, top)};
    return z;
}
inline void st_store(state_t st, __global STYPE(OUT) *out, __global long *out2, long o, long nred, pt param) {
    ST(OUT, out, o, st.m + log(st.s));
}

#endif

#include "reduce_vec.h"

/* The host allocates 32 bytes per chunk state. */
typedef char state_fits_32_bytes[sizeof(state_t) <= 32 ? 1 : -1];

#if defined(RED_VAR)
#define SHIFT(o) aux[o]
#else
#define SHIFT(o) ((acc_t)0)
#endif

/* -- walking the input ---------------------------------------------------- */
inline long base_offset(const red_t *R, long o) {
    long off = R->offset;
    for (int d = (int)R->kndim - 1; d >= 0; --d) {
        long q = o / R->kshape[d];
        off += (o - q * R->kshape[d]) * R->kstride[d];
        o = q;
    }
    return off;
}

/* The odometer over the reduced dims: idx and *off start at reduced index r ... */
inline void odo_start(const red_t *R, long r, long *idx, long *off) {
    for (int d = (int)R->rndim - 1; d >= 0; --d) {
        long s = R->rshape[d];
        idx[d] = r % s;
        r /= s;
        *off += idx[d] * R->rstride[d];
    }
}

/* ... and move to the start of the next innermost run once a run is finished. */
inline void odo_next_run(const red_t *R, long *idx, long *off) {
    int in = (int)R->rndim - 1;
    *off -= idx[in] * R->rstride[in];
    idx[in] = 0;
    for (int d = in - 1; d >= 0; --d) {
        idx[d] += 1;
        *off += R->rstride[d];
        if (idx[d] < R->rshape[d]) return;
        *off -= idx[d] * R->rstride[d];
        idx[d] = 0;
    }
}

/* Add reduced elements [r0, r1) of the output at base. UNROLL independent lanes hide
 * each lane's dependency chain. Floating sums use plain lanes flushed, as one
 * compensated add, every SEG elements; other lanes are full states merged at the end. */
#define UNROLL 8
#if KIND(CT) == 2 && defined(RED_SUM)
#define PLAIN_LANES
#define SEG 64
typedef acc_t lane_t;
inline lane_t lane_init(void) { return (acc_t)0; }
inline void lane_add(lane_t *l, acc_t x, long r) { *l += x; }
inline void lanes_flush(state_t *st, lane_t *u) {
    sum_add(st, ((u[0] + u[1]) + (u[2] + u[3])) + ((u[4] + u[5]) + (u[6] + u[7])));
}
#elif KIND(CT) == 2 && defined(RED_VAR)
#define PLAIN_LANES
#define SEG 64
typedef struct { acc_t d, d2; } lane_t;
inline lane_t lane_init(void) { lane_t z = {(acc_t)0, (acc_t)0}; return z; }
inline void lane_add(lane_t *l, acc_t x, long r) { l->d += x; l->d2 += x * x; }
inline void lanes_flush(state_t *st, lane_t *u) {
    sum_add(&st->d, ((u[0].d + u[1].d) + (u[2].d + u[3].d)) + ((u[4].d + u[5].d) + (u[6].d + u[7].d)));
    sum_add(&st->d2, ((u[0].d2 + u[1].d2) + (u[2].d2 + u[3].d2)) + ((u[4].d2 + u[5].d2) + (u[6].d2 + u[7].d2)));
}
#else
#define SEG LONG_MAX
typedef state_t lane_t;
inline lane_t lane_init(void) { return st_init(); }
inline void lane_add(lane_t *l, ELEM_T x, long r) { st_add(l, x, r); }
inline void lanes_flush(state_t *st, lane_t *u) {
    for (int j = 0; j < UNROLL; ++j) *st = st_merge(*st, u[j]);
}
#endif

inline void walk(state_t *st, __global const STYPE(A) *a, const red_t *R, long base, long r0, long r1,
                 acc_t shift, pt param) {
    if (r0 >= r1) return;
    long idx[MAXDIM], off = base;
    odo_start(R, r0, idx, &off);
    int in = (int)R->rndim - 1;
    long inner_n = R->rshape[in], inner_s = R->rstride[in];
    lane_t u[UNROLL];
    for (int j = 0; j < UNROLL; ++j) u[j] = lane_init();
    for (long r = r0; r < r1; odo_next_run(R, idx, &off)) {
        long run = min(inner_n - idx[in], r1 - r), k = 0;
#ifdef HAS_BLOCK
        if (inner_s == 1) {
#ifdef HAS_BIGBLOCK
            for (; k + BIGBLOCK <= run; k += BIGBLOCK) st_add_bigblock(st, a, off + k);
#endif
            for (; k + BLOCK <= run; k += BLOCK) st_add_block(st, a, off + k, r + k, shift, param);
        }
#endif
        while (k < run) {
            long seg = min(run - k, (long)SEG), e = 0;
            for (; e + UNROLL <= seg; e += UNROLL) {
                for (int j = 0; j < UNROLL; ++j) {
                    long i = k + e + j;
                    lane_add(&u[j], ELEM(a, off + i * inner_s, shift), r + i);
                }
            }
            for (; e < seg; ++e) lane_add(&u[0], ELEM(a, off + (k + e) * inner_s, shift), r + k + e);
            k += seg;
#ifdef PLAIN_LANES
            lanes_flush(st, u);
            for (int j = 0; j < UNROLL; ++j) u[j] = lane_init();
#endif
        }
        r += run;
    }
#ifndef PLAIN_LANES
    lanes_flush(st, u);
#endif
}

#ifdef COLS
/* Column mode (CPUs, when neighbouring outputs are closer in memory than neighbouring
 * reduced elements): a work-item reduces COLS consecutive outputs of the innermost kept
 * dim at once, so each step reads COLS neighbouring elements. */
inline void group_outputs(const red_t *R, long g, long *o0, int *nv) {
    long kin = R->kshape[R->kndim - 1];
    long per_row = (kin + COLS - 1) / COLS;
    long row = g / per_row, gi = g - row * per_row;
    *o0 = row * kin + gi * COLS;
    *nv = (int)min((long)COLS, kin - gi * COLS);
}

/* Columns [j0, j1) of the group take their element of reduced index r. */
inline void add_cols(state_t *st, int j0, int j1, __global const STYPE(A) *a, long p, long ks, const acc_t *sh,
                     long r, pt param) {
    for (int j = j0; j < j1; ++j) st_add(&st[j], ELEM(a, p + j * ks, sh[j]), r);
}

inline void walk_cols(state_t *st, int nv, __global const STYPE(A) *a, const red_t *R, long base, long r0,
                      long r1, const acc_t *sh, pt param) {
    if (r0 >= r1) return;
    long idx[MAXDIM], off = base;
    odo_start(R, r0, idx, &off);
    int in = (int)R->rndim - 1;
    long inner_n = R->rshape[in], inner_s = R->rstride[in], ks = R->kstride[R->kndim - 1];
#ifdef HAS_COLBLOCK
    int nq = ks == 1 ? nv / 16 : 0; /* 16-column vectors; the columns past them go one by one */
#endif
    for (long r = r0; r < r1; odo_next_run(R, idx, &off)) {
        long run = min(inner_n - idx[in], r1 - r), k = 0;
#ifdef HAS_COLBLOCK
        for (; nq > 0 && k + CBLOCK <= run; k += CBLOCK) {
            st_add_colblock(st, nq, a, off + k * inner_s, inner_s, sh, param);
            for (long e = k; e < k + CBLOCK; ++e) add_cols(st, nq * 16, nv, a, off + e * inner_s, ks, sh, r + e, param);
        }
#endif
        for (; k < run; ++k) add_cols(st, 0, nv, a, off + k * inner_s, ks, sh, r + k, param);
        r += run;
    }
}

/* Reduce [r0, r1) of the output group g; store finished values or chunk states. */
inline void reduce_group(__global STYPE(OUT) *out, __global long *out2, __global state_t *part, long slot,
                         __global const STYPE(A) *a, __global const acc_t *aux, const red_t *R, long g,
                         long r0, long r1, pt param) {
    long o0;
    int nv;
    group_outputs(R, g, &o0, &nv);
    state_t st[COLS];
    acc_t sh[COLS];
    for (int j = 0; j < COLS; ++j) {
        st[j] = st_init();
        sh[j] = j < nv ? SHIFT(o0 + j) : (acc_t)0;
    }
    walk_cols(st, nv, a, R, base_offset(R, o0), r0, r1, sh, param);
    for (int j = 0; j < nv; ++j) {
        if (part) part[slot + o0 + j] = st[j];
        else st_store(st[j], out, out2, o0 + j, R->nred, param);
    }
}
#endif

__kernel void reduce_full(__global STYPE(OUT) *out, __global long *out2, __global const STYPE(A) *a,
                          __global const acc_t *aux, red_t R, pt param) {
#ifdef COLS
    long g = get_global_id(0);
    if (g >= R.ngroups) return;
    reduce_group(out, out2, 0, 0, a, aux, &R, g, 0, R.nred, param);
#else
    long o = get_global_id(0);
    if (o >= R.nout) return;
    state_t st = st_init();
    walk(&st, a, &R, base_offset(&R, o), 0, R.nred, SHIFT(o), param);
    st_store(st, out, out2, o, R.nred, param);
#endif
}

#ifndef CLT_VARIANT_GPU
/* Work-item g reduces chunk c of one output (or column group) into part[c * nout + o]. */
__kernel void reduce_partial(__global state_t *part, __global const STYPE(A) *a, __global const acc_t *aux,
                             red_t R, pt param) {
    long g = get_global_id(0);
    if (g >= R.ngroups * R.nchunks) return;
    long c = g / R.ngroups, o = g - c * R.ngroups;
    long r0 = c * R.chunk;
    long r1 = min(r0 + R.chunk, R.nred);
#ifdef COLS
    reduce_group(0, 0, part, c * R.nout, a, aux, &R, o, r0, r1, param);
#else
    state_t st = st_init();
    walk(&st, a, &R, base_offset(&R, o), r0, r1, SHIFT(o), param);
    part[g] = st;
#endif
}
#else
inline long reduced_offset(const red_t *R, long r) {
    long off = 0;
    for (int d = (int)R->rndim - 1; d >= 0; --d) {
        long q = r / R->rshape[d];
        off += (r - q * R->rshape[d]) * R->rstride[d];
        r = q;
    }
    return off;
}

/* Work-group g reduces chunk g / nout of output g % nout into part[g]. The host
 * sets RED_WG to its work-group size; larger groups fold into RED_WG slots first. */
__kernel void reduce_partial(__global state_t *part, __global const STYPE(A) *a, __global const acc_t *aux,
                             red_t R, pt param) {
    __local state_t scratch[RED_WG];
    long g = get_group_id(0);
    if (g >= R.nout * R.nchunks) return; /* the whole group leaves together */
    int lid = (int)get_local_id(0), wg = (int)get_local_size(0);
    int slots = min(wg, RED_WG);
    long o = g % R.nout, c = g / R.nout;
    long r0 = c * R.chunk;
    long r1 = min(r0 + R.chunk, R.nred);
    long base = base_offset(&R, o);
    acc_t shift = SHIFT(o);
    state_t st = st_init();
    if (R.rndim == 1) {
        for (long r = r0 + lid; r < r1; r += wg) st_add(&st, ELEM(a, base + r * R.rstride[0], shift), r);
    } else {
        for (long r = r0 + lid; r < r1; r += wg) st_add(&st, ELEM(a, base + reduced_offset(&R, r), shift), r);
    }
    for (int k = 0; k * slots < wg; ++k) {
        if (lid / slots == k) scratch[lid % slots] = k == 0 ? st : st_merge(scratch[lid % slots], st);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    /* Round s merges slot lid + s into lid for lids that are multiples of 2s: the slot
     * read is never one written in the same round, and any slot count works. */
    for (int s = 1; s < slots; s <<= 1) {
        if ((lid & (2 * s - 1)) == 0 && lid + s < slots) scratch[lid] = st_merge(scratch[lid], scratch[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) part[g] = scratch[0];
}
#endif

/* Output o merges its chunk states in chunk order and finishes. */
__kernel void reduce_combine(__global STYPE(OUT) *out, __global long *out2, __global const state_t *part,
                             red_t R, pt param) {
    long o = get_global_id(0);
    if (o >= R.nout) return;
    state_t st = part[o];
    for (long c = 1; c < R.nchunks; ++c) st = st_merge(st, part[c * R.nout + o]);
    st_store(st, out, out2, o, R.nred, param);
}
