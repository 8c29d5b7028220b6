"""Optimizers, learning-rate schedulers and gradient clipping step exactly as PyTorch's.

Optimizer trajectories use a gradient that depends on the parameter through
elementwise float32 ops only (bit-identical in both libraries), so any
difference comes from the optimizer arithmetic itself.
"""
import copy
import warnings

import numpy as np
import pytest

import harness  # skips this module when torch is missing
import torch

import cltorch

RNG = np.random.default_rng(7)
SHAPES = [(3, 4), (5,), (1,)]
P0 = [RNG.standard_normal(s).astype(np.float32) for s in SHAPES]
TARGET = [RNG.standard_normal(s).astype(np.float32) for s in SHAPES]
NOISE = [[RNG.standard_normal(s).astype(np.float32) * 0.3 for s in SHAPES] for _ in range(12)]
RTOL, ATOL = 1e-5, 1e-6

OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.99), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.99), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in OPTIMIZER_CASES]


def make_params(lib, dtype="float32"):
    """The three parameters; the 2-D one is a transposed (non-contiguous) leaf."""
    out = []
    for a in P0:
        if a.ndim == 2:
            t = lib.tensor(np.ascontiguousarray(a.T), dtype=getattr(lib, dtype)).t()
        else:
            t = lib.tensor(a, dtype=getattr(lib, dtype))
        out.append(t.requires_grad_(True))
    return out


def set_grads(lib, params, k):
    for p, t, n in zip(params, TARGET, NOISE[k]):
        dt = p.dtype
        p.grad = (p.detach() - lib.tensor(t, dtype=dt)) * 0.5 + lib.tensor(n, dtype=dt)


def numpy_of(t):
    return t.detach().numpy()


def trajectory(lib, name, kw, steps=10, dtype="float32"):
    params = make_params(lib, dtype)
    opt = getattr(lib.optim, name)(params, **kw)
    out = []
    for k in range(steps):
        opt.zero_grad()
        set_grads(lib, params, k)
        opt.step()
        out.append([numpy_of(p).copy() for p in params])
    return out, opt


def assert_state_dicts_match(ours, theirs, rtol=RTOL, atol=ATOL):
    """Same structure (indices, key names, group keys) and values, tensors compared by value."""
    assert list(ours) == list(theirs) == ["state", "param_groups"]
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for idx, t_state in theirs["state"].items():
        c_state = ours["state"][idx]
        assert list(c_state) == list(t_state), f"state keys of param {idx}"
        for key, t_val in t_state.items():
            c_val = c_state[key]
            assert isinstance(c_val, cltorch.Tensor), key
            assert tuple(c_val.shape) == tuple(t_val.shape) and str(c_val.dtype)[8:] == str(t_val.dtype)[6:], key
            np.testing.assert_allclose(numpy_of(c_val), numpy_of(t_val), rtol=rtol, atol=atol, err_msg=key)
    assert len(ours["param_groups"]) == len(theirs["param_groups"])
    for c_group, t_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert list(c_group) == list(t_group)
        assert c_group == t_group


@pytest.mark.parametrize("name,kw", OPTIMIZER_CASES, ids=CASE_IDS)
def test_trajectory_and_state_dict_match_torch(name, kw):
    ours, c_opt = trajectory(cltorch, name, kw)
    theirs, t_opt = trajectory(torch, name, kw)
    for k, (c_step, t_step) in enumerate(zip(ours, theirs)):
        for i, (c, t) in enumerate(zip(c_step, t_step)):
            np.testing.assert_allclose(c, t, rtol=RTOL, atol=ATOL, err_msg=f"{name} step {k + 1} param {i}")
    assert_state_dicts_match(c_opt.state_dict(), t_opt.state_dict())
    assert repr(c_opt) == repr(t_opt)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01)),
                                     ("RMSprop", dict(centered=True, momentum=0.5)), ("NAdam", dict())])
def test_float64_trajectory_matches_torch(name, kw):
    ours, _ = trajectory(cltorch, name, kw, steps=6, dtype="float64")
    theirs, _ = trajectory(torch, name, kw, steps=6, dtype="float64")
    for c_step, t_step in zip(ours, theirs):
        for c, t in zip(c_step, t_step):
            np.testing.assert_allclose(c, t, rtol=1e-11, atol=1e-12)


def to_cltorch_state_dict(sd):
    """A torch optimizer state dict with every tensor turned into a cltorch tensor."""
    def conv(v):
        if isinstance(v, torch.Tensor):
            return cltorch.tensor(v.detach().numpy(), dtype=getattr(cltorch, str(v.dtype)[6:]))
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return copy.deepcopy(v)
    return conv(sd)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("RMSprop", dict(momentum=0.5, centered=True)), ("Adagrad", dict(lr_decay=0.1)),
                                     ("Adadelta", dict()), ("NAdam", dict()), ("RAdam", dict(betas=(0.9, 0.99)))])
