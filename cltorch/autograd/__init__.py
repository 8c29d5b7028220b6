"""``cltorch.autograd``: define-by-run differentiation.

Ops record a Node (``grad_fn``) when grad mode is on and an input requires
grad; ``backward`` and ``grad`` walk those nodes in topological order.
"""
from __future__ import annotations

from . import graph
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .graph import Node
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _make_grads(outputs, grads):
    """Fill in default (implicit scalar) gradients and check shapes."""
    result = []
    for i, out in enumerate(outputs):
        g = grads[i] if i < len(grads) else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = out.new_ones(out.shape)
        elif not hasattr(g, "_storage"):
            g = out.new_full(out.shape, g)
        elif tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and "
                               f"output[{i}] has a shape of {list(out.shape)}.")
        result.append(g)
    return result


def _check_requires_grad(outputs):
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate gradients of tensors into the ``.grad`` of the leaves that require grad."""
    outputs = _as_tuple(tensors)
    _check_requires_grad(outputs)
    grads = _make_grads(outputs, _as_tuple(grad_tensors))
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        captured = grad(outputs, _as_tuple(inputs), grads, retain_graph=retain, create_graph=create_graph,
                        allow_unused=True)
        for t, g in zip(_as_tuple(inputs), captured):
            if g is not None:
                t.grad = g if t.grad is None else t.grad + g
        return
    run_backward(outputs, grads, retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False, materialize_grads: bool = False):
    """Gradients of outputs with respect to inputs, returned (not accumulated into .grad)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    _check_requires_grad(outputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    retain = create_graph if retain_graph is None else retain_graph
    slots = [graph.edge(t) for t in inputs]
    capture = {slot: None for slot in slots}
    run_backward(outputs, grads, retain, create_graph, capture=capture)
    result = []
    for t, slot in zip(inputs, slots):
        g = capture.get(slot)
        if g is None:
            if materialize_grads:
                g = t.new_zeros(t.shape)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "Node",
           "gradcheck", "gradgradcheck", "GradcheckError"]
