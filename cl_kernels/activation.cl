/* Parameterised activations: act_<name> computes out = f(x; p0, p1, p2) and
 * act_<name>_backward computes gx = g * f'(x), both over any strides (layout_t).
 * -D T: dtype tag (f32 f64 f16); arithmetic runs in CTYPE(T) (float for half).
 * Derivatives at kinks follow torch's choices (noted per op). */
#include "common.h"

typedef CTYPE(T) ct;

#define DOUBLE_f64 1
#define DOUBLE_f32 0
#define DOUBLE_f16 0
#if CLT_CAT(DOUBLE_, T)
#define K(v) (v)
#else
#define K(v) v##f
#endif

#define SQRT_2_OVER_PI K(0.79788456080286535588)
#define INV_SQRT_2PI K(0.39894228040143267794)
#define GELU_COEF K(0.044715)

inline ct sigm(ct x) { return (ct)1 / ((ct)1 + exp(-x)); }

/* softplus(beta * x) / beta with torch's linear region above the threshold. */
inline ct softplus_f(ct x, ct beta, ct threshold) {
    return x * beta > threshold ? x : log1p(exp(x * beta)) / beta;
}

/* tanh(u) and 1 - tanh(u)^2 from e = exp(-2|u|): exact saturation at +-1 for large |u|
 * (a library tanh may stop one ulp short, which 1 - t^2 then turns into a visible error). */
inline ct tanh_sech2(ct u, ct *sech2) {
    ct e = exp((ct)-2 * fabs(u));
    ct d = (ct)1 + e;
    *sech2 = (ct)4 * e / (d * d);
    ct t = -expm1((ct)-2 * fabs(u)) / d;
    return u < (ct)0 ? -t : t;
}

inline ct gelu_tanh_f(ct x) {
    ct s2;
    return K(0.5) * x * ((ct)1 + tanh_sech2(SQRT_2_OVER_PI * (x + GELU_COEF * x * x * x), &s2));
}

inline ct gelu_tanh_d(ct x) {
    ct s2;
    ct t = tanh_sech2(SQRT_2_OVER_PI * (x + GELU_COEF * x * x * x), &s2);
    ct dinner = SQRT_2_OVER_PI * ((ct)1 + (ct)3 * GELU_COEF * x * x);
    return K(0.5) * ((ct)1 + t) + K(0.5) * x * s2 * dinner;
}

inline ct gelu_d(ct x) {
    ct cdf = K(0.5) * ((ct)1 + erf(x * K(0.70710678118654752440)));
    return cdf + x * INV_SQRT_2PI * exp(K(-0.5) * x * x);
}

inline ct mish_f(ct x) {
    ct s2;
    return x * tanh_sech2(log1p(exp(x)), &s2);
}

inline ct mish_d(ct x) {
    ct s2;
    ct t = tanh_sech2(log1p(exp(x)), &s2);
    return t + x * sigm(x) * s2;
}

/* log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for both signs. */
inline ct logsigmoid_f(ct x) {
    return fmin(x, (ct)0) - log1p(exp(-fabs(x)));
}

inline ct logsigmoid_d(ct x) {
    ct z = exp(-fabs(x));
    return x < (ct)0 ? (ct)1 - z / ((ct)1 + z) : z / ((ct)1 + z);
}

#define ACT(name, fwd, bwd)                                                                           \
    __kernel void act_##name(__global STYPE(T) *out, __global const STYPE(T) *a, ct p0, ct p1, ct p2,   \
                             layout_t L, long n) {                                                     \
        long i = get_global_id(0);                                                                     \
        if (i >= n) return;                                                                            \
        long off[2];                                                                                   \
        clt_offsets(&L, i, 2, off);                                                                    \
        ct x = (ct)LD(T, a, off[1]);                                                                   \
        ST(T, out, off[0], (fwd));                                                                     \
    }                                                                                                  \
    __kernel void act_##name##_backward(__global STYPE(T) *gx, __global const STYPE(T) *gy,             \
                                        __global const STYPE(T) *a, ct p0, ct p1, ct p2, layout_t L,   \
                                        long n) {                                                      \
        long i = get_global_id(0);                                                                     \
        if (i >= n) return;                                                                            \
        long off[3];                                                                                   \
        clt_offsets(&L, i, 3, off);                                                                    \
        ct g = (ct)LD(T, gy, off[1]);                                                                  \
        ct x = (ct)LD(T, a, off[2]);                                                                   \
        ST(T, gx, off[0], (bwd));                                                                      \
    }

/* p0 = negative_slope; at 0 the slope side is taken */
ACT(leaky_relu, x > (ct)0 ? x : x * p0, x > (ct)0 ? g : g * p0)
/* p0 = min, p1 = max; zero gradient at and beyond both bounds (relu6 is hardtanh(0, 6)) */
ACT(hardtanh, x < p0 ? p0 : (x > p1 ? p1 : x), (x <= p0 || x >= p1) ? (ct)0 : g)
/* p0 = alpha * scale (negative coefficient), p1 = scale, p2 = input_scale; the x <= 0 side at 0.
 * elu: (alpha, 1, 1); selu: (alpha * scale, scale, 1); celu: (alpha, 1, 1 / alpha) */
ACT(elu, x > (ct)0 ? x * p1 : p0 * expm1(x * p2), x > (ct)0 ? g * p1 : g * p0 * p2 * exp(x * p2))
ACT(gelu, K(0.5) * x * ((ct)1 + erf(x * K(0.70710678118654752440))), g * gelu_d(x))
ACT(gelu_tanh, gelu_tanh_f(x), g * gelu_tanh_d(x))
ACT(silu, x * sigm(x), g * sigm(x) * ((ct)1 + x * ((ct)1 - sigm(x))))
ACT(mish, mish_f(x), g * mish_d(x))
/* p0 = beta, p1 = threshold */
ACT(softplus, softplus_f(x, p0, p1),
    x * p0 > p1 ? g : g * exp(x * p0) / (exp(x * p0) + (ct)1))
ACT(softsign, x / ((ct)1 + fabs(x)), g / (((ct)1 + fabs(x)) * ((ct)1 + fabs(x))))
ACT(hardsigmoid, x <= (ct)-3 ? (ct)0 : (x >= (ct)3 ? (ct)1 : x / (ct)6 + K(0.5)),
    (x > (ct)-3 && x < (ct)3) ? g / (ct)6 : (ct)0)
/* gradient 0 at -3 and g at 3, as torch */
ACT(hardswish, x <= (ct)-3 ? (ct)0 : (x >= (ct)3 ? x : x * (x + (ct)3) / (ct)6),
    x <= (ct)-3 ? (ct)0 : (x < (ct)3 ? g * (x / (ct)3 + K(0.5)) : g))
ACT(logsigmoid, logsigmoid_f(x), g * logsigmoid_d(x))
ACT(tanhshrink, x - tanh(x), g * tanh(x) * tanh(x))
/* p0 = threshold, p1 = value; NaN passes through */
ACT(threshold, x <= p0 ? p1 : x, x <= p0 ? (ct)0 : g)
/* p0 = lambda */
ACT(hardshrink, (x >= -p0 && x <= p0) ? (ct)0 : x, (x >= -p0 && x <= p0) ? (ct)0 : g)
ACT(softshrink, (x >= -p0 && x <= p0) ? (ct)0 : (x > (ct)0 ? x - p0 : x + p0),
    (x >= -p0 && x <= p0) ? (ct)0 : g)