def test_torch_state_dict_loads_and_continues_identically(name, kw):
    _, t_opt = trajectory(torch, name, kw, steps=5)
    t_params = t_opt.param_groups[0]["params"]
    c_params = make_params(cltorch)
    with cltorch.no_grad():
        for c, t in zip(c_params, t_params):
            c.copy_(cltorch.tensor(t.detach().numpy()))
    c_opt = getattr(cltorch.optim, name)(c_params, **kw)
    c_opt.load_state_dict(to_cltorch_state_dict(t_opt.state_dict()))
    for k in range(5, 10):
        for lib, params, opt in ((torch, t_params, t_opt), (cltorch, c_params, c_opt)):
            opt.zero_grad()
            set_grads(lib, params, k)
            opt.step()
        for c, t in zip(c_params, t_params):
            np.testing.assert_allclose(numpy_of(c), numpy_of(t), rtol=RTOL, atol=ATOL)
    assert_state_dicts_match(c_opt.state_dict(), t_opt.state_dict())


def test_linear_model_training_matches_torch():
    """A small Linear model trained with autograd, Adam and a scheduler, as a whole loop."""
    x = RNG.standard_normal((16, 5)).astype(np.float32)
    y = RNG.standard_normal((16, 2)).astype(np.float32)
    w0 = RNG.standard_normal((2, 5)).astype(np.float32) * 0.3
    results = {}
    for lib in (torch, cltorch):
        model = lib.nn.Linear(5, 2)
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w0))
            model.bias.zero_()
        opt = lib.optim.Adam(model.parameters(), lr=0.05)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        xs, ys = lib.tensor(x), lib.tensor(y)
        losses = []
        for _ in range(10):
            opt.zero_grad()
            loss = ((model(xs) - ys) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        results[lib] = (losses, numpy_of(model.weight), numpy_of(model.bias))
    for c, t in zip(results[cltorch], results[torch]):
        np.testing.assert_allclose(c, t, rtol=2e-5, atol=1e-6)


BAD_ARGS = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(momentum=-1)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
    ("SGD", dict(fused=True, differentiable=True)), ("SGD", dict(fused=True, foreach=True)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1.0)), ("Adam", dict(betas=(0, 0.999))),
    ("AdamW", dict(betas=(0.9, 1.5))), ("Adam", dict(fused=True, differentiable=True)),
    ("RMSprop", dict(lr=-1.0)), ("RMSprop", dict(eps=-1.0)), ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(weight_decay=-1.0)), ("RMSprop", dict(alpha=-0.5)),
    ("Adagrad", dict(lr=-1.0)), ("Adagrad", dict(lr_decay=-1.0)), ("Adagrad", dict(weight_decay=-1.0)),
    ("Adagrad", dict(initial_accumulator_value=-1.0)), ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
    ("Adamax", dict(betas=(0.9, 1.0))), ("NAdam", dict(momentum_decay=-1.0)), ("RAdam", dict(eps=-1.0)),
]


@pytest.mark.parametrize("name,kw", BAD_ARGS, ids=[f"{n}-{kw}" for n, kw in BAD_ARGS])
def test_bad_hyper_parameters_raise_like_torch(name, kw):
    harness.check_raises_same(lambda lib: getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kw))


@pytest.mark.parametrize("params", [
    lambda lib: [],                                          # empty parameter list
    lambda lib: lib.zeros(2, requires_grad=True),            # a bare tensor
    lambda lib: [lib.zeros(2, requires_grad=True) * 2],      # non-leaf
    lambda lib: [1.0, 2.0],                                  # not tensors
    lambda lib: [{"params": {lib.zeros(2, requires_grad=True)}}],  # a set
])
def test_bad_params_raise_like_torch(params):
    harness.check_raises_same(lambda lib: lib.optim.SGD(params(lib), lr=0.1))


def test_duplicate_params_and_group_errors_like_torch():
    def two_groups_sharing(lib):
        p = lib.zeros(2, requires_grad=True)
        return lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)

    harness.check_raises_same(two_groups_sharing)

    def add_shared_group(lib):
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.Adam([p])
        opt.add_param_group({"params": p, "lr": 0.5})

    harness.check_raises_same(add_shared_group)

    def names_mixed(lib):
        p, q = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([("p", p)], lr=0.1)
        opt.add_param_group({"params": [q]})

    harness.check_raises_same(names_mixed)


@pytest.mark.parametrize("bad", ["groups", "sizes"])
def test_load_state_dict_mismatch_raises_like_torch(bad):
    def load(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        src = lib.optim.SGD([a, b], lr=0.1) if bad == "groups" else lib.optim.SGD([a], lr=0.1)
        dst = lib.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1) if bad == "groups" \
            else lib.optim.SGD([a, b], lr=0.1)
        dst.load_state_dict(src.state_dict())

    harness.check_raises_same(load)


