"""Graph nodes: each op's backward sits in a Node that points at its inputs' nodes.

Like micrograd, an op computes its result and states its backward right
beside it, as a closure handed to ``record``. Tensors the closure needs are
listed as ``saved`` so that in-place changes to them are caught at backward.
"""
from __future__ import annotations

import weakref

from .grad_mode import is_grad_enabled

_FREED = ("Trying to backward through the graph a second time (or to use its saved values after "
          "they were freed). The graph's saved values are released by .backward() and autograd.grad() "
          "unless retain_graph=True is passed to the first call.")


class Node:
    """A recorded operation: its backward, the edges to its inputs, and saved-tensor versions."""

    _name = "Node"

    def __init__(self, backward, next_functions, saved, num_outputs):
        self._backward = backward
        self.next_functions = next_functions
        self._saved = [(t, t._version) for t in saved]
        self._num_outputs = num_outputs
        self._pre_hooks: dict = {}      # output index -> [hook(grad) -> grad|None]
        self._retain_hooks: dict = {}   # output index -> keep(grad), run after the pre-hooks
        self._hooks: list = []          # hook(grad_inputs, grad_outputs)
        self.metadata: dict = {}

    def name(self) -> str:
        """The op name, e.g. 'AddBackward0'."""
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name} object at {hex(id(self))}>"

    def check_saved(self) -> None:
        """Raise torch's error if a saved tensor was modified in place after it was saved."""
        if self._backward is None:
            raise RuntimeError(_FREED)
        for i, (t, version) in enumerate(self._saved):
            if t._version != version:
                owner = t.grad_fn.name() if t.grad_fn is not None else "a leaf tensor"
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.type()} {list(t.shape)}], which is output {getattr(t, '_output_nr', 0)} of "
                    f"{owner}, is at version {t._version}; expected version {version} instead. "
                    "Hint: avoid modifying it in place, or clone it before the in-place change.")

    def apply(self, grads: tuple) -> tuple:
        """Gradients for the inputs, given gradients for the outputs."""
        self.check_saved()
        out = self._backward(*grads)
        if not isinstance(out, tuple):
            out = (out,)
        for hook in self._hooks:
            replaced = hook(out, grads)
            if replaced is not None:
                out = tuple(replaced)
        return out

    def release(self) -> None:
        """Free the closure and saved tensors (after a backward without retain_graph)."""
        self._backward = None
        self._saved = []

    def register_hook(self, hook):
        """Call hook(grad_inputs, grad_outputs) after this node's backward."""
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def register_prehook(self, hook):
        """Call hook(grad_outputs) before this node's backward."""
        return self._add_pre_hook(0, lambda g: hook(g))

    def _add_pre_hook(self, index: int, hook):
        hooks = self._pre_hooks.setdefault(index, [])
        hooks.append(hook)
        return _Handle(hooks, hook)


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: adds incoming gradients into ``.grad``."""

    _name = "AccumulateGrad"

    def __init__(self, leaf):
        super().__init__(None, (), (), 1)
        self.variable_ref = weakref.ref(leaf)

    @property
    def variable(self):
        return self.variable_ref()

    def check_saved(self) -> None:
        pass

    def release(self) -> None:
        pass


class _Handle:
    """Returned by register_hook; ``remove()`` unregisters the hook."""

    def __init__(self, container, item):
        self._container, self._item = container, item

    def remove(self) -> None:
        """Unregister the hook."""
        if self._item in self._container:
            self._container.remove(self._item)


_classes: dict = {}


def _node_class(name: str):
    cls = _classes.get(name)
    if cls is None:
        cls = type(name, (Node,), {"_name": name, "__slots__": ()})
        _classes[name] = cls
    return cls


def rename(t, name: str):
    """Show t's grad_fn under torch's name for a composite op (MseLossBackward0); returns t."""
    node = getattr(t, "grad_fn", None)
    if node is not None and type(node) is not AccumulateGrad:
        node.__class__ = _node_class(name)
    return t


def accumulator(leaf) -> AccumulateGrad:
    """The (single, kept) AccumulateGrad node of a leaf tensor."""
    node = getattr(leaf, "_accumulator", None)
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = node
    return node


def edge(t):
    """Where a gradient for tensor t should flow: (node, output index), or None."""
    if t is None or not getattr(t, "requires_grad", False):
        return None
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (accumulator(t), 0)


def needs_grad(*inputs) -> bool:
    """True when grad mode is on and any input tensor requires grad."""
    if not is_grad_enabled():
        return False
    return any(getattr(t, "requires_grad", False) for t in inputs)


def record(name: str, outputs, inputs, backward, saved=()):
    """Attach a node to outputs: backward(*grad_outputs) returns one gradient (or None) per input.

    outputs may be a tensor or a tuple of tensors; inputs may contain non-tensors (they get no edge).
    Returns outputs, now with grad_fn set and requires_grad=True.
    """
    outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    node = _node_class(name)(backward, tuple(edge(x) for x in inputs), saved, len(outs))
    for i, out in enumerate(outs):
        if out is None or not out.dtype.is_floating_point:
            continue
        out.grad_fn = node
        out.requires_grad = True
        out._output_nr = i
    return outputs
