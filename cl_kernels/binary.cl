/* Elementwise binary kernels: out = f(a, b) with broadcast strides.
 * -D OUT, A, B: dtype tags; CT: the tag arithmetic runs in. alpha and beta
 * are scalar parameters (add's alpha, isclose's tolerances). binary_<op> takes
 * b as a tensor, binary_<op>_scalar takes it as a value. Integer division by
 * zero writes 1 to err[0] and yields 0 instead of trapping.
 *
 * -D CLT_VEC=w (dense operands, every tag the same floating type): the build
 * holds only the ops declared with BINARY_V, each work-item handling w
 * consecutive elements with vector loads and stores (same names and
 * arguments; the host launches ceil(n / w) work-items). */
#include "common.h"

typedef CTYPE(CT) ct;

#ifdef CLT_VEC
typedef CLT_CAT(CTYPE(CT), CLT_VEC) vct;
#define VLD(p, i) CLT_CAT(vload, CLT_VEC)(0, (p) + (i))
#define VST(v, p, i) CLT_CAT(vstore, CLT_VEC)((v), 0, (p) + (i))

#define BINARY_V(name, expr)                                                                       \
    __kernel void binary_##name(__global STYPE(OUT) *out, __global const STYPE(A) *a,              \
                                __global const STYPE(B) *b, ct alpha, ct beta,                     \
                                __global int *err, layout_t L, long n) {                           \
        long i = get_global_id(0) * CLT_VEC;                                                       \
        if (i >= n) return;                                                                        \
        __global STYPE(OUT) *po = out + L.offset[0];                                               \
        __global const STYPE(A) *pa = a + L.offset[1];                                             \
        __global const STYPE(B) *pb = b + L.offset[2];                                             \
        if (i + CLT_VEC <= n) {                                                                    \
            vct x = VLD(pa, i);                                                                    \
            vct y = VLD(pb, i);                                                                    \
            VST((expr), po, i);                                                                    \
        } else {                                                                                   \
            for (; i < n; ++i) {                                                                   \
                ct x = pa[i];                                                                      \
                ct y = pb[i];                                                                      \
                po[i] = (expr);                                                                    \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    __kernel void binary_##name##_scalar(__global STYPE(OUT) *out, __global const STYPE(A) *a,     \
                                         ct y, ct alpha, ct beta, __global int *err,               \
                                         layout_t L, long n) {                                     \
        long i = get_global_id(0) * CLT_VEC;                                                       \
        if (i >= n) return;                                                                        \
        __global STYPE(OUT) *po = out + L.offset[0];                                               \
        __global const STYPE(A) *pa = a + L.offset[1];                                             \
        if (i + CLT_VEC <= n) {                                                                    \
            vct x = VLD(pa, i);                                                                    \
            VST((expr), po, i);                                                                    \
        } else {                                                                                   \
            for (; i < n; ++i) {                                                                   \
                ct x = pa[i];                                                                      \
                po[i] = (expr);                                                                    \
            }                                                                                      \
        }                                                                                          \
    }
#define BINARY(name, expr)

#else

#define BINARY(name, expr)                                                                         \
    __kernel void binary_##name(__global STYPE(OUT) *out, __global const STYPE(A) *a,              \
                                __global const STYPE(B) *b, ct alpha, ct beta,                     \
                                __global int *err, layout_t L, long n) {                           \
        long i = get_global_id(0);                                                                 \
        if (i >= n) return;                                                                        \
        long off[3];                                                                               \
        clt_offsets(&L, i, 3, off);                                                                \
        ct x = (ct)LD(A, a, off[1]);                                                               \
        ct y = (ct)LD(B, b, off[2]);                                                               \
        ST(OUT, out, off[0], (expr));                                                              \
    }                                                                                              \
    __kernel void binary_##name##_scalar(__global STYPE(OUT) *out, __global const STYPE(A) *a,     \
                                         ct y, ct alpha, ct beta, __global int *err,               \
                                         layout_t L, long n) {                                     \
        long i = get_global_id(0);                                                                 \
        if (i >= n) return;                                                                        \
        long off[2];                                                                               \
        clt_offsets(&L, i, 2, off);                                                                \
        ct x = (ct)LD(A, a, off[1]);                                                               \
        ST(OUT, out, off[0], (expr));                                                              \
    }
#define BINARY_V BINARY
#endif

