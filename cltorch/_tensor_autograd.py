"""The autograd side of Tensor: backward, detach, .data, hooks, and in-place checks."""
from __future__ import annotations

from . import autograd
from .autograd.grad_mode import is_grad_enabled
from .tensor import Tensor


def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate d(self)/d(leaf) into each leaf's .grad (gradient required for non-scalars)."""
    autograd.backward(self, gradient, retain_graph, create_graph, inputs)


def detach(self) -> Tensor:
    """A view of the same storage (same version counter) with no history."""
    out = Tensor._make(self._storage, self._offset, self._shape, self._stride, self.dtype, self.device,
                       self._version_counter)
    return out


def detach_(self) -> Tensor:
    """Drop this tensor's history in place and make it a leaf that does not require grad."""
    if self._base is not None and self._base.requires_grad:
        raise RuntimeError("Can't detach views in-place. Use detach() instead.")
    self.grad_fn = None
    self.requires_grad = False
    return self


def _get_data(self) -> Tensor:
    """The same storage without history or version tracking (writes are invisible to autograd)."""
    return Tensor._make(self._storage, self._offset, self._shape, self._stride, self.dtype, self.device)


def _set_data(self, other: Tensor) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"data must be a Tensor, not {type(other).__name__}")
    self._storage, self._offset = other._storage, other._offset
    self._shape, self._stride, self.dtype, self.device = other._shape, other._stride, other.dtype, other.device


def register_hook(self, hook):
    """Call hook(grad) when this tensor's gradient is computed; it may return a replacement."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is None:
        self._hooks.append(hook)
        return autograd.graph._Handle(self._hooks, hook)
    return self.grad_fn._add_pre_hook(self._output_nr, hook)


def retain_grad(self) -> None:
    """Keep .grad for this non-leaf tensor after backward."""
    if not self.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None or getattr(self, "_retains_grad", False):
        return

    def keep(grad):
        self.grad = grad.detach() if self.grad is None else self.grad + grad.detach()

    # retain_grad runs after the tensor's other hooks, so .grad shows the hooked gradient (as torch)
    self.grad_fn._retain_hooks[self._output_nr] = keep
    self._retains_grad = True


def check_inplace(t: Tensor) -> None:
    """Refuse in-place writes to a leaf that requires grad while grad mode is on (torch's rule)."""
    if is_grad_enabled() and t.requires_grad and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = t._base
    if is_grad_enabled() and base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


Tensor.backward = backward
Tensor.detach = detach
Tensor.detach_ = detach_
Tensor.data = property(_get_data, _set_data)
Tensor.register_hook = register_hook
Tensor.retain_grad = retain_grad
Tensor.retains_grad = property(lambda self: getattr(self, "_retains_grad", False))
Tensor.output_nr = property(lambda self: self._output_nr)


def _region(t: Tensor, view: Tensor, base: Tensor) -> Tensor:
    """The part of t (shaped like base) that view covers in base."""
    return Tensor._make(t._storage, t._offset + view._offset - base._offset, view._shape, view._stride,
                        t.dtype, t.device, t._version_counter)


def adopt_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Finish an in-place op done as ``result = op(self, ...)`` with autograd on.

    The values move into self's storage, and self's history becomes result's. When
    self is a view, the base's history is rewritten as torch's CopySlices does: the
    base's old gradient path loses the overwritten region, which now comes from result.
    """
    from .ops import copy as copy_ops
    from .ops.layout import is_dense
    check_inplace(self)
    copy_ops.copy_into(self, result)
    self._bump_version()
    if not result.requires_grad:
        # the new values do not depend on anything that requires grad: cut the old history
        result = result.detach()
        autograd.graph.record("FillBackward0", result, (self,), lambda g: (g * 0,))
    elif result.grad_fn is None:
        # result is a leaf that requires grad (y.copy_(leaf)): route the gradient to it
        leaf = result
        result = leaf.detach()
        autograd.graph.record("CopyBackwards", result, (self, leaf), lambda g: (g * 0, g))
    base = self._base
    if base is None:
        self.grad_fn, self._output_nr, self.requires_grad = result.grad_fn, result._output_nr, True
        return self
    if not is_dense(base):
        raise NotImplementedError("in-place operations with autograd on views of non-contiguous tensors "
                                  "are not supported yet; clone the base first")

    def copy_slices_backward(g):
        g = g.contiguous()
        g_base = g.clone()
        _region(g_base, self, base).zero_()
        return g_base, _region(g, self, base).clone()

    autograd.graph.record("CopySlices", base, (base, result), copy_slices_backward)

    def view_backward(g):
        g_base = g.new_zeros(base._shape)
        _region(g_base, self, base).copy_(g)
        return (g_base,)

    self.grad_fn = None
    autograd.graph.record("AsStridedBackward0", self, (base,), view_backward)
    return self
