/* Batched GEMM: C[b] = alpha * A[b] @ B[b] + beta * C[b].
 *
 * -D DT: the dtype tag of A, B and C (f32 f64 f16 i64 i32 i16 i8 u8); the
 * arithmetic runs in CTYPE(DT) (float for f16). Every operand is read through
 * arbitrary element strides (row, column and up to MAXDIM batch dimensions,
 * stride 0 broadcasts), so transposed and sliced views need no copy. When
 * beta is 0, C is only written, never read (NaN in C does not propagate).
 *
 * Two configurations, chosen by the runtime's CLT_VARIANT_* define:
 *   CPU  gemm_cpu - no local memory, no barriers: each work-item keeps RM
 *                   rows x NV vectors (VW wide) of C in registers, streaming
 *                   NV vectors of one row of B (vector loads when B's column
 *                   stride is 1) and RM scalars of A per step of k. The host
 *                   packs B into contiguous column panels (NV * VW wide) for
 *                   large problems; RM and NV come from a per-device tuning.
 *        gemm_dot - for A and B both contiguous along k (x @ w.t(), matrix @
 *                   vector): each work-item computes DR x DC outputs (4 x 4 by
 *                   default) as VW-wide partial dot products along k.
 *        Both use a 1-D launch; the tile index is decoded from the global id.
 *   GPU  gemm_gpu - 64x64 tiles of C per 16x16 work-group, each work-item 4x4
 *                   elements; A and B tiles of depth 16 staged in local memory.
 */
#include "common.h"

typedef CTYPE(DT) ct;

#define SIZE_f32 4
#define SIZE_f64 8
#define SIZE_f16 2
#define SIZE_i64 8
#define SIZE_i32 4
#define SIZE_i16 2
#define SIZE_i8 1
#define SIZE_u8 1
#define IS_HALF_f32 0
#define IS_HALF_f64 0
#define IS_HALF_f16 1
#define IS_HALF_i64 0
#define IS_HALF_i32 0
#define IS_HALF_i16 0
#define IS_HALF_i8 0
#define IS_HALF_u8 0

/* Vector width: 512 bits of the compute type (16 lanes for 1- and 2-byte types). */
#ifndef VW
#if CLT_CAT(SIZE_, DT) == 8
#define VW 8
#else
#define VW 16
#endif
#endif

typedef CLT_CAT(CTYPE(DT), VW) vec;

#if CLT_CAT(IS_HALF_, DT)
#define VLOAD(p, off) CLT_CAT(vload_half, VW)(0, (p) + (off))
#define VSTORE(v, p, off) CLT_CAT(vstore_half, VW)((v), 0, (p) + (off))
#else
#define VLOAD(p, off) CLT_CAT(vload, VW)(0, (p) + (off))
#define VSTORE(v, p, off) CLT_CAT(vstore, VW)((v), 0, (p) + (off))
#endif

/* acc + x * y: fused where the type is floating. */
#if KIND(DT) == 2
#define MAC(acc, x, y) mad((x), (y), (acc))
#else
#define MAC(acc, x, y) ((acc) + (x) * (y))
#endif

/* Shapes, strides (in elements) and batch layout of one launch. */
typedef struct {
    long M, N, K;
    long a_m, a_k, b_k, b_n, c_m, c_n;
    long tiles_m, tiles_n, nbatch, ndim;
    long shape[MAXDIM];
    long stride[3][MAXDIM]; /* batch strides of C, A, B */
    long offset[3];         /* element offsets of C, A, B */
} gemm_t;

/* Element offsets of C, A and B for batch index bi. */
inline void batch_offsets(const gemm_t *G, long bi, long *oc, long *oa, long *ob) {
    long c = G->offset[0], a = G->offset[1], b = G->offset[2];
    for (int d = (int)G->ndim - 1; d >= 0; --d) {
        long q = bi / G->shape[d];
        long i = bi - q * G->shape[d];
        c += i * G->stride[0][d];
        a += i * G->stride[1][d];
        b += i * G->stride[2][d];
        bi = q;
    }
    *oc = c;
    *oa = a;
    *ob = b;
}