/* Integer helpers: floor division and Python-style remainder without traps. */
#if KIND(CT) != 2
inline ct int_div_trunc(ct x, ct y, __global int *err) {
    if (y == (ct)0) { err[0] = 1; return (ct)0; }
    return x / y;
}
inline ct int_rem_trunc(ct x, ct y, __global int *err) {
    if (y == (ct)0) { err[0] = 1; return (ct)0; }
    return x % y;
}
inline ct int_div_floor(ct x, ct y, __global int *err) {
    if (y == (ct)0) { err[0] = 1; return (ct)0; }
    ct q = x / y;
    if ((x % y != (ct)0) && ((x < (ct)0) != (y < (ct)0))) q -= (ct)1;
    return q;
}
inline ct int_rem_floor(ct x, ct y, __global int *err) {
    if (y == (ct)0) { err[0] = 1; return (ct)0; }
    ct r = x % y;
    if (r != (ct)0 && ((r < (ct)0) != (y < (ct)0))) r += y;
    return r;
}
inline ct int_pow(ct x, ct y) {
    ct result = (ct)1;
    if (y < (ct)0) return x == (ct)1 ? (ct)1 : (x == (ct)-1 ? ((y & (ct)1) ? (ct)-1 : (ct)1) : (ct)0);
    while (y) {
        if (y & (ct)1) result *= x;
        x *= x;
        y >>= 1;
    }
    return result;
}
#endif

BINARY_V(add, x + alpha * y)
BINARY_V(sub, x - alpha * y)
BINARY_V(mul, x * y)
BINARY(eq, x == y)
BINARY(ne, x != y)
BINARY(lt, x < y)
BINARY(le, x <= y)
BINARY(gt, x > y)
BINARY(ge, x >= y)
BINARY(logical_and, (x != (ct)0) && (y != (ct)0))
BINARY(logical_or, (x != (ct)0) || (y != (ct)0))
BINARY(logical_xor, (x != (ct)0) != (y != (ct)0))

#if KIND(CT) == 2
/* floor division from fmod so that a == b * q + r holds as in Python */
inline ct float_div_floor(ct x, ct y) {
    if (y == (ct)0) return x / y;
    ct r = fmod(x, y);
    ct q = (x - r) / y;
    if (r != (ct)0 && ((r < (ct)0) != (y < (ct)0))) q -= (ct)1;
    ct f = floor(q);
    if (q - f > (ct)0.5) f += (ct)1;
    return (q == (ct)0) ? copysign((ct)0, x / y) : f;
}
inline ct float_rem_floor(ct x, ct y) {
    ct r = fmod(x, y);
    if (r != (ct)0 && ((r < (ct)0) != (y < (ct)0))) r += y;
    return r;
}
inline ct lerp_value(ct x, ct y, ct w) {
    return fabs(w) < (ct)0.5 ? x + w * (y - x) : y - (y - x) * ((ct)1 - w);
}
inline int close_enough(ct x, ct y, ct rtol, ct atol) {
    if (x == y) return 1;
    if (isinf(x) || isinf(y)) return 0;
    return fabs(x - y) <= atol + rtol * fabs(y);
}

BINARY_V(div, x / y)
BINARY(div_trunc, trunc(x / y))
BINARY(div_floor, float_div_floor(x, y))
BINARY(remainder, float_rem_floor(x, y))
BINARY(fmod, fmod(x, y))
BINARY(pow, pow(x, y))
BINARY(atan2, atan2(x, y))
BINARY(hypot, hypot(x, y))
BINARY(copysign, copysign(x, y))
BINARY_V(maximum, x != x ? x : (y != y ? y : (x > y ? x : y)))
BINARY_V(minimum, x != x ? x : (y != y ? y : (x < y ? x : y)))
BINARY(fmax, fmax(x, y))
BINARY(fmin, fmin(x, y))
BINARY(lerp, lerp_value(x, y, alpha))
BINARY(isclose, close_enough(x, y, alpha, beta))
BINARY(isclose_nan, (x != x && y != y) || close_enough(x, y, alpha, beta))
BINARY(clamp_min, x != x ? x : (y != y ? y : (x < y ? y : x)))
BINARY(clamp_max, x != x ? x : (y != y ? y : (x > y ? y : x)))
BINARY(xlogy, x == (ct)0 && y == y ? (ct)0 : x * log(y))
#else
BINARY(div_trunc, int_div_trunc(x, y, err))
BINARY(div_floor, int_div_floor(x, y, err))
BINARY(remainder, int_rem_floor(x, y, err))
BINARY(fmod, int_rem_trunc(x, y, err))
BINARY(pow, int_pow(x, y))
BINARY(maximum, x > y ? x : y)
BINARY(minimum, x < y ? x : y)
BINARY(fmax, x > y ? x : y)
BINARY(fmin, x < y ? x : y)
BINARY(clamp_min, x < y ? y : x)
BINARY(clamp_max, x > y ? y : x)
BINARY(bitwise_and, x & y)
BINARY(bitwise_or, x | y)
BINARY(bitwise_xor, x ^ y)
#if KIND(CT) == 1
BINARY(lshift, x << y)
BINARY(rshift, x >> y)
#endif
#endif
