/* Elementwise unary kernels: out = f(a) with optional scalar parameters p0..p2.
 * -D OUT, A: dtype tags of output and input; CT: the tag arithmetic runs in.
 * Each kernel is named unary_<op>; float-only ops exist only when CT is floating. */
#include "common.h"

typedef CTYPE(CT) ct;

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

/* ops for every dtype */
UNARY(identity, x)
UNARY(neg, -x)
UNARY(square, x * x)
UNARY(logical_not, x == (ct)0)
UNARY(clamp_min, x < p0 ? p0 : x)
UNARY(clamp_max, x > p1 ? p1 : x)
/* clamp(x) = min(max(x, lo), hi): NaN stays NaN, lo > hi gives hi, as torch */
UNARY(clamp, (x < p0 ? p0 : x) > p1 ? p1 : (x < p0 ? p0 : x))

#if KIND(CT) == 2
UNARY(abs, fabs(x))
UNARY(sign, x > (ct)0 ? (ct)1 : (x < (ct)0 ? (ct)-1 : (ct)0))
UNARY(relu, x > (ct)0 ? x : (x != x ? x : (ct)0))
UNARY(reciprocal, (ct)1 / x)
UNARY(exp, exp(x))
UNARY(exp2, exp2(x))
UNARY(log, log(x))
UNARY(log2, log2(x))
UNARY(log10, log10(x))
UNARY(log1p, log1p(x))
UNARY(expm1, expm1(x))
UNARY(sqrt, sqrt(x))
UNARY(rsqrt, rsqrt(x))
UNARY(sin, sin(x))
UNARY(cos, cos(x))
UNARY(tan, tan(x))
UNARY(asin, asin(x))
UNARY(acos, acos(x))
UNARY(atan, atan(x))
UNARY(sinh, sinh(x))
UNARY(cosh, cosh(x))
UNARY(tanh, tanh(x))
UNARY(asinh, asinh(x))
UNARY(acosh, acosh(x))
UNARY(atanh, atanh(x))
UNARY(sigmoid, (ct)1 / ((ct)1 + exp(-x)))
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
