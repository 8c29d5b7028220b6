"""Adamax (Adam with the infinity norm); one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import as_float, check_adam_args, dense_state, params_with_grad, update
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """torch.optim.Adamax."""

    _setstate_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        betas = check_adam_args(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = as_float(group["lr"])
            for p in params_with_grad(group):
                state = self._state_for(p, ("exp_avg", "exp_inf"))
                count = self._advance_step(p, state)
                m, u = dense_state(state, "exp_avg"), dense_state(state, "exp_inf")
                update(p, optim_ops.adamax_step, m, u, state["step"], count, lr, beta1, beta2, group["eps"],
                       as_float(group["weight_decay"]), group["maximize"])
        return loss
