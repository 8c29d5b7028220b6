/* Elementwise unary kernels: out = f(a) with optional scalar parameters p0..p2.
 * -D OUT, A: dtype tags of output and input; CT: the tag arithmetic runs in.
 * Each kernel is named unary_<op>; float-only ops exist only when CT is floating.
 * -D CLT_VEC=w (dense operands, one floating type): only the UNARY_V ops, each
 * work-item handling w consecutive elements with vector loads and stores. */
#include "common.h"

typedef CTYPE(CT) ct;

#ifdef CLT_VEC
typedef CLT_CAT(CTYPE(CT), CLT_VEC) vct;

#define UNARY_V(name, expr)                                                            \
    __kernel void unary_##name(__global STYPE(OUT) *out, __global const STYPE(A) *a,   \
                               ct p0, ct p1, ct p2, layout_t L, long n) {              \
        long i = get_global_id(0) * CLT_VEC;                                           \
        if (i >= n) return;                                                            \
        __global STYPE(OUT) *po = out + L.offset[0];                                   \
        __global const STYPE(A) *pa = a + L.offset[1];                                 \
        if (i + CLT_VEC <= n) {                                                        \
            vct x = CLT_CAT(vload, CLT_VEC)(0, pa + i);                                \
            CLT_CAT(vstore, CLT_VEC)((expr), 0, po + i);                               \
        } else {                                                                       \
            for (; i < n; ++i) {                                                       \
                ct x = pa[i];                                                          \
                po[i] = (expr);                                                        \
            }                                                                          \
        }                                                                              \
    }
#define UNARY(name, expr)

#else

#define UNARY(name, expr)                                                              \
    __kernel void unary_##name(__global STYPE(OUT) *out, __global const STYPE(A) *a,   \
                               ct p0, ct p1, ct p2, layout_t L, long n) {              \
        long i = get_global_id(0);                                                     \
        if (i >= n) return;                                                            \
        long off[2];                                                                   \
        clt_offsets(&L, i, 2, off);                                                    \
        ct x = (ct)LD(A, a, off[1]);                                                   \
        ST(OUT, out, off[0], (expr));                                                  \
    }
#define UNARY_V UNARY
#endif

/* ops for every dtype */
UNARY_V(identity, x)
UNARY_V(neg, -x)
UNARY_V(square, x * x)
UNARY(logical_not, x == (ct)0)
UNARY_V(clamp_min, x < p0 ? p0 : x)
UNARY_V(clamp_max, x > p1 ? p1 : x)
/* clamp(x) = min(max(x, lo), hi): NaN stays NaN, lo > hi gives hi, as torch */
UNARY_V(clamp, (x < p0 ? p0 : x) > p1 ? p1 : (x < p0 ? p0 : x))

#if KIND(CT) == 2
UNARY_V(abs, fabs(x))
UNARY(sign, x > (ct)0 ? (ct)1 : (x < (ct)0 ? (ct)-1 : (ct)0))
UNARY_V(relu, x > (ct)0 ? x : (x != x ? x : (ct)0))
UNARY_V(reciprocal, (ct)1 / x)
UNARY_V(exp, exp(x))
UNARY_V(exp2, exp2(x))
UNARY_V(log, log(x))
UNARY_V(log2, log2(x))
UNARY(log10, log10(x))
UNARY_V(log1p, log1p(x))
UNARY_V(expm1, expm1(x))
UNARY_V(sqrt, sqrt(x))
UNARY_V(rsqrt, rsqrt(x))
UNARY_V(sin, sin(x))
UNARY_V(cos, cos(x))
UNARY(tan, tan(x))
UNARY(asin, asin(x))
UNARY(acos, acos(x))
UNARY(atan, atan(x))
UNARY(sinh, sinh(x))
UNARY(cosh, cosh(x))
UNARY_V(tanh, tanh(x))
UNARY(asinh, asinh(x))
UNARY(acosh, acosh(x))
UNARY(atanh, atanh(x))
UNARY_V(sigmoid, (ct)1 / ((ct)1 + exp(-x)))
UNARY(erf, erf(x))
UNARY(erfc, erfc(x))
UNARY(floor, floor(x))
UNARY(ceil, ceil(x))
UNARY(round, rint(x))
UNARY(trunc, trunc(x))
UNARY(frac, x - trunc(x))
UNARY(isnan, isnan(x))
UNARY(isinf, isinf(x))
UNARY(isfinite, isfinite(x))
UNARY(isposinf, isinf(x) && x > (ct)0)
UNARY(isneginf, isinf(x) && x < (ct)0)
UNARY(nan_to_num, isnan(x) ? p0 : (isinf(x) ? (x > (ct)0 ? p1 : p2) : x))
UNARY(signbit, signbit(x))
/* round to p0 = 10^decimals */
UNARY(round_decimals, rint(x * p0) / p0)
#else
UNARY(abs, x < (ct)0 ? -x : x)
UNARY(sign, x > (ct)0 ? (ct)1 : (x < (ct)0 ? (ct)-1 : (ct)0))
UNARY(relu, x > (ct)0 ? x : (ct)0)
UNARY(bitwise_not, ~x)
UNARY(isnan, 0)
UNARY(isinf, 0)
UNARY(isfinite, 1)
#endif

#if KIND(CT) == 0
UNARY(bool_not, !x)
#endif