/* C[m, n0 .. n0+VW) = alpha * v + beta * C for one row; columns past N are skipped. */
inline void store_row(__global STYPE(DT) *c, long pc, long c_n, long nleft, vec v, ct alpha, ct beta) {
    v = alpha * v;
    if (nleft >= VW && c_n == 1) {
        if (beta != (ct)0) v += beta * VLOAD(c, pc);
        VSTORE(v, c, pc);
        return;
    }
    ct tmp[VW];
    CLT_CAT(vstore, VW)(v, 0, tmp);
    for (int j = 0; j < VW && j < nleft; ++j) {
        ct x = tmp[j];
        if (beta != (ct)0) x += beta * (ct)LD(DT, c, pc + j * c_n);
        ST(DT, c, pc + j * c_n, x);
    }
}

/* Each build holds only its configuration's kernels (the runtime defines the variant). */
#ifndef CLT_VARIANT_GPU

/* ---- CPU configuration ------------------------------------------------- */
#ifndef RM
#define RM 6
#endif
#ifndef NV
#define NV 1         /* vectors of C per row of a work-item's tile: RM x (NV * VW) elements */
#endif

__kernel void gemm_cpu(__global STYPE(DT) *c, __global const STYPE(DT) *a, __global const STYPE(DT) *b,
                       ct alpha, ct beta, gemm_t G) {
    long id = get_global_id(0);
    long per = G.tiles_m * G.tiles_n;
    if (id >= per * G.nbatch) return;
    long bi = id / per;
    long t = id - bi * per;
    /* neighbouring work-items share one column panel of B (it stays in cache) */
    long tn = t / G.tiles_m;
    long tm = t - tn * G.tiles_m;
    long oc, oa, ob;
    batch_offsets(&G, bi, &oc, &oa, &ob);
    long m0 = tm * RM, n0 = tn * (NV * VW);
    const long K = G.K, a_k = G.a_k, b_k = G.b_k;

    long arow[RM];
    vec acc[RM][NV];
#pragma unroll
    for (int r = 0; r < RM; ++r) {
        arow[r] = oa + min(m0 + r, G.M - 1) * G.a_m;
#pragma unroll
        for (int v = 0; v < NV; ++v) acc[r][v] = (vec)((ct)0);
    }

    if (n0 + NV * VW <= G.N && G.b_n == 1) {
        /* fast path: B rows are contiguous, NV vector loads per k */
        long pb = ob + n0, pa = 0;
        for (long k = 0; k < K; ++k) {
            vec bv[NV];
#pragma unroll
            for (int v = 0; v < NV; ++v) bv[v] = VLOAD(b, pb + v * VW);
#pragma unroll
            for (int r = 0; r < RM; ++r) {
                vec av = (vec)((ct)LD(DT, a, arow[r] + pa));
#pragma unroll
                for (int v = 0; v < NV; ++v) acc[r][v] = MAC(acc[r][v], av, bv[v]);
            }
            pb += b_k;
            pa += a_k;
        }
    } else {
        /* generic strided path; columns past N repeat the last one and are not stored */
        long bcol[NV * VW];
#pragma unroll
        for (int j = 0; j < NV * VW; ++j) bcol[j] = ob + min(n0 + j, G.N - 1) * G.b_n;
        long pb = 0, pa = 0;
        for (long k = 0; k < K; ++k) {
            vec bv[NV];
#pragma unroll
            for (int v = 0; v < NV; ++v) {
                ct tmp[VW];
#pragma unroll
                for (int j = 0; j < VW; ++j) tmp[j] = (ct)LD(DT, b, bcol[v * VW + j] + pb);
                bv[v] = CLT_CAT(vload, VW)(0, tmp);
            }
#pragma unroll
            for (int r = 0; r < RM; ++r) {
                vec av = (vec)((ct)LD(DT, a, arow[r] + pa));
#pragma unroll
                for (int v = 0; v < NV; ++v) acc[r][v] = MAC(acc[r][v], av, bv[v]);
            }
            pb += b_k;
            pa += a_k;
        }
    }

    for (int r = 0; r < RM; ++r) {
        long m = m0 + r;
        if (m >= G.M) break;
#pragma unroll
        for (int v = 0; v < NV; ++v)
            store_row(c, oc + m * G.c_m + (n0 + v * VW) * G.c_n, G.c_n, G.N - n0 - v * VW, acc[r][v], alpha, beta);
    }
}

