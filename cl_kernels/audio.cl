/* Audio kernels for cltorch.audio: 1-D padding for STFT framing, power spectra
 * from the DFT GEMM, overlap-add for the inverse STFT, windowed-sinc resampling,
 * IIR filtering (lfilter) and sliding-window sums (cepstral mean normalisation).
 *
 * -D T: the dtype tag (f32, f64); arithmetic runs in CTYPE(T).
 * Rows are independent signals (batch x channels). Every kernel bounds-checks its
 * global id. Inputs marked "strided" are read through (offset, row stride, column
 * stride); every other buffer is dense from its element offset. */
#include "common.h"

typedef CTYPE(T) ct;
#define BUF __global STYPE(T) *
#define CBUF __global const STYPE(T) *

/* Source index in a row of length L of padded position p (left pad `left`), or -1 for zero.
 * mode 0 constant, 1 reflect, 2 replicate, 3 circular; the host keeps pads within one
 * reflection / wrap. */
inline long pad_source(long p, long L, long left, int mode) {
    long k = p - left;
    if (k >= 0 && k < L) return k;
    if (mode == 0) return -1;
    if (mode == 1) return p < left ? left - p : 2 * (L - 1) - k;   /* written so no abs() is formed */
    if (mode == 2) return k < 0 ? 0 : L - 1;
    k %= L;
    return k < 0 ? k + L : k;
}

/* out (rows, Lp) dense = x (rows, L, strided) padded by `left` on the left. */
__kernel void pad1d(BUF out, CBUF x, long xoff, long xrs, long xcs, long L, long Lp, long left, int mode,
                    long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / Lp, p = i - r * Lp;
    long s = pad_source(p, L, left, mode);
    ST(T, out, i, s < 0 ? (ct)0 : (ct)LD(T, x, xoff + r * xrs + s * xcs));
}

/* The adjoint of pad1d: dx (rows, L) dense, each source sums the padded positions that read it
 * (g (rows, Lp) dense). */
__kernel void pad1d_backward(BUF dx, CBUF g, long L, long Lp, long left, int mode, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / L, s = i - r * L;
    long right = Lp - L - left;
    CBUF row = g + r * Lp;
    ct acc = (ct)LD(T, row, 0 + s + left);
    if (mode == 1) {
        if (s >= 1 && s <= left) acc += (ct)LD(T, row, left - s);
        if (s <= L - 2 && s >= L - 1 - right) acc += (ct)LD(T, row, left + 2 * (L - 1) - s);
    } else if (mode == 2) {
        if (s == 0) for (long p = 0; p < left; ++p) acc += (ct)LD(T, row, p);
        if (s == L - 1) for (long p = left + L; p < Lp; ++p) acc += (ct)LD(T, row, p);
    } else if (mode == 3) {
        if (s - L >= -left) acc += (ct)LD(T, row, s - L + left);
        if (s + L < L + right) acc += (ct)LD(T, row, s + L + left);
    }
    ST(T, dx, i, acc);
}

/* |X|^power from the interleaved (re, im) GEMM output y (M, 2F) into out (M, F):
 * pmode 2: re^2 + im^2, 1: the magnitude, 0: magnitude^power. */
__kernel void spec_power(BUF out, CBUF y, long F, int pmode, ct power, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long m = i / F, f = i - m * F;
    ct re = LD(T, y, m * 2 * F + 2 * f), im = LD(T, y, m * 2 * F + 2 * f + 1);
    ct sq = re * re + im * im;
    ct v = pmode == 2 ? sq : (pmode == 1 ? sqrt(sq) : pow(sqrt(sq), power));
    ST(T, out, i, v);
}

/* Gradient of spec_power: gy (M, 2F) from g (M, F): d|X|^p = p |X|^(p-2) (re, im) (zero at |X| = 0). */
__kernel void spec_power_backward(BUF gy, CBUF g, CBUF y, long F, int pmode, ct power, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long m = i / F, f = i - m * F;
    long o = m * 2 * F + 2 * f;
    ct re = LD(T, y, o), im = LD(T, y, o + 1);
    ct gv = LD(T, g, i);
    ct k;
    if (pmode == 2) {
        k = (ct)2 * gv;
    } else {
        ct mag = sqrt(re * re + im * im);
        k = mag > (ct)0 ? gv * (pmode == 1 ? (ct)1 / mag : power * pow(mag, power - (ct)2)) : (ct)0;
    }
    ST(T, gy, o, k * re);
    ST(T, gy, o + 1, k * im);
}

/* Overlap-add of frames (rows, nf, N) dense, hop apart, into out (rows, Lout) dense: position i
 * sums the frame samples at padded position p = i + start (zero past the last frame). */
__kernel void ola(BUF out, CBUF frames, long nf, long N, long hop, long start, long Lout, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / Lout, p = i - r * Lout + start;
    long lo = p - N + 1;
    long t0 = lo <= 0 ? 0 : (lo + hop - 1) / hop;
    long t1 = p / hop < nf - 1 ? p / hop : nf - 1;
    ct acc = (ct)0;
    for (long t = t0; t <= t1; ++t) acc += (ct)LD(T, frames, (r * nf + t) * N + p - t * hop);
    ST(T, out, i, acc);
}

