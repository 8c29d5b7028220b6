/* Vector fast paths of reduce.cl for dense data, included after the reduction states.
 *
 * Row blocks (HAS_BLOCK): BLOCK unit-stride elements of one output as 8-wide vectors.
 * Column blocks (HAS_COLBLOCK, column mode): 16 neighbouring outputs as one vector,
 * CBLOCK reduced steps at a time.
 * Sums add each block plainly and fold it in with one compensated add per lane;
 * max/min fold a block's lanes into the state as ordinary elements.
 */
#ifndef CLT_REDUCE_VEC_H
#define CLT_REDUCE_VEC_H

#define LDV_f32(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_f64(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_f16(n, p, i) CLT_CAT(vload_half, n)(0, (p) + (i))
#define LDV_i64(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_i32(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_i16(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_i8(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_u8(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
#define LDV_b8(n, p, i) CLT_CAT(vload, n)(0, (p) + (i))
/* n elements of A from p + i, converted to the n-wide vector of the scalar type token T. */
#define LOADV(T, n, p, i) CLT_CAT(convert_, CLT_CAT(T, n))(CLT_CAT(LDV_, A)(n, p, i))

#if KIND(CT) == 2 && (defined(RED_SUM) || defined(RED_VAR)) && !defined(PRE_NZ) && !defined(PRE_POW)
#define VEC_SUM
#define VT WIDE(CT)
#elif (defined(RED_MAX) || defined(RED_MIN) || defined(RED_ARGMAX) || defined(RED_ARGMIN)) && \
    !defined(PRE_SQ) && !defined(PRE_POW)
#define VEC_EXTREME
#define VT CTYPE(CT)
/* VBEAT: the lane-wise winner (NaN wins); SBEAT: the same for scalars. */
#if KIND(CT) == 2 && (defined(RED_MAX) || defined(RED_ARGMAX))
#define VBEAT(v, x) select((v), (x), ((x) > (v)) | ((x) != (x)))
#define SBEAT(v, x) ((x) > (v) || (x) != (x) ? (x) : (v))
#elif KIND(CT) == 2
#define VBEAT(v, x) select((v), (x), ((x) < (v)) | ((x) != (x)))
#define SBEAT(v, x) ((x) < (v) || (x) != (x) ? (x) : (v))
#elif defined(RED_MAX) || defined(RED_ARGMAX)
#define VBEAT(v, x) max((v), (x))
#define SBEAT(v, x) max((v), (x))
#else
#define VBEAT(v, x) min((v), (x))
#define SBEAT(v, x) min((v), (x))
#endif
#elif defined(RED_ALL) || defined(RED_ANY)
#define VEC_LOGIC
#define VT CTYPE(CT)
#elif defined(RED_LSE)
#define VEC_LSE
#define VT WIDE(CT)
#endif

#ifdef VT
#define HAS_BLOCK
#define BLOCK 64
typedef CLT_CAT(VT, 8) vec8;
#define LOAD8(p, i) LOADV(VT, 8, p, i)

#if defined(VEC_SUM) || defined(VEC_LSE)
inline WIDE(CT) hsum8(vec8 v) {
    return ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
}
#endif

/* st_add_block(st, a, off, r, shift, param): the BLOCK elements at off, of reduced indices r... */
#if defined(RED_SUM) && defined(VEC_SUM)
inline void st_add_block(state_t *st, __global const STYPE(A) *a, long off, long r, acc_t shift, pt param) {
    vec8 s = PRE(LOAD8(a, off));
    for (int k = 8; k < BLOCK; k += 8) s += PRE(LOAD8(a, off + k));
    sum_add(st, hsum8(s));
}
/* Long unit-stride runs of a sum: BIGBLOCK elements in four independent 8-wide chains (each lane
 * still adds only 16 elements plainly) and one compensated add, so the adds' latency is hidden. */
