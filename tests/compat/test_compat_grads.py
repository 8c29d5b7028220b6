"""Gradients agree with PyTorch's under a random upstream gradient, family by family.

Each case is a function of the library and its input tensors; both libraries
get the same float64 inputs and the same upstream gradient.
"""
import numpy as np
import pytest

import harness  # noqa: F401  (skips this module when torch is missing)
import torch

import cltorch

RNG = np.random.default_rng(2024)


def compare(fn, shapes, low=-1.0, high=1.0, positive=False):
    """Run fn in both libraries, backward with one random upstream gradient, compare every .grad."""
    arrays = [RNG.uniform(0.2 if positive else low, high, s) for s in shapes]
    grads = {}
    for lib in (torch, cltorch):
        inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = fn(lib, *inputs)
        if lib is torch:
            upstream = RNG.standard_normal(tuple(out.shape))
        out.backward(lib.tensor(upstream, dtype=lib.float64))
        grads[lib] = [np.asarray(x.grad.detach().cpu().numpy() if lib is torch else x.grad.numpy()) for x in inputs]
        if lib is torch:
            expected_out = out.detach().numpy()
        else:
            np.testing.assert_allclose(out.detach().numpy(), expected_out, rtol=1e-9, atol=1e-10)
    for ours, theirs in zip(grads[cltorch], grads[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


ELEMENTWISE = {
    "add_alpha": (lambda L, a, b: L.add(a, b, alpha=2.5), [(3, 4), (4,)]),
    "sub_bcast": (lambda L, a, b: a - b, [(3, 1), (1, 4)]),
    "mul": (lambda L, a, b: a * b, [(3, 4), (3, 4)]),
    "div": (lambda L, a, b: a / (b + 3), [(3, 4), (4,)]),
    "pow": (lambda L, a, b: (a + 2) ** b, [(3, 4), (3, 4)]),
    "atan2": (lambda L, a, b: L.atan2(a, b), [(5,), (5,)]),
    "maximum": (lambda L, a, b: L.maximum(a, b), [(6,), (6,)]),
    "where": (lambda L, a, b: L.where(a > 0, a * 2, b), [(3, 4), (3, 4)]),
    "lerp": (lambda L, a, b, w: L.lerp(a, b, w), [(4,), (4,), (4,)]),
    "addcdiv": (lambda L, a, b, c: L.addcdiv(a, b, c + 3, value=0.5), [(2, 3), (3,), (2, 1)]),
    "clamp": (lambda L, a: a.clamp(-0.5, 0.5) * a, [(10,)]),
    "unary_chain": (lambda L, a: (a.exp() + a.sin() * a.tanh()).sigmoid().log1p(), [(3, 4)]),
}

REDUCTIONS = {
    "sum_dims": (lambda L, a: a.sum((0, 2), keepdim=True), [(2, 3, 4)]),
    "mean": (lambda L, a: a.mean(1), [(3, 5)]),
    "prod": (lambda L, a: a.prod(1), [(3, 4)]),
    "max_dim": (lambda L, a: a.max(1).values, [(3, 5)]),
    "amax": (lambda L, a: a.amax(0), [(4, 3)]),
    "var": (lambda L, a: a.var(1, correction=0), [(3, 5)]),
    "std": (lambda L, a: a.std(), [(3, 5)]),
    "norm": (lambda L, a: a.norm(dim=1), [(3, 4)]),
    "logsumexp": (lambda L, a: a.logsumexp(1), [(3, 4)]),
    "cumsum": (lambda L, a: a.cumsum(1), [(3, 4)]),
    "cumprod": (lambda L, a: a.cumprod(0), [(4, 3)]),
}

VIEWS = {
    "view_permute": (lambda L, a: a.view(2, 6).t().reshape(3, 4).permute(1, 0), [(3, 4)]),
    "expand": (lambda L, a: a.expand(3, 4, 5) * 1.5, [(4, 1)]),
    "narrow_select": (lambda L, a: a.narrow(1, 1, 2).select(0, 2), [(4, 5)]),
    "split": (lambda L, a: a.split([1, 3], 1)[1] * 2, [(3, 4)]),
    "cat_stack": (lambda L, a, b: L.stack([L.cat([a, b], 0), L.cat([b, a], 0)], 1), [(2, 3), (2, 3)]),
    "flip_roll": (lambda L, a: a.flip(0).roll(1, 1), [(3, 4)]),
    "repeat": (lambda L, a: a.repeat(2, 3), [(2, 2)]),
    "tril_diag": (lambda L, a: a.tril(-1) + L.diag(a.diagonal()), [(4, 4)]),
    "squeeze_unsqueeze": (lambda L, a: a.unsqueeze(1).squeeze(2), [(3, 1, 4)]),
}

INDEXING = {
    "basic": (lambda L, a: a[1:, ::2], [(3, 5)]),
    "advanced": (lambda L, a: a[L.tensor([0, 2, 0])], [(3, 4)]),
    "mask": (lambda L, a: a[a > 0], [(4, 4)]),
    "gather": (lambda L, a: a.gather(1, L.tensor([[0, 0], [1, 2], [2, 1]])), [(3, 3)]),
    "index_select": (lambda L, a: a.index_select(0, L.tensor([2, 0, 2])), [(3, 4)]),
    "scatter_add": (lambda L, a, s: a.scatter_add(0, L.tensor([[0, 1, 0], [1, 0, 0]]), s), [(2, 3), (2, 3)]),
    "index_add": (lambda L, a, s: a.index_add(0, L.tensor([0, 0, 2]), s), [(3, 2), (3, 2)]),
    "masked_fill": (lambda L, a: a.masked_fill(a < 0, 0.5) * a, [(3, 4)]),
    "sort_topk": (lambda L, a: a.sort(1).values[:, :2] + a.topk(2, 1).values, [(3, 5)]),
}

LINALG = {
    "mm_transposed": (lambda L, a, b: a.t() @ b, [(4, 3), (4, 2)]),
    "bmm_broadcast": (lambda L, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "mv_dot": (lambda L, a, v: (a @ v) * L.dot(v, v), [(3, 4), (4,)]),
    "addmm": (lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2.0), [(2, 3), (2, 4), (4, 3)]),
    "einsum": (lambda L, a, b: L.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)]),
}

CASES = {**{f"elementwise-{k}": v for k, v in ELEMENTWISE.items()},
         **{f"reduction-{k}": v for k, v in REDUCTIONS.items()},
         **{f"view-{k}": v for k, v in VIEWS.items()},
         **{f"indexing-{k}": v for k, v in INDEXING.items()},
         **{f"linalg-{k}": v for k, v in LINALG.items()}}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_torch(name):
    fn, shapes = CASES[name]
    compare(fn, shapes, positive=name in ("reduction-prod", "reduction-cumprod"))


def test_second_order_gradient_penalty_matches_torch():
    a = RNG.uniform(-1, 1, (3, 4))
    results = []
    for lib in (torch, cltorch):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
        y = (x.sin() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (g * g).sum().backward()
        results.append(x.grad.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-9)