/* Sum of a vector's lanes, by halving. */
typedef CLT_CAT(CTYPE(DT), 8) vec8;
typedef CLT_CAT(CTYPE(DT), 4) vec4;
typedef CLT_CAT(CTYPE(DT), 2) vec2;
inline ct hsum8(vec8 v) {
    vec4 h = v.lo + v.hi;
    vec2 q = h.lo + h.hi;
    return q.x + q.y;
}
#if VW == 16
inline ct hsum(vec v) { return hsum8(v.lo + v.hi); }
#else
inline ct hsum(vec v) { return hsum8(v); }
#endif

/* Pack B's first panels*(NV*VW) columns into dense (panels, K, NV*VW) column panels for gemm_cpu.
 * One work-item moves NV*VW elements; neighbouring work-items read neighbouring
 * segments of one row of B, or (B contiguous along k) neighbouring k. */
__kernel void gemm_pack_b(__global STYPE(DT) *dst, __global const STYPE(DT) *src, long off, long K, long s_k,
                          long s_n, long panels) {
    long id = get_global_id(0);
    if (id >= panels * K) return;
    long k, p;
    if (s_k == 1 && s_n != 1) {
        p = id / K;
        k = id - p * K;
    } else {
        k = id / panels;
        p = id - k * panels;
    }
#pragma unroll
    for (int u = 0; u < NV; ++u) {
        long ps = off + k * s_k + (p * NV + u) * VW * s_n;
        vec v;
        if (s_n == 1) {
            v = VLOAD(src, ps);
        } else {
            ct tmp[VW];
#pragma unroll
            for (int j = 0; j < VW; ++j) tmp[j] = (ct)LD(DT, src, ps + j * s_n);
            v = CLT_CAT(vload, VW)(0, tmp);
        }
        VSTORE(v, dst, (p * K + k) * (NV * VW) + u * VW);
    }
}

/* ---- dot-product configuration (A and B contiguous along k) ------------ */
#ifndef DR
#define DR 4
#endif
#ifndef DC
#define DC 4
#endif

__kernel void gemm_dot(__global STYPE(DT) *c, __global const STYPE(DT) *a, __global const STYPE(DT) *b,
                       ct alpha, ct beta, gemm_t G) {
    long id = get_global_id(0);
    long per = G.tiles_m * G.tiles_n;
    if (id >= per * G.nbatch) return;
    long bi = id / per;
    long t = id - bi * per;
    long tm = t / G.tiles_n;
    long tn = t - tm * G.tiles_n;
    long oc, oa, ob;
    batch_offsets(&G, bi, &oc, &oa, &ob);
    long m0 = tm * DR, n0 = tn * DC;
    const long K = G.K;

    long pa[DR], pb[DC];
#pragma unroll
    for (int r = 0; r < DR; ++r) pa[r] = oa + min(m0 + r, G.M - 1) * G.a_m;
#pragma unroll
    for (int j = 0; j < DC; ++j) pb[j] = ob + min(n0 + j, G.N - 1) * G.b_n;

    vec acc[DR][DC];
#pragma unroll
    for (int r = 0; r < DR; ++r)
#pragma unroll
        for (int j = 0; j < DC; ++j) acc[r][j] = (vec)((ct)0);

    long k = 0;
    for (; k + VW <= K; k += VW) {
        vec av[DR], bv[DC];
#pragma unroll
        for (int r = 0; r < DR; ++r) av[r] = VLOAD(a, pa[r] + k);
#pragma unroll
        for (int j = 0; j < DC; ++j) bv[j] = VLOAD(b, pb[j] + k);
#pragma unroll
        for (int r = 0; r < DR; ++r)
#pragma unroll
            for (int j = 0; j < DC; ++j) acc[r][j] = MAC(acc[r][j], av[r], bv[j]);
    }

    ct sum[DR][DC];
#pragma unroll
    for (int r = 0; r < DR; ++r)
#pragma unroll
        for (int j = 0; j < DC; ++j) sum[r][j] = hsum(acc[r][j]);
    for (; k < K; ++k) {
#pragma unroll
        for (int r = 0; r < DR; ++r) {
            ct x = (ct)LD(DT, a, pa[r] + k);
#pragma unroll
            for (int j = 0; j < DC; ++j) sum[r][j] = MAC(sum[r][j], x, (ct)LD(DT, b, pb[j] + k));
        }
    }

    for (int r = 0; r < DR; ++r) {
        long m = m0 + r;
        if (m >= G.M) break;
        for (int j = 0; j < DC; ++j) {
            long n = n0 + j;
            if (n >= G.N) break;
            long pc = oc + m * G.c_m + n * G.c_n;
            ct x = alpha * sum[r][j];
            if (beta != (ct)0) x += beta * (ct)LD(DT, c, pc);
            ST(DT, c, pc, x);
        }
    }
}