/* The adjoint of ola: gframes[r, t, k] = g[r, t * hop + k - start] (zero outside the output). */
__kernel void ola_backward(BUF gframes, CBUF g, long nf, long N, long hop, long start, long Lout, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long k = i % N, rt = i / N;
    long t = rt % nf, r = rt / nf;
    long o = t * hop + k - start;
    ST(T, gframes, i, (o >= 0 && o < Lout) ? (ct)LD(T, g, r * Lout + o) : (ct)0);
}

/* Windowed-sinc resampling: output o of a row = phase p = o % nw of block j = o / nw, the dot
 * of filter K[p] (klen taps) with the input from j * orig - width (zeros outside the row). */
__kernel void resample(BUF out, CBUF x, CBUF K, long xoff, long xrs, long xcs, long L, long orig, long nw,
                       long width, long klen, long Lout, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / Lout, o = i - r * Lout;
    long j = o / nw, p = o - j * nw;
    long base = j * orig - width;
    long k0 = base < 0 ? -base : 0;
    long k1 = L - base < klen ? L - base : klen;
    CBUF row = x + xoff + r * xrs;
    CBUF taps = K + p * klen;
    ct acc = (ct)0;
    for (long k = k0; k < k1; ++k) acc += (ct)LD(T, taps, k) * (ct)LD(T, row, (base + k) * xcs);
    ST(T, out, i, acc);
}

/* Gradient of resample: dx (rows, L) dense gathers every output that read input m. */
__kernel void resample_backward(BUF dx, CBUF g, CBUF K, long L, long orig, long nw, long width, long klen,
                                long Lout, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / L, m = i - r * L;
    long lo = m + width - klen + 1;
    long j0 = lo <= 0 ? 0 : (lo + orig - 1) / orig;
    long j1 = (m + width) / orig;
    CBUF row = g + r * Lout;
    ct acc = (ct)0;
    for (long j = j0; j <= j1; ++j) {
        long k = m + width - j * orig;
        for (long p = 0; p < nw; ++p) {
            long o = j * nw + p;
            if (o >= Lout) break;
            acc += (ct)LD(T, K, p * klen + k) * (ct)LD(T, row, o);
        }
    }
    ST(T, dx, i, acc);
}

/* IIR filter, one work-item per row (sequential in time, parallel over batch x channels):
 * y[t] = sum_k b[k] x[t-k] - sum_{k>=1} a[k] y[t-k] with coefficients already divided by a[0],
 * filter c = row % C (a, b dense (C, order)). reverse runs the same recursion backwards in time
 * (t+k in place of t-k): the adjoint of the forward filter. y is dense (rows, L). */
__kernel void lfilter(BUF y, CBUF x, CBUF a, CBUF b, long xoff, long xrs, long xcs, long rows, long C, long L,
                      long order, int reverse) {
    long r = get_global_id(0);
    if (r >= rows) return;
    long c = r % C;
    CBUF ac = a + c * order;
    CBUF bc = b + c * order;
    CBUF xr = x + xoff + r * xrs;
    BUF yr = y + r * L;
    long dir = reverse ? -1 : 1;
    for (long s = 0; s < L; ++s) {
        long t = reverse ? L - 1 - s : s;
        long kmax = s + 1 < order ? s + 1 : order;
        ct acc = (ct)0;
        for (long k = 0; k < kmax; ++k) acc += (ct)LD(T, bc, k) * (ct)LD(T, xr, (t - dir * k) * xcs);
        for (long k = 1; k < kmax; ++k) acc -= (ct)LD(T, ac, k) * (ct)LD(T, yr, t - dir * k);
        ST(T, yr, t, acc);
    }
}

/* Sliding-window sums along time: out[r, t, f] = sum of x[r, k, f] for lo[t] <= k < hi[t]
 * (x, out dense (rows, L, F); lo and hi nondecreasing int64). A work-item owns one (row, f)
 * column over a block of `blk` frames: it sums its first window, then slides it. */
__kernel void window_sum(BUF out, CBUF x, __global const long *lo, __global const long *hi, long rows, long L,
                         long F, long blk, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long nb = (L + blk - 1) / blk;
    long f = i % F, rb = i / F;
    long b = rb % nb, r = rb / nb;
    CBUF col = x + r * L * F + f;
    BUF oc = out + r * L * F + f;
    long t0 = b * blk, t1 = t0 + blk < L ? t0 + blk : L;
    long cl = lo[t0], ch = hi[t0];
    ACC_FLOAT acc = 0;   /* double where the device has it: the window slides by adding and removing */
    for (long k = cl; k < ch; ++k) acc += (ACC_FLOAT)LD(T, col, k * F);
    ST(T, oc, t0 * F, acc);
    for (long t = t0 + 1; t < t1; ++t) {
        long nl = lo[t], nh = hi[t];
        while (ch < nh) { acc += (ACC_FLOAT)LD(T, col, ch * F); ++ch; }
        while (ch > nh) { --ch; acc -= (ACC_FLOAT)LD(T, col, ch * F); }
        while (cl < nl) { acc -= (ACC_FLOAT)LD(T, col, cl * F); ++cl; }
        while (cl > nl) { --cl; acc += (ACC_FLOAT)LD(T, col, cl * F); }
        ST(T, oc, t * F, acc);
    }
}
