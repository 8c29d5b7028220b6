"""RAdam (Adam with a rectified adaptive learning rate); one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import as_float, check_adam_args, dense_state, params_with_grad, update
from .optimizer import Optimizer

__all__ = ["RAdam"]


def rectification(beta2: float, count: float):
    """(rectify, factor): whether the variance is tractable at this step, and the rectification term."""
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * count * beta2 ** count / (1 - beta2 ** count)
    if rho_t <= 5.0:
        return False, 0.0
    return True, ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


class RAdam(Optimizer):
    """torch.optim.RAdam."""

    _setstate_defaults = dict(foreach=None, maximize=False, differentiable=False, decoupled_weight_decay=False,
                              capturable=False)

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        betas = check_adam_args(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = as_float(group["lr"])
            for p in params_with_grad(group):
                state = self._state_for(p, ("exp_avg", "exp_avg_sq"))
                count = self._advance_step(p, state)
                rectify, rect = rectification(beta2, count)
                m, v = dense_state(state, "exp_avg"), dense_state(state, "exp_avg_sq")
                update(p, optim_ops.radam_step, m, v, state["step"], count, lr, beta1, beta2, group["eps"],
                       as_float(group["weight_decay"]), rect, rectify, group["decoupled_weight_decay"],
                       group["maximize"])
        return loss
