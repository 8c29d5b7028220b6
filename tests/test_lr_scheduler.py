"""Learning-rate schedulers: values against closed forms, resuming, state dicts, warnings and errors."""
import math
import warnings

import pytest

import cltorch as torch
from cltorch.optim import lr_scheduler as L


def make_opt(lr=0.1, cls=torch.optim.SGD, **kw):
    return cls([torch.zeros(2, requires_grad=True)], lr=lr, **kw)


def run(sched, steps):
    """get_last_lr()[0] after construction and after each optimizer.step(); scheduler.step() pair."""
    out = [sched.get_last_lr()[0]]
    for _ in range(steps):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


CLOSED_FORMS = {
    "StepLR": (lambda o: L.StepLR(o, 4, 0.5), lambda e: 0.1 * 0.5 ** (e // 4)),
    "MultiStepLR": (lambda o: L.MultiStepLR(o, [2, 5, 5], 0.1), lambda e: 0.1 * 0.1 ** ((e >= 2) + 2 * (e >= 5))),
    "ExponentialLR": (lambda o: L.ExponentialLR(o, 0.8), lambda e: 0.1 * 0.8 ** e),
    "CosineAnnealingLR": (lambda o: L.CosineAnnealingLR(o, 7, 0.01),
                          lambda e: 0.01 + 0.09 * (1 + math.cos(math.pi * e / 7)) / 2),
    "LinearLR": (lambda o: L.LinearLR(o, 0.25, 0.75, 6), lambda e: 0.1 * (0.25 + 0.5 * min(e, 6) / 6)),
    "ConstantLR": (lambda o: L.ConstantLR(o, 0.3, 4), lambda e: 0.1 * (0.3 if e < 4 else 1.0)),
    "PolynomialLR": (lambda o: L.PolynomialLR(o, 8, 1.5), lambda e: 0.1 * (1 - min(e, 8) / 8) ** 1.5),
    "LambdaLR": (lambda o: L.LambdaLR(o, lambda e: 1 / (1 + e)), lambda e: 0.1 / (1 + e)),
    "MultiplicativeLR": (lambda o: L.MultiplicativeLR(o, lambda e: 0.9), lambda e: 0.1 * 0.9 ** e),
    "CosineAnnealingWarmRestarts": (lambda o: L.CosineAnnealingWarmRestarts(o, 5),
                                    lambda e: 0.1 * (1 + math.cos(math.pi * (e % 5) / 5)) / 2),
}


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_scheduler_follows_its_closed_form(name):
    make, closed = CLOSED_FORMS[name]
    got = run(make(make_opt()), 25)
    expected = [closed(e) for e in range(26)]
    for e, (g, x) in enumerate(zip(got, expected)):
        assert g == pytest.approx(x, rel=1e-9, abs=1e-15), f"epoch {e}"


def test_one_cycle_shape_and_momentum():
    opt = make_opt(momentum=0.9)
    sched = L.OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
    assert opt.param_groups[0]["momentum"] == 0.95 and sched.get_last_lr() == [pytest.approx(0.1)]
    lrs, moms = [0.1], [0.95]
    for _ in range(19):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    assert lrs[4] == pytest.approx(1.0) and moms[4] == pytest.approx(0.85)  # peak at pct_start * total - 1
    assert lrs[-1] == pytest.approx(0.1 / 100) and moms[-1] == pytest.approx(0.95)
    assert all(a < b for a, b in zip(lrs[:4], lrs[1:5])) and all(a > b for a, b in zip(lrs[4:-1], lrs[5:]))
    opt.step()
    sched.step()  # step 20 == total_steps is still allowed
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        opt.step()
        sched.step()


def test_one_cycle_cycles_adam_beta1():
    opt = make_opt(cls=torch.optim.Adam)
    sched = L.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=5, base_momentum=0.8, max_momentum=0.9)
    betas = [opt.param_groups[0]["betas"]]
    for _ in range(3):
        opt.step()
        sched.step()
        betas.append(opt.param_groups[0]["betas"])
    assert betas[0] == (0.9, 0.999) and betas[2][0] == pytest.approx(0.8) and all(b[1] == 0.999 for b in betas)
    with pytest.raises(ValueError, match="momentum or beta1"):
        L.OneCycleLR(make_opt(cls=torch.optim.Adagrad), max_lr=1.0, total_steps=5)


def test_reduce_lr_on_plateau_scripted():
    opt = make_opt(lr=1.0)
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3]:
        sched.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    # three bad epochs after the best (5, 4) halve the lr at the 5th metric; 3 is a new best at the 9th,
    # three bad ones halve again at the 12th, one cooldown epoch, three bad ones reach min_lr at the 16th
    assert lrs == [1.0] * 4 + [0.5] * 7 + [0.25] * 4 + [0.2]
    assert sched.get_last_lr() == [0.2] and sched.best == 3
    sched_max = L.ReduceLROnPlateau(make_opt(lr=1.0), mode="max", patience=0, threshold=0.1, threshold_mode="abs")
    for metric in [1.0, 1.05, 1.2]:
        sched_max.step(torch.tensor(metric))
    assert sched_max.get_last_lr() == [0.1]  # 1.05 is not better than 1.0 + 0.1: one reduction


