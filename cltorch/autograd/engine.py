"""The backward pass: a topological walk from the outputs to the leaves."""
from __future__ import annotations

from .graph import AccumulateGrad, accumulator
from .grad_mode import set_grad_enabled


def _topological_order(roots):
    """Nodes reachable from roots, each after every node that feeds it a gradient."""
    order, seen = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for nxt in node.next_functions:
                if nxt is not None and id(nxt[0]) not in seen:
                    stack.append((nxt[0], False))
    order.reverse()
    return order


def _accumulate(buffers, node, index, grad):
    slot = buffers.setdefault(id(node), [None] * max(node._num_outputs, index + 1))
    if len(slot) <= index:
        slot.extend([None] * (index + 1 - len(slot)))
    slot[index] = grad if slot[index] is None else slot[index] + grad


def _run_pre_hooks(node, grads):
    for index, hooks in node._pre_hooks.items():
        if index < len(grads) and grads[index] is not None:
            for hook in list(hooks):
                replaced = hook(grads[index])
                if replaced is not None:
                    grads[index] = replaced
    for index, keep in node._retain_hooks.items():
        if index < len(grads) and grads[index] is not None:
            keep(grads[index])


def _deliver_to_leaf(node: AccumulateGrad, grad, create_graph: bool) -> None:
    leaf = node.variable
    if leaf is None or grad is None:
        return
    for hook in list(getattr(leaf, "_hooks", ())):
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    if not create_graph:
        grad = grad.detach()
    if leaf.grad is None:
        leaf.grad = grad if create_graph else grad.clone() if grad._base is not None else grad
    elif create_graph:
        leaf.grad = leaf.grad + grad
    else:
        leaf.grad.add_(grad)


def run_backward(roots, grad_roots, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate grad_roots from the root tensors' nodes.

    With ``capture`` (a dict {(node, index): None} for autograd.grad), gradients
    reaching those slots are stored there and leaves' ``.grad`` is left alone.
    """
    buffers: dict = {}
    start = []
    for t, g in zip(roots, grad_roots):
        node, index = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator(t), 0)
        _accumulate(buffers, node, index, g)
        start.append(node)
    order = _topological_order(start)
    with set_grad_enabled(create_graph):
        for node in order:
            grads = buffers.pop(id(node), None)
            if grads is None:
                continue
            _run_pre_hooks(node, grads)
            if capture is not None:
                for i, g in enumerate(grads):
                    if (node, i) in capture and g is not None:
                        capture[(node, i)] = g if capture[(node, i)] is None else capture[(node, i)] + g
            if isinstance(node, AccumulateGrad):
                if capture is None:
                    _deliver_to_leaf(node, grads[0], create_graph)
                continue
            grad_inputs = node.apply(tuple(grads))
            if not retain_graph:
                node.release()
            for edge, g in zip(node.next_functions, grad_inputs):
                if edge is not None and g is not None:
                    _accumulate(buffers, edge[0], edge[1], g)
