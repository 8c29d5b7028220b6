"""NAdam (Adam with Nesterov momentum and a momentum schedule); one fused kernel per parameter."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import as_float, check_adam_args, check_non_negative, dense_state, params_with_grad, update, zeros_state
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """torch.optim.NAdam."""

    _setstate_defaults = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                              decoupled_weight_decay=False)

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        betas = check_adam_args(lr, betas, eps, weight_decay)
        check_non_negative(momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, decay = as_float(group["lr"]), group["momentum_decay"]
            for p in params_with_grad(group):
                state = self.state[p]
                if not state:
                    self._new_counter(p, state)
                    self._new_counter(p, state, "mu_product", 1.0)
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                count = self._advance_step(p, state)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (count * decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((count + 1) * decay))
                # the product is kept in the counter's dtype, rounding as torch's 0-d tensor does
                dense_state(state, "mu_product")
                scalar = state["mu_product"].dtype.np.type
                mu_product = float(scalar(self._host_value(p, state, "mu_product")) * scalar(mu))
                self._remember(p, state, mu_product, "mu_product")
                coef_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
                coef_avg = -lr * mu_next / (1.0 - mu_product * mu_next)
                m, v = dense_state(state, "exp_avg"), dense_state(state, "exp_avg_sq")
                update(p, optim_ops.nadam_step, m, v, state["step"], count, state["mu_product"], mu_product, lr, beta1,
                       beta2, group["eps"], as_float(group["weight_decay"]), coef_grad, coef_avg,
                       group["decoupled_weight_decay"], group["maximize"])
        return loss
