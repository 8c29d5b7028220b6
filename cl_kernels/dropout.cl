/* Fused dropout: draw the keep mask with Philox and apply it in one pass.
 *
 * The dense input is (nmask, inner): element m * inner + j belongs to mask
 * entry m (inner = 1: elementwise dropout; inner = H*W...: a channel mask).
 * Mask entry m is word m % 4 of Philox block base + m / 4, so the same
 * (seed, base) redraws the same mask: backward reruns this kernel on the
 * gradient with both shifts 0. Work-item (b, j) handles mask entries
 * 4b..4b+3 at position j, so each block is drawn once and neighbouring
 * work-items touch neighbouring elements.
 *
 * out = x * (keep ? scale : 0) + (keep ? shift_keep : shift_drop)
 * (dropout: scale 1/(1-p), shifts 0; alpha dropout: the SELU-preserving affine map).
 * -D T: dtype tag (f32 f64 f16).
 */
#include "common.h"
#include "philox.h"

typedef CTYPE(T) ct;

__kernel void dropout(__global STYPE(T) *out, long ooff, __global const STYPE(T) *x, long xoff, ulong seed, ulong base,
                      float keep_p, ct scale, ct shift_keep, ct shift_drop, long nmask, long inner) {
    long w = get_global_id(0);
    long nblocks = (nmask + 3) / 4;
    if (w >= nblocks * inner) return;
    long b = w / inner, j = w - b * inner;
    uint4 r = philox4x32(base + (ulong)b, seed);
    for (int k = 0; k < 4; ++k) {
        long m = b * 4 + k;
        if (m >= nmask) break;
        int keep = philox_unit(philox_word(r, k)) < keep_p;
        long i = m * inner + j;
        ct v = (ct)LD(T, x, xoff + i);
        ST(T, out, ooff + i, v * (keep ? scale : (ct)0) + (keep ? shift_keep : shift_drop));
    }
}