#define HAS_BIGBLOCK
#define BIGBLOCK 512
inline void st_add_bigblock(state_t *st, __global const STYPE(A) *a, long off) {
    vec8 s0 = PRE(LOAD8(a, off)), s1 = PRE(LOAD8(a, off + 8));
    vec8 s2 = PRE(LOAD8(a, off + 16)), s3 = PRE(LOAD8(a, off + 24));
    for (int k = 32; k < BIGBLOCK; k += 32) {
        s0 += PRE(LOAD8(a, off + k));
        s1 += PRE(LOAD8(a, off + k + 8));
        s2 += PRE(LOAD8(a, off + k + 16));
        s3 += PRE(LOAD8(a, off + k + 24));
    }
    sum_add(st, hsum8((s0 + s1) + (s2 + s3)));
}
#elif defined(VEC_SUM)
inline void st_add_block(state_t *st, __global const STYPE(A) *a, long off, long r, acc_t shift, pt param) {
    vec8 d = LOAD8(a, off) - shift;
    vec8 s = d, s2 = d * d;
    for (int k = 8; k < BLOCK; k += 8) {
        d = LOAD8(a, off + k) - shift;
        s += d;
        s2 += d * d;
    }
    sum_add(&st->d, hsum8(s));
    sum_add(&st->d2, hsum8(s2));
}
#elif defined(VEC_EXTREME) && (defined(RED_MAX) || defined(RED_MIN))
inline void st_add_block(state_t *st, __global const STYPE(A) *a, long off, long r, acc_t shift, pt param) {
    vec8 m = PRE(LOAD8(a, off));
    for (int k = 8; k < BLOCK; k += 8) m = VBEAT(m, PRE(LOAD8(a, off + k)));
    CLT_CAT(VT, 4) m4 = VBEAT(m.lo, m.hi);
    CLT_CAT(VT, 2) m2 = VBEAT(m4.lo, m4.hi);
    st_add(st, SBEAT(m2.lo, m2.hi), 0);
}
#elif defined(VEC_EXTREME)
/* Only a block whose extreme beats the state so far is searched for its first index. */
inline void st_add_block(state_t *st, __global const STYPE(A) *a, long off, long r, acc_t shift, pt param) {
    vec8 m = LOAD8(a, off);
    for (int k = 8; k < BLOCK; k += 8) m = VBEAT(m, LOAD8(a, off + k));
    CLT_CAT(VT, 4) m4 = VBEAT(m.lo, m.hi);
    CLT_CAT(VT, 2) m2 = VBEAT(m4.lo, m4.hi);
    ct best = SBEAT(m2.lo, m2.hi);
    if (!beats(best, r, st->v, st->i)) return;
    int nan = ISNAN(best);
    for (int e = 0; e < BLOCK; ++e) {
        ct x = LOADC(a, off + e);
        if (nan ? ISNAN(x) : x == best) {
            st->v = x;
            st->i = r + e;
            return;
        }
    }
}
#elif defined(VEC_LOGIC)
inline void st_add_block(state_t *st, __global const STYPE(A) *a, long off, long r, acc_t shift, pt param) {
#ifdef RED_ALL
    int acc = 1;
    for (int k = 0; k < BLOCK; k += 8) acc &= all(LOAD8(a, off + k) != (vec8)0);
#else
    int acc = 0;
    for (int k = 0; k < BLOCK; k += 8) acc |= any(LOAD8(a, off + k) != (vec8)0);
#endif
    st_add(st, acc, 0);
}
#else
/* Log-sum-exp: shift the state to the block's max, then add the block's exps as vectors.
 * Blocks whose max is not finite (infinities, all -inf or NaN) go element by element. */
