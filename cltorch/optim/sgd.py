"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops import optim as optim_ops
from ._fused import check_grad_matches, fresh
from .optimizer import Optimizer


class SGD(Optimizer):
    """torch.optim.SGD: each step is one fused kernel per parameter."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                check_grad_matches(p)
                state = self.state[p]
                momentum = group["momentum"]
                first = "momentum_buffer" not in state or state["momentum_buffer"] is None
                if momentum != 0 and first:
                    state["momentum_buffer"] = p.detach().new_empty(p.shape)
                buf = state.get("momentum_buffer") if momentum != 0 else None
                target = fresh(p.data)
                optim_ops.sgd_step(target, fresh(p.grad), buf if buf is not None else target, group["lr"],
                                   momentum, group["dampening"], group["weight_decay"], group["nesterov"],
                                   first, group["maximize"])
                if target._storage is not p._storage:
                    p.data.copy_(target)
                p._bump_version()
        return loss
