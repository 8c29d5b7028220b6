"""Finite-difference checks of backward formulas (``gradcheck``, ``gradgradcheck``).

Testing utilities: the perturbed inputs are prepared on the host with NumPy
and uploaded; the op itself still runs on the device.
"""
from __future__ import annotations

import numpy as np



class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ."""


def _is_tensor(x) -> bool:
    return hasattr(x, "_storage") and hasattr(x, "grad_fn")


def _outputs(func, inputs):
    out = func(*inputs)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _host(t) -> np.ndarray:
    return t.detach().to("cpu").numpy().astype(np.float64)


def _numerical(func, inputs, index, eps, out_count):
    """d(outputs)/d(inputs[index]) by central differences: one matrix per output."""
    x = inputs[index]
    base = _host(x)
    flat = base.reshape(-1)
    columns = [[] for _ in range(out_count)]
    for k in range(flat.size):
        values = []
        for delta in (eps, -eps):
            arr = flat.copy()
            arr[k] += delta
            perturbed = x.detach().new_tensor(arr.reshape(base.shape)).requires_grad_(x.requires_grad)
            args = list(inputs)
            args[index] = perturbed
            # grad mode stays on: gradgradcheck's function differentiates inside
            values.append([_host(o).reshape(-1) for o in _outputs(func, args)])
        for o in range(out_count):
            columns[o].append((values[0][o] - values[1][o]) / (2 * eps))
    return [np.stack(cols, axis=1) if cols else np.zeros((0, 0)) for cols in columns]


def _analytical(outputs, diff_inputs):
    """Row j of output o: gradient of element j of output o with respect to each input."""
    from . import grad as autograd_grad
    result = []
    for out in outputs:
        n = out.numel()
        rows = [[] for _ in diff_inputs]
        for j in range(n):
            onehot = np.zeros(n)
            onehot[j] = 1.0
            g = out.detach().new_tensor(onehot.reshape(tuple(out.shape)))
            grads = autograd_grad(out, diff_inputs, g, retain_graph=True, allow_unused=True)
            for r, (gi, x) in enumerate(zip(grads, diff_inputs)):
                rows[r].append(np.zeros(x.numel()) if gi is None else _host(gi).reshape(-1))
        result.append([np.stack(r, axis=0) if r else np.zeros((0, x.numel())) for r, x in zip(rows, diff_inputs)])
    return result


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Compare backward's Jacobian with central differences for every input that requires grad."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    outputs = [o for o in _outputs(func, inputs) if _is_tensor(o) and o.dtype.is_floating_point]
    diff_outputs = [o for o in outputs if o.requires_grad]
    if not diff_outputs:
        raise GradcheckError("gradcheck expects at least one output that requires grad")
    analytical = _analytical(diff_outputs, [inputs[i] for i in diff_idx])
    for pos, i in enumerate(diff_idx):
        numerical = _numerical(func, inputs, i, eps, len(outputs))
        num_by_out = [numerical[k] for k, o in enumerate(outputs) if o.requires_grad]
        for o, (a_mat, n_mat) in enumerate(zip((a[pos] for a in analytical), num_by_out)):
            if not np.allclose(a_mat, n_mat, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                worst = np.abs(a_mat - n_mat).max() if a_mat.size else 0.0
                raise GradcheckError(
                    f"Jacobian mismatch for output {o} with respect to input {i}: max difference {worst:.3g}\n"
                    f"numerical:\n{n_mat}\nanalytical:\n{a_mat}")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, **_ignored) -> bool:
    """gradcheck of the gradients themselves (second derivatives through create_graph)."""
    from . import grad as autograd_grad
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    outs = [o for o in _outputs(func, inputs) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [o.detach().new_tensor(rng.standard_normal(tuple(o.shape))) for o in outs]

    def first_grads(*args):
        local = [a for a in args if _is_tensor(a) and a.requires_grad]
        o = [t for t in _outputs(func, args) if t.requires_grad]
        grads = autograd_grad(o, local, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception) \
        if diff else True
