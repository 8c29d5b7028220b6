"""Adadelta; one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import as_float, check_lr, check_non_negative, dense_state, params_with_grad, update
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """torch.optim.Adadelta."""

    _setstate_defaults = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(epsilon=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = as_float(group["lr"])
            for p in params_with_grad(group):
                state = self._state_for(p, ("square_avg", "acc_delta"))
                count = self._advance_step(p, state)
                sq, acc = dense_state(state, "square_avg"), dense_state(state, "acc_delta")
                update(p, optim_ops.adadelta_step, sq, acc, state["step"], count, lr, group["rho"], group["eps"],
                       as_float(group["weight_decay"]), group["maximize"])
        return loss
