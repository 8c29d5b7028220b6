"""Adam and AdamW (decoupled weight decay), with AMSGrad; one fused kernel per parameter."""
from __future__ import annotations

import math

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import check_grad_matches, fresh
from .optimizer import Optimizer


def _float32():
    from .. import _dtype
    return _dtype.float32


class Adam(Optimizer):
    """torch.optim.Adam."""

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused))
        self._counts: dict = {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore state; step counts are re-read from the loaded 'step' tensors."""
        super().load_state_dict(state_dict)
        self._counts = {}

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                check_grad_matches(p)
                state = self.state[p]
                if not state:
                    state["step"] = p.detach().new_zeros((), dtype=_float32())
                    state["exp_avg"] = p.detach().new_zeros(p.shape)
                    state["exp_avg_sq"] = p.detach().new_zeros(p.shape)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = p.detach().new_zeros(p.shape)
                # the count lives on the host too, so a step never waits for the device
                step = self._counts.get(id(p))
                if step is None:
                    step = int(state["step"].item())
                step += 1
                self._counts[id(p)] = step
                state["step"].fill_(step)
                bc1 = 1 - beta1 ** step
                bc2_sqrt = math.sqrt(1 - beta2 ** step)
                target = fresh(p.data)
                vmax = state.get("max_exp_avg_sq", state["exp_avg_sq"])
                optim_ops.adam_step(target, fresh(p.grad), state["exp_avg"], state["exp_avg_sq"], vmax,
                                    group["lr"], beta1, beta2, group["eps"], group["weight_decay"], bc1, bc2_sqrt,
                                    group["amsgrad"], self._decoupled, group["maximize"])
                if target._storage is not p._storage:
                    p.data.copy_(target)
                p._bump_version()
        return loss


class AdamW(Adam):
    """torch.optim.AdamW: weight decay applied to the parameter, not the gradient."""

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, **kwargs):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **kwargs)