def test_param_groups_and_named_params_state_dict_like_torch():
    def build(lib):
        a, b, c = (lib.zeros(n, requires_grad=True) for n in (2, 3, 4))
        opt = lib.optim.Adam([("a", a), ("b", b)], lr=0.01)
        opt.add_param_group({"params": [("c", c)], "lr": 0.1, "betas": (0.5, 0.9)})
        for p in (a, b, c):
            p.grad = lib.ones(p.shape)
        opt.step()
        return opt.state_dict()

    assert_state_dicts_match(build(cltorch), build(torch))


# -- learning-rate schedulers ------------------------------------------------------
def sched_module(lib):
    return lib.optim.lr_scheduler


SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
    "LambdaLR": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=10),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=6),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=12, power=2.0),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=30),
    "OneCycleLR-3phase-linear": lambda L, o: L.OneCycleLR(o, 1.0, epochs=3, steps_per_epoch=10, pct_start=0.25,
                                                          anneal_strategy="linear", three_phase=True,
                                                          div_factor=10.0, final_div_factor=100.0),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.01),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=4, step_size_down=3,
                                                  mode="exp_range", gamma=0.9),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=5), L.ExponentialLR(o, 0.9),
                                                    L.CosineAnnealingLR(o, T_max=6)], milestones=[5, 12]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.1, 4), L.ExponentialLR(o, 0.9)]),
}


def lr_sequence(lib, make, opt_name="SGD", steps=30, metrics=None):
    """lrs, momentum/beta1 of both groups and get_last_lr() after construction and each of `steps` steps."""
    p, q = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
    kw = dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.1)
    opt = getattr(lib.optim, opt_name)([{"params": [p]}, {"params": [q], "lr": 0.05}], **kw)
    sched = make(sched_module(lib), opt)

    def snapshot():
        return ([g["lr"] for g in opt.param_groups], list(sched.get_last_lr()),
                [g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups])

    seq = [snapshot()]
    for k in range(steps):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[k])
        seq.append(snapshot())
    return seq, sched


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_lr_sequence_matches_torch(name):
    ours, c_sched = lr_sequence(cltorch, SCHEDULERS[name])
    theirs, t_sched = lr_sequence(torch, SCHEDULERS[name])
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(theirs, dtype=float), rtol=1e-12, atol=1e-15)
    assert sorted(c_sched.state_dict()) == sorted(t_sched.state_dict())
    assert getattr(c_sched, "last_epoch", None) == getattr(t_sched, "last_epoch", None)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_one_cycle_cycles_momentum_or_beta1_like_torch(opt_name):
    make = SCHEDULERS["OneCycleLR"]
    ours, _ = lr_sequence(cltorch, make, opt_name)
    theirs, _ = lr_sequence(torch, make, opt_name)
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(theirs, dtype=float), rtol=1e-12)
    assert len({m for _, _, ms in theirs for m in ms}) > 5  # the momentum really moves


def test_one_cycle_stepped_too_often_raises_like_torch():
    def overstep(lib):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        sched = sched_module(lib).OneCycleLR(opt, max_lr=1.0, total_steps=4)
        for _ in range(5):
            opt.step()
            sched.step()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        harness.check_raises_same(overstep)


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7] + [0.7] * 16


@pytest.mark.parametrize("kw", [dict(), dict(mode="max", patience=1, factor=0.5),
                                dict(patience=2, threshold_mode="abs", threshold=0.01, cooldown=2,
                                     min_lr=[0.01, 0.02]),
                                dict(patience=0, eps=0.02, factor=0.5), dict(mode="max", threshold_mode="abs")])
