"""cltorch.ignite Engine: events, filters, handler management, terminate, exceptions, resuming runs."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch as torch
from cltorch import nn
from cltorch.ignite.engine import (Engine, EventEnum, Events, State, create_supervised_evaluator,
                                   create_supervised_trainer)
from cltorch.ignite.metrics import Accuracy, Loss
from cltorch.utils.data import DataLoader, TensorDataset


def _record_engine(data=range(5)):
    seen = []
    engine = Engine(lambda e, batch: batch * 10)
    for event in (Events.STARTED, Events.EPOCH_STARTED, Events.ITERATION_STARTED, Events.ITERATION_COMPLETED,
                  Events.EPOCH_COMPLETED, Events.COMPLETED, Events.TERMINATE, Events.TERMINATE_SINGLE_EPOCH):
        engine.add_event_handler(event, lambda e, name=event.name: seen.append((name, e.state.epoch,
                                                                                 e.state.iteration)))
    return engine, seen


def test_run_fires_events_in_order():
    engine, seen = _record_engine()
    state = engine.run([1, 2], max_epochs=2)
    assert isinstance(state, State) and state is engine.state
    assert state.epoch == 2 and state.iteration == 4 and state.epoch_length == 2 and state.max_epochs == 2
    assert state.output == 20 and state.batch == 2
    assert [s[0] for s in seen] == ["STARTED", "EPOCH_STARTED", "ITERATION_STARTED", "ITERATION_COMPLETED",
                                    "ITERATION_STARTED", "ITERATION_COMPLETED", "EPOCH_COMPLETED", "EPOCH_STARTED",
                                    "ITERATION_STARTED", "ITERATION_COMPLETED", "ITERATION_STARTED",
                                    "ITERATION_COMPLETED", "EPOCH_COMPLETED", "COMPLETED"]
    assert state.times["COMPLETED"] is not None and state.times["EPOCH_COMPLETED"] is not None


def test_event_filters_fire_at_the_right_iterations():
    engine = Engine(lambda e, b: None)
    every, once, custom, epochs, between, combined = [], [], [], [], [], []
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=3), lambda e: every.append(e.state.iteration))
    engine.add_event_handler(Events.ITERATION_STARTED(once=5), lambda e: once.append(e.state.iteration))
    engine.add_event_handler(Events.ITERATION_COMPLETED(event_filter=lambda e, n: n in (1, 2, 7)),
                             lambda e: custom.append(e.state.iteration))
    engine.add_event_handler(Events.EPOCH_COMPLETED(every=2), lambda e: epochs.append(e.state.epoch))
    engine.add_event_handler(Events.ITERATION_COMPLETED(after=8, before=11), lambda e: between.append(
        e.state.iteration))

    @engine.on(Events.STARTED | Events.EPOCH_COMPLETED(once=3) | Events.COMPLETED)
    def _combined(e):
        combined.append((e.last_event_name.name, e.state.epoch))

    engine.run(range(4), max_epochs=4)
    assert every == [3, 6, 9, 12, 15]
    assert once == [5]
    assert custom == [1, 2, 7]
    assert epochs == [2, 4]
    assert between == [9, 10]
    assert combined == [("STARTED", 0), ("EPOCH_COMPLETED", 3), ("COMPLETED", 4)]
    with pytest.raises(ValueError):
        Events.ITERATION_COMPLETED(every=0)
    with pytest.raises(ValueError):
        Events.ITERATION_COMPLETED(every=2, once=3)


def test_handler_arguments_and_removal():
    engine = Engine(lambda e, b: b)
    got = []

    def with_args(e, a, b=0):
        got.append((a, b))

    def no_engine():
        got.append("no engine")

    handle = engine.add_event_handler(Events.ITERATION_COMPLETED, with_args, 1, b=2)
    engine.add_event_handler(Events.COMPLETED, no_engine)
    assert engine.has_event_handler(with_args) and engine.has_event_handler(with_args, Events.ITERATION_COMPLETED)
    assert not engine.has_event_handler(with_args, Events.COMPLETED)
    engine.run([0, 1])
    assert got == [(1, 2), (1, 2), "no engine"]
    handle.remove()
    assert not engine.has_event_handler(with_args)
    engine.remove_event_handler(no_engine, Events.COMPLETED)
    got.clear()
    engine.run([0, 1])
    assert got == []
    with pytest.raises(ValueError):
        engine.remove_event_handler(no_engine, Events.COMPLETED)
    with pytest.raises(ValueError, match="takes parameters"):
        engine.add_event_handler(Events.STARTED, lambda a, b, c: None)


def test_terminate_and_terminate_epoch():
    engine, seen = _record_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.terminate())
    state = engine.run(range(4), max_epochs=3)
    assert state.iteration == 3 and state.epoch == 1
    names = [s[0] for s in seen]
    assert names[-2:] == ["TERMINATE", "COMPLETED"] and "EPOCH_COMPLETED" not in names
    engine, seen = _record_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate_epoch())
    state = engine.run(range(4), max_epochs=2)
    names = [s[0] for s in seen]
    assert state.iteration == 6 and state.epoch == 2
    assert names.count("TERMINATE_SINGLE_EPOCH") == 1 and names.count("EPOCH_COMPLETED") == 2


def test_terminated_run_resumes_and_new_run_restarts():
    engine = Engine(lambda e, b: b)
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=2), lambda e: e.terminate())
    engine.run(range(3), max_epochs=5)
    assert engine.state.epoch == 2 and engine.state.iteration == 6
    engine.run(range(3))  # not done: continue to max_epochs
    assert engine.state.epoch == 5 and engine.state.iteration == 15
    engine.run(range(3), max_epochs=2)  # done: a new run
    assert engine.state.epoch == 2 and engine.state.iteration == 6
    assert engine.state_dict() == {"iteration": 6, "epoch_length": 3, "max_epochs": 2}
    other = Engine(lambda e, b: b)
    other.load_state_dict({"iteration": 4, "epoch_length": 2, "max_epochs": 3})
    assert other.state.epoch == 2
    other.run(range(2))
    assert other.state.iteration == 6 and other.state.epoch == 3


def test_epoch_length_shorter_than_data_and_unsized_data():
    batches = []
    engine = Engine(lambda e, b: batches.append(b))
    engine.run(range(5), max_epochs=3, epoch_length=2)
    assert batches == [0, 1, 2, 3, 4, 0]  # the data iterator continues across epochs, restarting when exhausted
    engine = Engine(lambda e, b: b)
    engine.run(iter(range(4)))
    assert engine.state.epoch_length == 4 and engine.state.iteration == 4
    engine = Engine(lambda e, b: b)
    engine.run(None, max_epochs=2, epoch_length=3)
    assert engine.state.iteration == 6 and engine.state.batch is None
    with pytest.raises(ValueError, match="epoch_length should be provided"):
        Engine(lambda e, b: b).run(None)
    with pytest.raises(TypeError, match="iterable"):
        Engine(lambda e, b: b).run(5)


def test_exception_raised_handlers():
    def boom(e, b):
        if e.state.iteration == 2:
            raise KeyError("bad batch")
        return b

    engine = Engine(boom)
    with pytest.raises(KeyError, match="bad batch"):
        engine.run(range(3))
    caught = []
    engine = Engine(boom)

    @engine.on(Events.EXCEPTION_RAISED)
    def handler(e, exc):
        caught.append(type(exc).__name__)
        e.terminate()

    engine.run(range(3))
    assert caught == ["KeyError"]


def test_custom_events():
    class MyEvents(EventEnum):
        BACKWARD_DONE = "backward_done"

    fired = []

    def step(e, b):
        e.fire_event(MyEvents.BACKWARD_DONE)

    engine = Engine(step)
    engine.register_events(*MyEvents, event_to_attr={MyEvents.BACKWARD_DONE: "backward_count"})
    engine.add_event_handler(MyEvents.BACKWARD_DONE, lambda e: fired.append(e.state.iteration))
    engine.run(range(3))
    assert fired == [1, 2, 3]
    with pytest.raises(ValueError, match="not in allowed events"):
        Engine(step).add_event_handler(MyEvents.BACKWARD_DONE, lambda e: None)


def test_supervised_trainer_matches_a_manual_loop():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 3)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    loader = DataLoader(TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=8)

    def build():
        torch.manual_seed(4)
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
        return model, torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)

    model, opt = build()
    trainer = create_supervised_trainer(model, opt, nn.CrossEntropyLoss(), device="cpu")
    losses = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses.append(e.state.output))
    trainer.run(loader, max_epochs=3)
    assert len(losses) == 12 and all(isinstance(v, float) for v in losses)
    ref, ref_opt = build()
    ref_losses = []
    for _ in range(3):
        for xb, yb in loader:
            ref_opt.zero_grad()
            loss = nn.functional.cross_entropy(ref(xb), yb)
            loss.backward()
            ref_opt.step()
            ref_losses.append(loss.item())
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-6)
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-7)
    evaluator = create_supervised_evaluator(model, metrics={"acc": Accuracy(), "nll": Loss(nn.CrossEntropyLoss())})
    state = evaluator.run(loader)
    with torch.no_grad():
        logits = ref(torch.tensor(x)).numpy()
    assert state.metrics["acc"] == pytest.approx(float(np.mean(logits.argmax(1) == y)))
    shifted = logits - logits.max(1, keepdims=True)
    nll = -(shifted[np.arange(30), y] - np.log(np.exp(shifted).sum(1))).mean()
    assert state.metrics["nll"] == pytest.approx(float(nll), rel=1e-5)
    assert not model.training  # the evaluator switched to eval mode


def test_gradient_accumulation_in_supervised_trainer():
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []
    opt.register_step_post_hook(lambda *a: steps.append(1))
    trainer = create_supervised_trainer(model, opt, nn.MSELoss(), gradient_accumulation_steps=2)
    data = [(torch.ones(4, 2), torch.zeros(4, 1))] * 6
    trainer.run(data)
    assert len(steps) == 3
