/* Convolution helpers: im2col writes image patches as a column matrix, col2im
 * gathers them back (each image element sums the column entries it fed, so no
 * atomics and a deterministic order). The GEMM of gemm.cl does the rest.
 *
 * -D DT: the element dtype tag. Up to three spatial dims (1-D and 2-D
 * convolutions give leading size-1 dims). The "image" is the side the window
 * slides over, the "columns" hold one entry per window position:
 *   column row r = c * KV + (kd * KH + kh) * KW + kw   (KV = KD * KH * KW)
 *   column l     = (od * OH + oh) * OW + ow
 * and window position o along a dim reads image index o * S - P + k * D.
 * Positions outside the image read zero; leading padding is P, trailing
 * padding is whatever the column sizes O imply (so asymmetric 'same' works).
 */
#include "common.h"

typedef CTYPE(DT) ct;

typedef struct {
    long C;                      /* image channels */
    long I[3];                   /* image spatial sizes */
    long O[3];                   /* column spatial sizes (window positions) */
    long K[3], S[3], P[3], D[3]; /* kernel, stride, leading padding, dilation */
    long nb;                     /* images in this launch */
    long img_off, img_s[5];      /* image: element offset, strides of n c d h w */
    long col_off, col_s[3];      /* columns: element offset, strides of n, row, l */
} conv_geom_t;

/* Window positions [*lo, *hi) along the last dim whose image index o * S + base lies in [0, I). */
inline void conv_valid_range(long base, long S, long I, long O, long *lo, long *hi) {
    long a = base < 0 ? (-base + S - 1) / S : 0;
    long lim = I - base;
    long b = lim <= 0 ? 0 : min(O, (lim + S - 1) / S);
    *lo = min(a, b);
    *hi = b;
}

/* Fill one run of OW columns for window row (od, oh) of column row (c, kd, kh, kw),
 * image n. No per-element branches: the run splits into leading zeros, copied
 * image values and trailing zeros. */
inline void im2col_run(__global STYPE(DT) *col, __global const STYPE(DT) *img, const conv_geom_t *G, long n,
                       long c, long kd, long kh, long kw, long od, long oh, long dst) {
    long OW = G->O[2], cl = G->col_s[2];
    long zd = od * G->S[0] - G->P[0] + kd * G->D[0];
    long zh = oh * G->S[1] - G->P[1] + kh * G->D[1];
    long lo = OW, hi = OW;
    if (zd >= 0 && zd < G->I[0] && zh >= 0 && zh < G->I[1])
        conv_valid_range(kw * G->D[2] - G->P[2], G->S[2], G->I[2], OW, &lo, &hi);
    for (long ow = 0; ow < lo; ++ow) ST(DT, col, dst + ow * cl, (ct)0);
    if (hi > lo) {
        long sw = G->S[2] * G->img_s[4];
        long src = G->img_off + n * G->img_s[0] + c * G->img_s[1] + zd * G->img_s[2] + zh * G->img_s[3]
                   + (lo * G->S[2] + kw * G->D[2] - G->P[2]) * G->img_s[4];
        if (sw == 1 && cl == 1) {
            __global STYPE(DT) *to = col + dst + lo;
            __global const STYPE(DT) *from = img + src;
            for (long j = 0; j < hi - lo; ++j) ST(DT, to, j, LD(DT, from, j));
        } else {
            for (long ow = lo; ow < hi; ++ow, src += sw) ST(DT, col, dst + ow * cl, LD(DT, img, src));
        }
    }
    for (long ow = hi; ow < OW; ++ow) ST(DT, col, dst + ow * cl, (ct)0);
}

/* One work-item fills rpi consecutive runs (od, oh) of one (column row, image)
 * plane; neighbouring work-items write neighbouring runs. The host picks rpi:
 * whole planes on CPUs (index decoding amortised), single runs on GPUs. */
__kernel void im2col(__global STYPE(DT) *col, __global const STYPE(DT) *img, conv_geom_t G, long rpi) {
    long id = get_global_id(0);
    long KV = G.K[0] * G.K[1] * G.K[2];
    long runs = G.O[0] * G.O[1];
    long per_plane = (runs + rpi - 1) / rpi;
    if (id >= G.C * KV * G.nb * per_plane) return;
    long plane = id / per_plane;
    long r0 = (id - plane * per_plane) * rpi;
    long r1 = min(r0 + rpi, runs);
    long n = plane % G.nb;
    long row = plane / G.nb;
    long kw = row % G.K[2];
    long r = row / G.K[2];
    long kh = r % G.K[1];
    r /= G.K[1];
    long kd = r % G.K[0];
    long c = r / G.K[0];
    long od = r0 / G.O[1], oh = r0 - od * G.O[1];
    long dst = G.col_off + n * G.col_s[0] + row * G.col_s[1] + r0 * G.O[2] * G.col_s[2];
    for (long q = r0; q < r1; ++q) {
        im2col_run(col, img, &G, n, c, kd, kh, kw, od, oh, dst);
        dst += G.O[2] * G.col_s[2];
        if (++oh == G.O[1]) {
            oh = 0;
            ++od;
        }
    }
}