def test_reduce_lr_on_plateau_matches_torch(kw):
    def make(L, o):
        return L.ReduceLROnPlateau(o, **kw)

    ours, c_sched = lr_sequence(cltorch, make, metrics=PLATEAU_METRICS)
    theirs, t_sched = lr_sequence(torch, make, metrics=PLATEAU_METRICS)
    assert ours == theirs
    c_state, t_state = c_sched.state_dict(), t_sched.state_dict()
    assert sorted(c_state) == sorted(t_state)
    assert all(c_state[k] == t_state[k] for k in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"))


def test_plateau_metric_may_be_a_tensor():
    ours, _ = lr_sequence(cltorch, lambda L, o: L.ReduceLROnPlateau(o, patience=1),
                          metrics=[cltorch.tensor(m) for m in PLATEAU_METRICS])
    theirs, _ = lr_sequence(torch, lambda L, o: L.ReduceLROnPlateau(o, patience=1),
                            metrics=[torch.tensor(m) for m in PLATEAU_METRICS])
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(theirs, dtype=float), rtol=1e-6)


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "SequentialLR", "LambdaLR"])
def test_scheduler_state_dict_resumes_like_torch(name):
    """Save after 8 steps, build fresh optimizer + scheduler, load both, continue: same lrs as torch."""
    ours, theirs = [], []
    for lib, out in ((cltorch, ours), (torch, theirs)):
        _, sched = lr_sequence(lib, SCHEDULERS[name], steps=8)
        saved_opt, saved_sched = sched.optimizer.state_dict(), sched.state_dict()
        p, q = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1, momentum=0.9)
        fresh = SCHEDULERS[name](sched_module(lib), opt)
        opt.load_state_dict(saved_opt)
        fresh.load_state_dict(saved_sched)
        for _ in range(10):
            opt.step()
            fresh.step()
            out.append([g["lr"] for g in opt.param_groups] + list(fresh.get_last_lr()))
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda L, o: L.ConstantLR(o, factor=1.5), lambda L, o: L.LinearLR(o, start_factor=0.0),
    lambda L, o: L.LinearLR(o, end_factor=1.5), lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    lambda L, o: L.ReduceLROnPlateau(o, mode="avg"), lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="x"),
    lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1, 0.2]), lambda L, o: L.StepLR(object(), 3),
    lambda L, o: L.OneCycleLR(o, 1.0), lambda L, o: L.OneCycleLR(o, 1.0, total_steps=0),
    lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
    lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
    lambda L, o: L.OneCycleLR(o, [1.0, 2.0], total_steps=10),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0), lambda L, o: L.CosineAnnealingWarmRestarts(o, 2, 0.5),
    lambda L, o: L.StepLR(o, 3, last_epoch=5), lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], [3]),
    lambda L, o: L.SequentialLR(o, [L.ReduceLROnPlateau(o), L.StepLR(o, 2)], [3]),
    lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="cubic"), lambda L, o: L.LambdaLR(o, [lambda e: 1.0] * 2),
])
def test_bad_scheduler_arguments_raise_like_torch(make):
    def build(lib):
        return make(sched_module(lib), lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        harness.check_raises_same(build)


def test_step_order_warning_like_torch():
    for lib in (torch, cltorch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = sched_module(lib).StepLR(opt, 2)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            sched.step()


# -- gradient clipping ----------------------------------------------------------
CLIP_GRADS = [RNG.standard_normal((3, 4)).astype(np.float32), None, RNG.standard_normal(7).astype(np.float32),
              RNG.standard_normal(1).astype(np.float32) * 5]


def clip_params(lib, grads=CLIP_GRADS):
    params = []
    for g in grads:
        p = lib.zeros(2 if g is None else g.shape, requires_grad=True)
        if g is not None:
            p.grad = lib.tensor(g)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2, 2.0, 1, float("inf"), "inf", 3.0, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    c_params, t_params = clip_params(cltorch), clip_params(torch)
    c_total = cltorch.nn.utils.clip_grad_norm_(c_params, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(t_params, max_norm, norm_type=norm_type)
    harness.assert_same(c_total, t_total, what="total norm")
    for c, t in zip(c_params, t_params):
        harness.assert_same(c.grad, t.grad, what="clipped grad")


def test_clip_grad_norm_edge_cases_match_torch():
    harness.check_same(lambda lib: lib.nn.utils.clip_grad_norm_([], 1.0))
    harness.check_same(lambda lib: lib.nn.utils.clip_grad_norm_([lib.zeros(3, requires_grad=True)], 1.0))
    harness.check_same(lambda lib: lib.nn.utils.clip_grad_norm_(clip_params(lib)[0], 0.1))

    def nonfinite(lib, error):
        p = lib.zeros(3, requires_grad=True)
        p.grad = lib.tensor([1.0, float("nan"), 2.0])
        return lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=error)

    harness.check_same(lambda lib: nonfinite(lib, False))
    harness.check_raises_same(lambda lib: nonfinite(lib, True))


def test_clip_grad_value_and_vector_conversion_match_torch():
    def clip_value(lib):
        params = clip_params(lib)
        lib.nn.utils.clip_grad_value_(params, 0.7)
        return [p.grad for p in params]

    harness.check_same(clip_value)

    def round_trip(lib):
        params = clip_params(lib)
        vec = lib.nn.utils.parameters_to_vector(params)
        lib.nn.utils.vector_to_parameters(lib.arange(float(vec.numel())), params)
        return [vec] + [p.detach() for p in params]

    harness.check_same(round_trip)
    harness.check_raises_same(lambda lib: lib.nn.utils.vector_to_parameters([1.0], clip_params(lib)))
    harness.check_same(lambda lib: lib.nn.utils.get_total_norm([g for g in clip_params(lib)], 1.0))