inline void st_add_block(state_t *st, __global const STYPE(A) *a, long off, long r, acc_t shift, pt param) {
    vec8 m = LOAD8(a, off);
    for (int k = 8; k < BLOCK; k += 8) m = fmax(m, LOAD8(a, off + k));
    acc_t top = fmax(st->m, fmax(fmax(fmax(m.s0, m.s1), fmax(m.s2, m.s3)), fmax(fmax(m.s4, m.s5), fmax(m.s6, m.s7))));
    if (!isfinite(top)) {
        for (int e = 0; e < BLOCK; ++e) st_add(st, (acc_t)LOADC(a, off + e), r + e);
        return;
    }
    st->s = st->m == top ? st->s : st->s * exp(st->m - top);
    st->m = top;
    vec8 s = exp(LOAD8(a, off) - top);
    for (int k = 8; k < BLOCK; k += 8) s += exp(LOAD8(a, off + k) - top);
    st->s += hsum8(s);
}
#endif

#if defined(COLS) && COLS % 16 == 0 && (defined(VEC_SUM) || defined(RED_MAX) || defined(RED_MIN))
#define HAS_COLBLOCK
#define CBLOCK 16
typedef CLT_CAT(VT, 16) vec16;
#define LOAD16(p, i) LOADV(VT, 16, p, i)
/* Columns [16q, 16q + 16) for q < nq, CBLOCK reduced steps of stride step from p. */
#if defined(RED_SUM) && defined(VEC_SUM)
inline void st_add_colblock(state_t *st, int nq, __global const STYPE(A) *a, long p, long step, const acc_t *sh,
                            pt param) {
    acc_t t[16];
    if (nq == COLS / 16) { /* a full group: row by row, all its vectors in registers */
        vec16 s[COLS / 16];
#pragma unroll
        for (int q = 0; q < COLS / 16; ++q) s[q] = PRE(LOAD16(a, p + q * 16));
        for (int k = 1; k < CBLOCK; ++k) {
#pragma unroll
            for (int q = 0; q < COLS / 16; ++q) s[q] += PRE(LOAD16(a, p + k * step + q * 16));
        }
        for (int q = 0; q < COLS / 16; ++q) {
            vstore16(s[q], 0, t);
            for (int j = 0; j < 16; ++j) sum_add(&st[q * 16 + j], t[j]);
        }
        return;
    }
    for (int q = 0; q < nq; ++q) {
        long pq = p + q * 16;
        vec16 s = PRE(LOAD16(a, pq));
        for (int k = 1; k < CBLOCK; ++k) s += PRE(LOAD16(a, pq + k * step));
        vstore16(s, 0, t);
        for (int j = 0; j < 16; ++j) sum_add(&st[q * 16 + j], t[j]);
    }
}
#elif defined(VEC_SUM)
inline void st_add_colblock(state_t *st, int nq, __global const STYPE(A) *a, long p, long step, const acc_t *sh,
                            pt param) {
    for (int q = 0; q < nq; ++q) {
        long pq = p + q * 16;
        vec16 m = vload16(q, sh);
        vec16 d = LOAD16(a, pq) - m;
        vec16 s = d, s2 = d * d;
        for (int k = 1; k < CBLOCK; ++k) {
            d = LOAD16(a, pq + k * step) - m;
            s += d;
            s2 += d * d;
        }
        acc_t t[16], t2[16];
        vstore16(s, 0, t);
        vstore16(s2, 0, t2);
        for (int j = 0; j < 16; ++j) {
            sum_add(&st[q * 16 + j].d, t[j]);
            sum_add(&st[q * 16 + j].d2, t2[j]);
        }
    }
}
#else
inline void st_add_colblock(state_t *st, int nq, __global const STYPE(A) *a, long p, long step, const acc_t *sh,
                            pt param) {
    for (int q = 0; q < nq; ++q) {
        long pq = p + q * 16;
        vec16 m = PRE(LOAD16(a, pq));
        for (int k = 1; k < CBLOCK; ++k) m = VBEAT(m, PRE(LOAD16(a, pq + k * step)));
        ct t[16];
        vstore16(m, 0, t);
        for (int j = 0; j < 16; ++j) st_add(&st[q * 16 + j], t[j], 0);
    }
}
#endif
#endif
#endif

#endif
