"""User-defined differentiable operations: ``class F(Function)`` with static forward/backward."""
from __future__ import annotations

from .graph import needs_grad, record
from .grad_mode import no_grad


def _is_tensor(x) -> bool:
    return hasattr(x, "_storage") and hasattr(x, "grad_fn")


class FunctionCtx:
    """The ``ctx`` handed to forward and backward: saved tensors and flags."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.to_save = ()
        self._saved_versions = ()
        self.non_differentiable = set()
        self.dirty = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; modifying them in place afterwards is an error at backward."""
        self.to_save = tensors
        self._saved_versions = tuple(t._version if t is not None else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        for t, v in zip(self.to_save, self._saved_versions):
            if t is not None and t._version != v:
                raise RuntimeError("one of the variables needed for gradient computation has been modified by "
                                   f"an inplace operation: a saved tensor is at version {t._version}; "
                                   f"expected version {v} instead.")
        return self.to_save

    def mark_non_differentiable(self, *outputs) -> None:
        """Outputs that never receive gradients (e.g. indices)."""
        self.non_differentiable.update(id(o) for o in outputs)

    def mark_dirty(self, *tensors) -> None:
        """Inputs that forward modified in place."""
        self.dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach backward as zeros (default) or None."""
        self.materialize_grads = bool(value)


class Function:
    """Base class of custom autograd operations; call them with ``MyFunction.apply(...)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs from the inputs."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Gradients of the inputs, one per forward argument (None where there is none)."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward without recording, then record one node whose backward calls cls.backward."""
        flags = tuple(_is_tensor(a) and a.requires_grad for a in args)
        ctx = FunctionCtx(flags)
        with no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        if not needs_grad(*[a for a in args if _is_tensor(a)]):
            return outputs
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        outs = tuple(o.detach() if _is_tensor(o) and id(o) not in ctx.dirty and o.grad_fn is None
                     and any(o is a for a in args) else o for o in outs)
        differentiable = [o if _is_tensor(o) and id(o) not in ctx.non_differentiable else None
                          for o in outs]

        def backward(*grads):
            if ctx.materialize_grads:
                grads = tuple(g if g is not None or o is None else o.new_zeros(o.shape)
                              for g, o in zip(grads, differentiable))
            result = cls.backward(ctx, *grads)
            if not isinstance(result, tuple):
                result = (result,)
            if len(result) < len(args):
                raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of gradients "
                                   f"(expected {len(args)}, got {len(result)})")
            return tuple(result[:len(args)])

        record(f"{cls.__name__}Backward", tuple(differentiable), args, backward)
        return outs if isinstance(outputs, tuple) else outs[0]


class once_differentiable:
    """Decorator accepted for compatibility: backward runs without building a graph."""

    def __new__(cls, fn):
        def wrapper(ctx, *grads):
            with no_grad():
                return fn(ctx, *grads)
        wrapper.__name__ = getattr(fn, "__name__", "backward")
        return wrapper
