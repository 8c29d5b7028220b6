/* Fused optimizer steps: one kernel updates one parameter and its state buffers.
 * -D T: the parameter dtype tag (f32, f64, f16); arithmetic runs in CTYPE(T). */
#include "common.h"

typedef CTYPE(T) ct;

/* SGD with weight decay, momentum, dampening, Nesterov; first marks the step
 * that initialises the momentum buffer with the gradient itself. */
__kernel void sgd_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *buf,
                       ct lr, ct momentum, ct dampening, ct weight_decay, int nesterov, int first,
                       int maximize, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = LD(T, g, i);
    if (maximize) d = -d;
    if (weight_decay != (ct)0) d += weight_decay * param;
    if (momentum != (ct)0) {
        ct b = first ? d : momentum * LD(T, buf, i) + ((ct)1 - dampening) * d;
        ST(T, buf, i, b);
        d = nesterov ? d + momentum * b : b;
    }
    ST(T, p, i, param - lr * d);
}

/* Adam / AdamW (decoupled weight decay) with optional AMSGrad. bc1 and bc2_sqrt
 * are the bias corrections 1 - beta1^t and sqrt(1 - beta2^t). */
__kernel void adam_step(__global STYPE(T) *p, __global const STYPE(T) *g, __global STYPE(T) *m,
                        __global STYPE(T) *v, __global STYPE(T) *vmax, ct lr, ct beta1, ct beta2, ct eps,
                        ct weight_decay, ct bc1, ct bc2_sqrt, int amsgrad, int decoupled, int maximize, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ct param = LD(T, p, i);
    ct d = LD(T, g, i);
    if (maximize) d = -d;
    if (decoupled) param *= (ct)1 - lr * weight_decay;
    else if (weight_decay != (ct)0) d += weight_decay * param;
    ct mi = beta1 * LD(T, m, i) + ((ct)1 - beta1) * d;
    ct vi = beta2 * LD(T, v, i) + ((ct)1 - beta2) * d * d;
    ST(T, m, i, mi);
    ST(T, v, i, vi);
    if (amsgrad) {
        vi = fmax(vi, (ct)LD(T, vmax, i));
        ST(T, vmax, i, vi);
    }
    ct denom = sqrt(vi) / bc2_sqrt + eps;
    ST(T, p, i, param - (lr / bc1) * mi / denom);
}