def test_sequential_and_chained():
    opt = make_opt()
    seq = L.SequentialLR(opt, [L.ConstantLR(opt, 0.5, total_iters=3), L.ExponentialLR(opt, 0.5)], milestones=[3])
    assert run(seq, 6) == pytest.approx([0.05, 0.05, 0.05, 0.1, 0.05, 0.025, 0.0125])
    opt = make_opt()
    chain = L.ChainedScheduler([L.StepLR(opt, 2, 0.1), L.ExponentialLR(opt, 0.5)])
    assert run(chain, 4) == pytest.approx([0.1, 0.05, 0.0025, 0.00125, 0.0000625])


def test_initial_lr_and_resuming_from_last_epoch():
    opt = make_opt()
    L.StepLR(opt, 2)
    assert opt.param_groups[0]["initial_lr"] == 0.1
    fresh = make_opt()
    with pytest.raises(KeyError, match="initial_lr"):
        L.StepLR(fresh, 2, last_epoch=3)
    fresh.param_groups[0]["initial_lr"] = 0.1
    resumed = L.CosineAnnealingLR(fresh, T_max=10, last_epoch=3)
    assert resumed.last_epoch == 4 and resumed.get_last_lr() == [0.1]  # the current lr stands
    fresh.step()
    resumed.step()  # then the recursive form carries on from the current lr
    ratio = (1 + math.cos(math.pi * 5 / 10)) / (1 + math.cos(math.pi * 4 / 10))
    assert resumed.get_last_lr()[0] == pytest.approx(0.1 * ratio)


def test_state_dict_round_trip_and_lambda_objects():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = make_opt()
    sched = L.LambdaLR(opt, Decay())
    run(sched, 3)
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3 and state["lr_lambdas"] == [{"rate": 0.5}]
    other = L.LambdaLR(make_opt(), Decay())
    other.lr_lambdas[0].rate = 0.9
    other.load_state_dict(state)
    assert other.last_epoch == 3 and other.lr_lambdas[0].rate == 0.5
    assert L.LambdaLR(make_opt(), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]

    a = L.CosineAnnealingLR(make_opt(), T_max=6)
    run(a, 4)
    b = L.CosineAnnealingLR(make_opt(), T_max=6)
    b.optimizer.load_state_dict(a.optimizer.state_dict())
    b.load_state_dict(a.state_dict())
    assert run(a, 5) == run(b, 5)


def test_warnings_like_torch():
    opt = make_opt()
    sched = L.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = make_opt()
    sched2 = L.StepLR(opt2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        sched2.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched2.get_lr()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched2.step(4)
    assert sched2.get_last_lr() == [pytest.approx(0.1 * 0.1 ** 2)]  # closed form at epoch 4


def test_scheduler_errors():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        L.StepLR(object(), 2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        L.ConstantLR(make_opt(), factor=2.0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        L.ReduceLROnPlateau(make_opt(), factor=1.5)
    with pytest.raises(ValueError, match="total_steps OR"):
        L.OneCycleLR(make_opt(momentum=0.9), max_lr=1.0)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas"):
        L.LambdaLR(make_opt(), [lambda e: 1.0] * 2)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        opt = make_opt()
        L.SequentialLR(opt, [L.StepLR(opt, 2)], milestones=[1])
    assert isinstance(L.StepLR(make_opt(), 2), L.LRScheduler)
    assert torch.optim.lr_scheduler is L
