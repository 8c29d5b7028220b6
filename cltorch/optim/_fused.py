"""Helpers shared by the optimizers: dense operands for the fused kernels, state creation, argument checks."""
from __future__ import annotations

from .. import _dtype
from ..ops.layout import is_dense
from ..tensor import Tensor


def fresh(t: Tensor) -> Tensor:
    """t itself when dense from offset 0 (what the fused kernels index), else a dense copy."""
    if t._offset == 0 and is_dense(t):
        return t
    c = t.contiguous()
    return c if (c is not t and c._offset == 0) else t.clone()


def dense_state(state: dict, key: str) -> Tensor:
    """state[key], replaced by a dense copy first when a loaded or user-set tensor is a strided view."""
    t = state[key]
    if not (t._offset == 0 and is_dense(t)):
        t = state[key] = fresh(t)
    return t


def scalar_dtype(fused=False):
    """The dtype of the 0-d 'step' state: float64 under a float64 default dtype, else float32 (as torch)."""
    if fused:
        return _dtype.float32
    return _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32


def new_scalar(p: Tensor, value: float = 0.0, fused=False) -> Tensor:
    """A 0-d counter tensor on p's device, where the fused kernel can store it."""
    return p.new_full((), value, dtype=scalar_dtype(fused))


def zeros_state(p: Tensor) -> Tensor:
    """A zero state buffer shaped like p (dense, where the fused kernel indexes it)."""
    return p.detach().new_zeros(p.shape)


def as_float(v) -> float:
    """A hyper-parameter as a Python number (a 1-element Tensor lr is read once per step)."""
    return float(v.item()) if isinstance(v, Tensor) else v


def check_lr(lr) -> None:
    """torch's checks of a learning rate (a number or a 1-element Tensor, not negative)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_non_negative(**values) -> None:
    """ValueError 'Invalid <name> value: <v>' for the first (in order) that is negative or NaN, as torch's checks."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


def check_adam_args(lr, betas, eps, weight_decay) -> tuple:
    """torch's checks of Adam-family hyper-parameters; returns betas as a tuple of numbers."""
    check_lr(lr)
    check_non_negative(epsilon=eps)
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    check_non_negative(weight_decay=weight_decay)
    return tuple(betas)


def check_fused(fused, foreach, differentiable) -> None:
    """The fused/foreach/differentiable combinations torch refuses (every cltorch step is fused anyway)."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def check_grad_matches(p: Tensor) -> None:
    """Refuse gradients whose dtype, device or shape differ from the parameter's."""
    g = p.grad
    if g.device != p.device:
        raise RuntimeError(f"gradient is on {g.device} but the parameter is on {p.device}")
    if g.dtype is not p.dtype:
        raise RuntimeError(f"gradient dtype {g.dtype} does not match parameter dtype {p.dtype}")
    if tuple(g.shape) != tuple(p.shape):
        raise RuntimeError(f"gradient has shape {list(g.shape)} but the parameter has shape {list(p.shape)}")


def params_with_grad(group: dict):
    """The parameters of group that have a gradient, after checking each gradient."""
    for p in group["params"]:
        if p.grad is not None:
            check_grad_matches(p)
            yield p


def update(p: Tensor, launch, *args) -> None:
    """Run launch(target, grad, *args) on dense views of p and its gradient; write p back if it was copied."""
    data = p.detach()
    target = fresh(data)
    launch(target, fresh(p.grad.detach()), *args)
    if target is not data:
        data.copy_(target)
    p._bump_version()
