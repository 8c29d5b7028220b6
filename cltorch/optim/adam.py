"""Adam and AdamW (decoupled weight decay), with AMSGrad; one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ..tensor import Tensor
from ._fused import as_float, check_adam_args, check_fused, dense_state, params_with_grad, update, zeros_state
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """torch.optim.Adam (decoupled_weight_decay=True makes it AdamW)."""

    _setstate_defaults = dict(amsgrad=False, maximize=False, foreach=None, capturable=False, differentiable=False,
                              decoupled_weight_decay=False, fused=None)

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False):
        betas = check_adam_args(lr, betas, eps, weight_decay)
        both_floats = all(isinstance(b, float) for b in betas)
        if not (both_floats or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor) and b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(as_float(b) for b in betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))
        check_fused(fused, foreach, differentiable)

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = (as_float(b) for b in group["betas"])
            lr, wd = as_float(group["lr"]), as_float(group["weight_decay"])
            for p in params_with_grad(group):
                state = self._state_for(p, ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * bool(group["amsgrad"]),
                                        fused=bool(group["fused"]))
                count = self._advance_step(p, state)
                m, v = dense_state(state, "exp_avg"), dense_state(state, "exp_avg_sq")
                if group["amsgrad"]:
                    if "max_exp_avg_sq" not in state:
                        state["max_exp_avg_sq"] = zeros_state(p)
                    vmax = dense_state(state, "max_exp_avg_sq")
                else:
                    vmax = v
                update(p, optim_ops.adam_step, m, v, vmax, state["step"], count, lr, beta1, beta2, group["eps"], wd,
                       group["amsgrad"], group["decoupled_weight_decay"], group["maximize"])
        return loss


class AdamW(Adam):
    """torch.optim.AdamW: weight decay applied to the parameter, not the gradient."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
