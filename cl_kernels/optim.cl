/* Fused optimizer steps: one kernel updates one parameter, its state buffers and
 * its step count. Coefficients such as 1 - beta come computed in double on the
 * host (as torch computes its Python scalars), never re-derived here in float.
 * -D T: the parameter dtype tag (f32, f64, f16); arithmetic runs in CTYPE(T).
 * -D S: the dtype tag of the 0-d 'step' (and NAdam 'mu_product') state tensors.
 * Counters are kept on the host; work-item 0 stores the new value so a step
 * never needs a second launch or a read-back. Buffers a configuration does not
 * use are passed as any valid buffer and never touched. */
#include "common.h"

/* Each operation rounds on its own, as torch's chain of tensor ops does, so
 * trajectories follow torch's to the last bits where the formulas agree. */
#pragma OPENCL FP_CONTRACT OFF

/* Written as torch's CPU kernels evaluate them: addcdiv is self + (value * t1) / t2,
 * addcmul is self + (value * t1) * t2. */

typedef CTYPE(T) ct;
typedef CTYPE(S) st;

/* torch's lerp: a + w (b - a), computed from the nearer end for accuracy. */
inline ct lerp_w(ct a, ct b, ct w) {
    return w < (ct)0.5 ? a + w * (b - a) : b - (b - a) * ((ct)1 - w);
}

/* The gradient as the update direction: negated for maximize, plus L2 weight decay. */
inline ct direction(ct g, ct param, int maximize, ct weight_decay) {
    if (maximize) g = -g;
    if (weight_decay != (ct)0) g += param * weight_decay;
    return g;
}

/* Decoupled weight decay shrinks the parameter; otherwise it joins the gradient. */
inline ct decay_param(ct param, int decoupled, ct shrink) {
    return decoupled ? param * shrink : param;
}

/* a * decay + w * b * b: the running average of squares (torch's mul_ then addcmul_). */
inline ct avg_sq(ct a, ct decay, ct w, ct b) {
    return a * decay + w * b * b;
}

/* torch.maximum: NaN wins. */
inline ct nan_max(ct a, ct b) {
    return (isnan(a) || a > b) ? a : b;
}

/* The Adam-family start of a step (Adam, NAdam, RAdam): weight decay (decoupled: the
 * parameter shrinks; else L2 in the gradient), the direction *d, and the new first
 * and second moments *mi and *vi, stored to m and v. Returns the parameter to update. */
inline ct adam_moments(__global const STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *m,
                       __global STYPE(T) *v, long i, ct w1, ct beta2, ct w2, ct weight_decay, ct shrink,
                       int decoupled, int maximize, ct *d, ct *mi, ct *vi) {
    ct param = decay_param(LD(T, p, i), decoupled, shrink);
    *d = direction(LD(T, g, i), param, maximize, decoupled ? (ct)0 : weight_decay);
    *mi = lerp_w(LD(T, m, i), *d, w1);
    *vi = avg_sq(LD(T, v, i), beta2, w2, *d);
    ST(T, m, i, *mi);
    ST(T, v, i, *vi);
    return param;
}

#define STORE_COUNTER(i, ptr, value) if ((i) == 0) ST(S, ptr, 0, value)

/* SGD with weight decay, momentum, dampening (keep = 1 - dampening), Nesterov;
 * first marks the step that initialises the momentum buffer with the gradient. */
__kernel void sgd_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *buf,
                       ct lr, ct momentum, ct keep, ct weight_decay, int nesterov, int first,
                       int maximize, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = direction(LD(T, g, i), param, maximize, weight_decay);
    if (momentum != (ct)0) {
        ct b = first ? d : LD(T, buf, i) * momentum + keep * d;
        ST(T, buf, i, b);
        d = nesterov ? d + momentum * b : b;
    }
    ST(T, p, i, param + (-lr) * d);
}

/* Adam / AdamW with optional AMSGrad. w1 = 1 - beta1, w2 = 1 - beta2, shrink =
 * 1 - lr * weight_decay (decoupled decay), step_size = lr / (1 - beta1^t),
 * bc2_sqrt = sqrt(1 - beta2^t). */
__kernel void adam_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *m,
                        __global STYPE(T) *v, __global STYPE(T) *vmax, __global STYPE(S) *step, st stepv,
                        ct w1, ct beta2, ct w2, ct eps, ct weight_decay, ct shrink, ct step_size, ct bc2_sqrt,
                        int amsgrad, int decoupled, int maximize, long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    if (i >= n) return;
    ct d, mi, vi;
    ct param = adam_moments(p, g, m, v, i, w1, beta2, w2, weight_decay, shrink, decoupled, maximize, &d, &mi, &vi);
    if (amsgrad) {
        vi = nan_max(LD(T, vmax, i), vi);
        ST(T, vmax, i, vi);
    }
    ct denom = sqrt(vi) / bc2_sqrt + eps;
    ST(T, p, i, param + (-step_size) * mi / denom);
}

