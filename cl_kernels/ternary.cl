/* Elementwise ternary kernels over three broadcast tensor inputs.
 * -D OUT, A, B, C: dtype tags; CT: the tag arithmetic runs in (for where, the
 * type of b and c; a is the bool condition). */
#include "common.h"

typedef CTYPE(CT) ct;

#define TERNARY(name, expr)                                                                  \
    __kernel void ternary_##name(__global STYPE(OUT) *out, __global const STYPE(A) *a,       \
                                 __global const STYPE(B) *b, __global const STYPE(C) *c,     \
                                 ct alpha, layout_t L, long n) {                             \
        long i = get_global_id(0);                                                           \
        if (i >= n) return;                                                                  \
        long off[4];                                                                         \
        clt_offsets(&L, i, 4, off);                                                          \
        ct y = (ct)LD(B, b, off[2]);                                                         \
        ct z = (ct)LD(C, c, off[3]);                                                         \
        ST(OUT, out, off[0], (expr));                                                        \
    }

#define X ((ct)LD(A, a, off[1]))

TERNARY(where, (LD(A, a, off[1]) != 0) ? y : z)
TERNARY(addcmul, X + alpha * y * z)
#if KIND(CT) == 2
TERNARY(addcdiv, X + alpha * y / z)
TERNARY(lerp, fabs(z) < (ct)0.5 ? X + z * (y - X) : y - (y - X) * ((ct)1 - z))
/* a NaN input or bound gives NaN, as torch */
TERNARY(clamp, X != X ? X : (y != y ? y : (z != z ? z : fmin(fmax(X, y), z))))
#else
TERNARY(clamp, X < y ? y : (X > z ? z : X))
#endif
