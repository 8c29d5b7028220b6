"""Launchers for the fused optimizer-step kernels (dense parameters and state).

Every tensor passed here is dense from storage offset 0 (the optimizers make
sure of it). ``step`` is the 0-d step-count tensor the kernel stores ``count``
into, so the count costs no launch of its own; NAdam also stores mu_product.
Coefficients (1 - beta, 1 - lr * weight_decay, ...) are formed here in double,
as torch forms its Python scalars, and rounded once to the kernel's type.
"""
from __future__ import annotations

import numpy as np

from . import fill as fill_ops
from .layout import kernel_scalar, numel


def _launch(name: str, p, tensors, scalars, flags, counters=()) -> None:
    """Run optim.cl's ``name`` over p: tensors, then (tensor, value) counters, scalars, int flags, n."""
    n = numel(p._shape)
    if n == 0:
        for t, value in counters:
            fill_ops.fill(t, value)
        return
    rt = p._storage.runtime
    # kernels without counters share the program built for the usual float32 step
    step_tag = counters[0][0].dtype.tag if counters else "f32"
    k = rt.kernel("optim.cl", name, {"T": p.dtype.tag, "S": step_tag})
    args = [t._storage.buffer for t in (p, *tensors)]
    for t, value in counters:
        args += [t._storage.buffer, kernel_scalar(t.dtype, value)]
    args += [kernel_scalar(p.dtype, s) for s in scalars]
    args += [np.int32(bool(f)) for f in flags]
    rt.launch(k, n, *args, np.int64(n))


def sgd_step(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first, maximize) -> None:
    """p -= lr * direction, updating the momentum buffer (buf may be p when momentum is 0)."""
    _launch("sgd_step", p, (g, buf), (lr, momentum, 1 - dampening, weight_decay), (nesterov, first, maximize))


def adam_step(p, g, m, v, vmax, step, count, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled,
              maximize) -> None:
    """One Adam/AdamW update of p and its moment buffers (vmax may be v without AMSGrad)."""
    step_size = lr / (1 - beta1 ** count)
    bc2_sqrt = (1 - beta2 ** count) ** 0.5
    _launch("adam_step", p, (g, m, v, vmax),
            (1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay, step_size, bc2_sqrt),
            (amsgrad, decoupled, maximize), ((step, count),))


def rmsprop_step(p, g, square_avg, buf, grad_avg, step, count, lr, alpha, eps, weight_decay, momentum, centered,
                 maximize) -> None:
    """One RMSprop update (buf and grad_avg may be any buffer when momentum is 0 / not centered)."""
    _launch("rmsprop_step", p, (g, square_avg, buf, grad_avg), (lr, alpha, 1 - alpha, eps, weight_decay, momentum),
            (centered, maximize), ((step, count),))


def adagrad_step(p, g, state_sum, step, count, lr, lr_decay, eps, weight_decay, maximize) -> None:
    """One Adagrad update with the learning rate decayed to lr / (1 + (count - 1) lr_decay)."""
    clr = lr / (1 + (count - 1) * lr_decay)
    _launch("adagrad_step", p, (g, state_sum), (clr, eps, weight_decay), (maximize,), ((step, count),))


def adadelta_step(p, g, square_avg, acc_delta, step, count, lr, rho, eps, weight_decay, maximize) -> None:
    """One Adadelta update."""
    _launch("adadelta_step", p, (g, square_avg, acc_delta), (lr, rho, 1 - rho, eps, weight_decay), (maximize,),
            ((step, count),))


def adamax_step(p, g, exp_avg, exp_inf, step, count, lr, beta1, beta2, eps, weight_decay, maximize) -> None:
    """One Adamax update."""
    clr = lr / (1 - beta1 ** count)
    _launch("adamax_step", p, (g, exp_avg, exp_inf), (clr, 1 - beta1, beta2, eps, weight_decay), (maximize,),
            ((step, count),))


def nadam_step(p, g, exp_avg, exp_avg_sq, step, count, mu_product, mu_value, lr, beta1, beta2, eps, weight_decay,
               coef_grad, coef_avg, decoupled, maximize) -> None:
    """One NAdam update; coef_grad and coef_avg weigh the gradient and the first moment."""
    _launch("nadam_step", p, (g, exp_avg, exp_avg_sq),
            (1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay, 1 - beta2 ** count, coef_grad,
             coef_avg), (decoupled, maximize), ((step, count), (mu_product, mu_value)))


def radam_step(p, g, exp_avg, exp_avg_sq, step, count, lr, beta1, beta2, eps, weight_decay, rect, rectify,
               decoupled, maximize) -> None:
    """One RAdam update; rectify switches on the adaptive term scaled by rect."""
    _launch("radam_step", p, (g, exp_avg, exp_avg_sq),
            (lr, 1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay, 1 - beta1 ** count,
             (1 - beta2 ** count) ** 0.5, rect), (rectify, decoupled, maximize), ((step, count),))
