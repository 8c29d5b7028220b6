/* Counter-based random numbers (Philox-4x32, 10 rounds).
 *
 * Block b of a call uses the 64-bit counter base + b and the 64-bit key from
 * the seed, so a (seed, offset) pair names the same numbers on every device.
 * Each block gives four 32-bit words; outputs are written contiguously. */
#include "common.h"
#include "philox.h"

/* Uniform in [0, 1) from 24 random bits (exact in float; 11 bits for half). */
inline float unit_float(uint x) {
#if defined(OUT_IS_HALF)
    return (float)(x >> 21) * (1.0f / 2048.0f);
#else
    return (float)(x >> 8) * (1.0f / 16777216.0f);
#endif
}

#ifdef CLT_HAS_FP64
inline double unit_double(uint hi, uint lo) {
    ulong bits = ((ulong)hi << 21) ^ (ulong)(lo >> 11);
    return (double)bits * (1.0 / 9007199254740992.0);
}
#endif

/* out[i] = low + (high - low) * u, four outputs per block (two for double). */
__kernel void uniform(__global STYPE(OUT) *out, ulong seed, ulong base, ACC_FLOAT low, ACC_FLOAT high, long n) {
    long b = get_global_id(0);
#if defined(OUT_IS_DOUBLE) && defined(CLT_HAS_FP64)
    long first = b * 2;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    double u0 = unit_double(r.x, r.y), u1 = unit_double(r.z, r.w);
    double v0 = low + (high - low) * u0, v1 = low + (high - low) * u1;
    out[first] = v0 >= high ? low : v0;  /* rounding must never reach the open end */
    if (first + 1 < n) out[first + 1] = v1 >= high ? low : v1;
#else
    long first = b * 4;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    for (int j = 0; j < 4 && first + j < n; ++j) {
        ACC_FLOAT v = low + (high - low) * (ACC_FLOAT)unit_float(philox_word(r, j));
        ST(OUT, out, first + j, v);
        /* rounding to the output type must never reach the open end */
        if ((ACC_FLOAT)LD(OUT, out, first + j) >= high) ST(OUT, out, first + j, low);
    }
#endif
}

/* Box-Muller: each pair of words gives two standard normals. */
__kernel void normal(__global STYPE(OUT) *out, ulong seed, ulong base, ACC_FLOAT mean, ACC_FLOAT std, long n) {
    long b = get_global_id(0);
#if defined(OUT_IS_DOUBLE) && defined(CLT_HAS_FP64)
    long first = b * 2;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    double u1 = 1.0 - unit_double(r.x, r.y);   /* (0, 1] so log is finite */
    double u2 = unit_double(r.z, r.w);
    double rad = sqrt(-2.0 * log(u1));
    out[first] = mean + std * rad * cos(2.0 * M_PI * u2);
    if (first + 1 < n) out[first + 1] = mean + std * rad * sin(2.0 * M_PI * u2);
#else
    long first = b * 4;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    for (int j = 0; j < 4; j += 2) {
        float u1 = ((float)(philox_word(r, j) >> 8) + 1.0f) * (1.0f / 16777216.0f);
        float u2 = (float)(philox_word(r, j + 1) >> 8) * (1.0f / 16777216.0f);
        float rad = sqrt(-2.0f * log(u1));
        float z0 = rad * cos(2.0f * M_PI_F * u2), z1 = rad * sin(2.0f * M_PI_F * u2);
        if (first + j < n) ST(OUT, out, first + j, mean + std * (ACC_FLOAT)z0);
        if (first + j + 1 < n) ST(OUT, out, first + j + 1, mean + std * (ACC_FLOAT)z1);
    }
#endif
}

/* Normal with per-element mean and std (both contiguous, same length as out). */
__kernel void normal_tensor(__global STYPE(OUT) *out, __global const STYPE(OUT) *mean,
                            __global const STYPE(OUT) *std, ulong seed, ulong base, long n) {
    long b = get_global_id(0);
    long first = b * 4;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    for (int j = 0; j < 4; j += 2) {
        float u1 = ((float)(philox_word(r, j) >> 8) + 1.0f) * (1.0f / 16777216.0f);
        float u2 = (float)(philox_word(r, j + 1) >> 8) * (1.0f / 16777216.0f);
        float rad = sqrt(-2.0f * log(u1));
        float z[2] = {rad * cos(2.0f * M_PI_F * u2), rad * sin(2.0f * M_PI_F * u2)};
        for (int t = 0; t < 2; ++t) {
            long i = first + j + t;
            if (i < n) ST(OUT, out, i, LD(OUT, mean, i) + LD(OUT, std, i) * z[t]);
        }
    }
}

/* Integers uniform in [low, low + span): 32-bit words for small spans, 64-bit otherwise. */
__kernel void randint(__global STYPE(OUT) *out, ulong seed, ulong base, long low, ulong span, long n) {
    long b = get_global_id(0);
    long first = b * 4;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    if (span <= 0xFFFFFFFFul) {
        for (int j = 0; j < 4 && first + j < n; ++j)
            ST(OUT, out, first + j, low + (long)((ulong)philox_word(r, j) % span));
    } else {
        uint4 r2 = philox4x32(base + (ulong)b, ~seed);
        for (int j = 0; j < 4 && first + j < n; ++j) {
            ulong x = ((ulong)philox_word(r2, j) << 32) | (ulong)philox_word(r, j);
            ST(OUT, out, first + j, low + (long)(span == 0 ? x : x % span));
        }
    }
}

/* out[i] = u < p (p a scalar). */
__kernel void bernoulli_scalar(__global STYPE(OUT) *out, ulong seed, ulong base, float p, long n) {
    long b = get_global_id(0);
    long first = b * 4;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    for (int j = 0; j < 4 && first + j < n; ++j)
        ST(OUT, out, first + j, unit_float(philox_word(r, j)) < p ? 1 : 0);
}

/* out[i] = u < p[i] (p contiguous, same length as out; A is p's dtype tag). */
#ifdef A
__kernel void bernoulli_tensor(__global STYPE(OUT) *out, __global const STYPE(A) *p,
                               ulong seed, ulong base, long n) {
    long b = get_global_id(0);
    long first = b * 4;
    if (first >= n) return;
    uint4 r = philox4x32(base + (ulong)b, seed);
    for (int j = 0; j < 4 && first + j < n; ++j) {
        float pj = (float)LD(A, p, first + j);
        ST(OUT, out, first + j, unit_float(philox_word(r, j)) < pj ? 1 : 0);
    }
}
#endif

/* Fisher-Yates shuffle of 0..n-1 by one work-item; step i draws from block i. */
__kernel void randperm(__global STYPE(OUT) *out, ulong seed, ulong base, long n) {
    if (get_global_id(0) != 0) return;
    for (long i = 0; i < n; ++i) ST(OUT, out, i, i);
    for (long i = n - 1; i > 0; --i) {
        uint4 r = philox4x32(base + (ulong)i, seed);
        ulong x = ((ulong)r.y << 32) | (ulong)r.x;
        long j = (long)(x % (ulong)(i + 1));
        CTYPE(OUT) t = LD(OUT, out, i);
        ST(OUT, out, i, LD(OUT, out, j));
        ST(OUT, out, j, t);
    }
}