/* RMSprop with optional centring (grad_avg) and momentum (buf); w = 1 - alpha. */
__kernel void rmsprop_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *sq,
                           __global STYPE(T) *buf, __global STYPE(T) *gavg, __global STYPE(S) *step, st stepv,
                           ct lr, ct alpha, ct w, ct eps, ct weight_decay, ct momentum, int centered, int maximize,
                           long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = direction(LD(T, g, i), param, maximize, weight_decay);
    ct s = avg_sq(LD(T, sq, i), alpha, w, d);
    ST(T, sq, i, s);
    ct avg;
    if (centered) {
        ct ga = lerp_w(LD(T, gavg, i), d, w);
        ST(T, gavg, i, ga);
        avg = sqrt(s + (-ga) * ga);
    } else {
        avg = sqrt(s);
    }
    avg += eps;
    if (momentum > (ct)0) {
        ct b = LD(T, buf, i) * momentum + d / avg;
        ST(T, buf, i, b);
        ST(T, p, i, param + (-lr) * b);
    } else {
        ST(T, p, i, param + (-lr) * d / avg);
    }
}

/* Adagrad: the running sum of squared gradients scales the step; clr is the
 * decayed learning rate lr / (1 + (t - 1) lr_decay). */
__kernel void adagrad_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *sum,
                           __global STYPE(S) *step, st stepv, ct clr, ct eps, ct weight_decay, int maximize,
                           long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = direction(LD(T, g, i), param, maximize, weight_decay);
    ct s = LD(T, sum, i) + d * d;
    ST(T, sum, i, s);
    ST(T, p, i, param + (-clr) * d / (sqrt(s) + eps));
}

/* Adadelta: running averages of squared gradients and of squared updates; w = 1 - rho. */
__kernel void adadelta_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *sq,
                            __global STYPE(T) *acc, __global STYPE(S) *step, st stepv, ct lr, ct rho, ct w, ct eps,
                            ct weight_decay, int maximize, long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = direction(LD(T, g, i), param, maximize, weight_decay);
    ct s = avg_sq(LD(T, sq, i), rho, w, d);
    ST(T, sq, i, s);
    ct a = LD(T, acc, i);
    ct delta = sqrt(a + eps) / sqrt(s + eps) * d;
    ST(T, acc, i, avg_sq(a, rho, w, delta));
    ST(T, p, i, param + (-lr) * delta);
}

/* Adamax: Adam with the infinity norm; w1 = 1 - beta1, clr = lr / (1 - beta1^t). */
__kernel void adamax_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *m,
                          __global STYPE(T) *u, __global STYPE(S) *step, st stepv, ct clr, ct w1, ct beta2,
                          ct eps, ct weight_decay, int maximize, long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = direction(LD(T, g, i), param, maximize, weight_decay);
    ct mi = lerp_w(LD(T, m, i), d, w1);
    ct ui = nan_max(LD(T, u, i) * beta2, fabs(d) + eps);
    ST(T, m, i, mi);
    ST(T, u, i, ui);
    ST(T, p, i, param + (-clr) * mi / ui);
}

/* NAdam (Nesterov momentum schedule mu_t). cg and cm are the host-computed
 * coefficients of the gradient and of the first moment; the new mu_product is
 * stored next to the step count. */
__kernel void nadam_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *m,
                         __global STYPE(T) *v, __global STYPE(S) *step, st stepv, __global STYPE(S) *mu_prod,
                         st mu_prodv, ct w1, ct beta2, ct w2, ct eps, ct weight_decay, ct shrink, ct bc2, ct cg,
                         ct cm, int decoupled, int maximize, long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    STORE_COUNTER(i, mu_prod, mu_prodv);
    if (i >= n) return;
    ct d, mi, vi;
    ct param = adam_moments(p, g, m, v, i, w1, beta2, w2, weight_decay, shrink, decoupled, maximize, &d, &mi, &vi);
    ct denom = sqrt(vi / bc2) + eps;
    param = param + cg * d / denom;
    ST(T, p, i, param + cm * mi / denom);
}

/* RAdam: Adam whose adaptive term is switched on (scaled by rect) once the
 * variance is tractable (rectify); bc1 = 1 - beta1^t, bc2_sqrt = sqrt(1 - beta2^t). */
__kernel void radam_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *m,
                         __global STYPE(T) *v, __global STYPE(S) *step, st stepv, ct lr, ct w1, ct beta2, ct w2,
                         ct eps, ct weight_decay, ct shrink, ct bc1, ct bc2_sqrt, ct rect, int rectify,
                         int decoupled, int maximize, long n) {
    long i = get_global_id(0);
    STORE_COUNTER(i, step, stepv);
    if (i >= n) return;
    ct d, mi, vi;
    ct param = adam_moments(p, g, m, v, i, w1, beta2, w2, weight_decay, shrink, decoupled, maximize, &d, &mi, &vi);
    ct update = mi / bc1 * lr;
    if (rectify) update = update * (bc2_sqrt / (sqrt(vi) + eps)) * rect;
    ST(T, p, i, param + (-(ct)1) * update);
}