#else

/* ---- GPU configuration ------------------------------------------------- */
#ifndef WG
#define WG 16        /* work-group: WG x WG work-items (8 on devices with small work-groups) */
#endif
#ifndef WPT
#define WPT 4        /* each work-item computes WPT x WPT elements of C */
#endif
#define TS (WG * WPT) /* tile of C per work-group: TS x TS */
#define TK 16        /* depth of the staged A and B tiles */

__kernel __attribute__((reqd_work_group_size(WG, WG, 1)))
void gemm_gpu(__global STYPE(DT) *c, __global const STYPE(DT) *a, __global const STYPE(DT) *b,
              ct alpha, ct beta, gemm_t G) {
    __local ct As[TK][TS + 1];
    __local ct Bs[TK][TS + 1];
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int tid = ty * WG + tx;
    const long tn = get_group_id(0), tm = get_group_id(1), bi = get_group_id(2);
    /* whole work-groups leave together, so the barriers below stay uniform */
    if (tn >= G.tiles_n || tm >= G.tiles_m || bi >= G.nbatch) return;
    long oc, oa, ob;
    batch_offsets(&G, bi, &oc, &oa, &ob);
    const long m0 = tm * TS, n0 = tn * TS;
    const int a_mfast = G.a_m == 1, b_nfast = G.b_n == 1;

    ct acc[WPT][WPT];
#pragma unroll
    for (int i = 0; i < WPT; ++i)
#pragma unroll
        for (int j = 0; j < WPT; ++j) acc[i][j] = (ct)0;

    for (long k0 = 0; k0 < G.K; k0 += TK) {
        /* stage: TK x TS elements of each operand, WPT per work-item; the
         * index order follows the operand's unit stride so reads coalesce */
#pragma unroll
        for (int p = 0; p < (TK * TS) / (WG * WG); ++p) {
            int l = tid + p * WG * WG;
            int mm = a_mfast ? l % TS : l / TK;
            int ka = a_mfast ? l / TS : l % TK;
            long gm = m0 + mm, gk = k0 + ka;
            As[ka][mm] = (gm < G.M && gk < G.K) ? (ct)LD(DT, a, oa + gm * G.a_m + gk * G.a_k) : (ct)0;
            int nn = b_nfast ? l % TS : l / TK;
            int kb = b_nfast ? l / TS : l % TK;
            long gn = n0 + nn;
            gk = k0 + kb;
            Bs[kb][nn] = (gn < G.N && gk < G.K) ? (ct)LD(DT, b, ob + gk * G.b_k + gn * G.b_n) : (ct)0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
        for (int kk = 0; kk < TK; ++kk) {
            ct ar[WPT], br[WPT];
#pragma unroll
            for (int i = 0; i < WPT; ++i) ar[i] = As[kk][ty + i * WG];
#pragma unroll
            for (int j = 0; j < WPT; ++j) br[j] = Bs[kk][tx + j * WG];
#pragma unroll
            for (int i = 0; i < WPT; ++i)
#pragma unroll
                for (int j = 0; j < WPT; ++j) acc[i][j] = MAC(acc[i][j], ar[i], br[j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

#pragma unroll
    for (int i = 0; i < WPT; ++i) {
        long m = m0 + ty + i * WG;
        if (m >= G.M) continue;
#pragma unroll
        for (int j = 0; j < WPT; ++j) {
            long n = n0 + tx + j * WG;
            if (n >= G.N) continue;
            long pc = oc + m * G.c_m + n * G.c_n;
            ct x = alpha * acc[i][j];
            if (beta != (ct)0) x += beta * (ct)LD(DT, c, pc);
            ST(DT, c, pc, x);
        }
    }
}

#endif
