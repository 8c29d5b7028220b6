"""RMSprop, optionally centred and with momentum; one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import as_float, check_lr, check_non_negative, dense_state, params_with_grad, update, zeros_state
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """torch.optim.RMSprop."""

    _setstate_defaults = dict(momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
                              capturable=False)

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False):
        check_lr(lr)
        check_non_negative(epsilon=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum, centered = as_float(group["lr"]), group["momentum"], group["centered"]
            for p in params_with_grad(group):
                state = self._state_for(p, ("square_avg",) + ("momentum_buffer",) * (momentum > 0)
                                        + ("grad_avg",) * bool(centered))
                count = self._advance_step(p, state)
                sq = dense_state(state, "square_avg")
                buf = _ensure(state, "momentum_buffer", p) if momentum > 0 else sq
                gavg = _ensure(state, "grad_avg", p) if centered else sq
                update(p, optim_ops.rmsprop_step, sq, buf, gavg, state["step"], count, lr, group["alpha"], group["eps"],
                       as_float(group["weight_decay"]), momentum, centered, group["maximize"])
        return loss


def _ensure(state: dict, key: str, p):
    """state[key] as a dense buffer, created as zeros when an option was switched on after the first step."""
    if key not in state:
        state[key] = zeros_state(p)
    return dense_state(state, key)