/* Window position along one dim that read image index z through tap k, or -1. */
inline long conv_source(long z, long k, long S, long P, long D, long O) {
    long num = z + P - k * D;
    if (num < 0 || num % S != 0) return -1;
    long o = num / S;
    return o < O ? o : -1;
}

/* Image row (n, c, d, h) at dst: bias (or 0) plus, for each tap, the run of
 * columns that read from it. Only one work-item writes a row, so the sums need
 * no atomics and their order is fixed; no division happens per element. */
inline void col2im_row(__global STYPE(DT) *img, __global const STYPE(DT) *col, const conv_geom_t *G, long n,
                       long c, long d, long h, ct b, long dst) {
    long KV = G->K[0] * G->K[1] * G->K[2];
    long IW = G->I[2], OW = G->O[2], iw_s = G->img_s[4], cl = G->col_s[2];
    for (long w = 0; w < IW; ++w) ST(DT, img, dst + w * iw_s, b);
    long base = G->col_off + n * G->col_s[0] + c * KV * G->col_s[1];
    for (long kd = 0; kd < G->K[0]; ++kd) {
        long od = conv_source(d, kd, G->S[0], G->P[0], G->D[0], G->O[0]);
        if (od < 0) continue;
        for (long kh = 0; kh < G->K[1]; ++kh) {
            long oh = conv_source(h, kh, G->S[1], G->P[1], G->D[1], G->O[1]);
            if (oh < 0) continue;
            long src_row = base + (kd * G->K[1] + kh) * G->K[2] * G->col_s[1] + (od * G->O[1] + oh) * OW * cl;
            for (long kw = 0; kw < G->K[2]; ++kw) {
                long shift = kw * G->D[2] - G->P[2];
                long lo, hi;
                conv_valid_range(shift, G->S[2], IW, OW, &lo, &hi);
                long src = src_row + kw * G->col_s[1];
                long step = G->S[2] * iw_s;
                long pos = dst + (lo * G->S[2] + shift) * iw_s;
                for (long ow = lo; ow < hi; ++ow, pos += step)
                    ST(DT, img, pos, (ct)LD(DT, img, pos) + (ct)LD(DT, col, src + ow * cl));
            }
        }
    }
}

/* One work-item produces rpi consecutive rows (d, h) of one (image, channel)
 * plane, each the sum of the column entries read from it, plus bias[c] when
 * has_bias. */
__kernel void col2im(__global STYPE(DT) *img, __global const STYPE(DT) *col, __global const STYPE(DT) *bias,
                     long bias_off, int has_bias, conv_geom_t G, long rpi) {
    long id = get_global_id(0);
    long rows = G.I[0] * G.I[1];
    long per_plane = (rows + rpi - 1) / rpi;
    if (id >= G.nb * G.C * per_plane) return;
    long plane = id / per_plane;
    long r0 = (id - plane * per_plane) * rpi;
    long r1 = min(r0 + rpi, rows);
    long c = plane % G.C;
    long n = plane / G.C;
    ct b = has_bias ? (ct)LD(DT, bias, bias_off + c) : (ct)0;
    long d = r0 / G.I[1], h = r0 - d * G.I[1];
    long plane_off = G.img_off + n * G.img_s[0] + c * G.img_s[1];
    for (long q = r0; q < r1; ++q) {
        col2im_row(img, col, &G, n, c, d, h, b, plane_off + d * G.img_s[2] + h * G.img_s[3]);
        if (++h == G.I[1]) {
            h = 0;
            ++d;
        }
    }
}

/* Dense out (planes of L elements, plane p of channel p % C) = bias[channel].
 * One work-item writes span consecutive elements of one plane. */
__kernel void bias_fill(__global STYPE(DT) *out, long out_off, __global const STYPE(DT) *bias, long bias_off,
                        long bias_s, long C, long L, long span, long items) {
    long id = get_global_id(0);
    if (id >= items) return;
    long per = (L + span - 1) / span;
    long plane = id / per;
    long l0 = (id - plane * per) * span;
    long l1 = min(l0 + span, L);
    ct v = (ct)LD(DT, bias, bias_off + (plane % C) * bias_s);
    __global STYPE(DT) *p = out + out_off + plane * L;
    for (long l = l0; l < l1; ++l) ST(DT, p, l, v);
}
