"""Adagrad with learning-rate decay; one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import as_float, check_fused, check_lr, check_non_negative, dense_state, params_with_grad, update
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad: the state ('step', 'sum') exists from construction on, as torch's."""

    _setstate_defaults = dict(foreach=None, maximize=False, differentiable=False, fused=None)

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None):
        check_lr(lr)
        check_non_negative(lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, epsilon=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group) -> None:
        state = self.state[p]
        self._new_counter(p, state, fused=bool(group["fused"]))
        state["sum"] = p.detach().new_full(p.shape, group["initial_accumulator_value"])

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay = as_float(group["lr"]), group["lr_decay"]
            for p in params_with_grad(group):
                state = self.state[p]
                if not state:  # a parameter added with add_param_group after construction
                    self._init_state(p, group)
                count = self._advance_step(p, state)
                state_sum = dense_state(state, "sum")
                update(p, optim_ops.adagrad_step, state_sum, state["step"], count, lr, lr_decay, group["eps"],
                       as_float(group["weight_decay"]), group["maximize"])
        return loss
