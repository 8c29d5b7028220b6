/* Philox-4x32-10 counter-based generator shared by the kernels that draw random numbers.
 * Counter c and 64-bit key (the seed) name four 32-bit words, the same on every device. */
#ifndef CLT_PHILOX_H
#define CLT_PHILOX_H

#define PHILOX_MUL0 0xD2511F53u
#define PHILOX_MUL1 0xCD9E8D57u
#define PHILOX_BUMP0 0x9E3779B9u
#define PHILOX_BUMP1 0xBB67AE85u

inline uint4 philox4x32(ulong counter, ulong seed) {
    uint4 c = (uint4)((uint)counter, (uint)(counter >> 32), 0u, 0u);
    uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        uint hi0 = mul_hi(PHILOX_MUL0, c.x), lo0 = PHILOX_MUL0 * c.x;
        uint hi1 = mul_hi(PHILOX_MUL1, c.z), lo1 = PHILOX_MUL1 * c.z;
        c = (uint4)(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
        k0 += PHILOX_BUMP0;
        k1 += PHILOX_BUMP1;
    }
    return c;
}

inline uint philox_word(uint4 r, int j) {
    return j == 0 ? r.x : (j == 1 ? r.y : (j == 2 ? r.z : r.w));
}

/* Uniform in [0, 1) from the top 24 bits of a word (exact in float). */
inline float philox_unit(uint x) {
    return (float)(x >> 8) * (1.0f / 16777216.0f);
}

#endif
