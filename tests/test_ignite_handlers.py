"""cltorch.ignite handlers: ModelCheckpoint, EarlyStopping, ProgressBar, TerminateOnNan, on a small classifier."""
from __future__ import annotations

import os

import numpy as np
import pytest

import cltorch as torch
from cltorch import nn
from cltorch.ignite.contrib.handlers import ProgressBar as ContribProgressBar
from cltorch.ignite.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from cltorch.ignite.handlers import Checkpoint, EarlyStopping, ModelCheckpoint, ProgressBar, TerminateOnNan
from cltorch.ignite.metrics import Accuracy, Loss, RunningAverage
from cltorch.utils.data import DataLoader, TensorDataset

_RNG = np.random.default_rng(9)
_X = _RNG.normal(size=(60, 4)).astype(np.float32)
_Y = ((_X[:, 0] > 0).astype(np.int64) + (_X[:, 1] > 0.5)).astype(np.int64)


def _setup(lr=0.5):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    train = DataLoader(TensorDataset(torch.tensor(_X[:40]), torch.tensor(_Y[:40])), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(torch.tensor(_X[40:]), torch.tensor(_Y[40:])), batch_size=10)
    trainer = create_supervised_trainer(model, opt, nn.CrossEntropyLoss())
    evaluator = create_supervised_evaluator(model, metrics={"acc": Accuracy(), "loss": Loss(nn.CrossEntropyLoss())})
    return model, opt, trainer, evaluator, train, val


def test_train_classifier_with_checkpoints_and_early_stopping(tmp_path):
    model, opt, trainer, evaluator, train, val = _setup()
    history = []

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine):
        evaluator.run(val)
        history.append(dict(evaluator.state.metrics))

    handler = ModelCheckpoint(str(tmp_path), "best", n_saved=2, score_function=lambda e: e.state.metrics["acc"],
                              score_name="acc", global_step_transform=lambda e, _: trainer.state.epoch)
    evaluator.add_event_handler(Events.COMPLETED, handler, {"model": model, "optimizer": opt})
    trainer.run(train, max_epochs=6)
    assert len(history) == 6 and history[-1]["loss"] < history[0]["loss"]
    # Checkpoint keeps the two best scores (a tie does not replace a kept file)
    kept = []
    for epoch, metrics in enumerate(history, start=1):
        if len(kept) < 2 or metrics["acc"] > min(a for a, _ in kept):
            if len(kept) == 2:
                kept.remove(min(kept))
            kept.append((metrics["acc"], epoch))
    expected = {f"best_checkpoint_{e}_acc={a:.4f}.pt" for a, e in kept}
    assert set(os.listdir(tmp_path)) == expected
    best_file = max(kept)
    path = tmp_path / f"best_checkpoint_{best_file[1]}_acc={best_file[0]:.4f}.pt"
    saved = torch.load(str(path))
    assert set(saved) == {"model", "optimizer"}
    fresh = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    Checkpoint.load_objects({"model": fresh}, saved)
    fresh_eval = create_supervised_evaluator(fresh, metrics={"acc": Accuracy()})
    assert fresh_eval.run(val).metrics["acc"] == pytest.approx(best_file[0])


def test_model_checkpoint_naming_and_require_empty(tmp_path):
    model = nn.Linear(2, 2)
    engine = Engine(lambda e, b: None)
    handler = ModelCheckpoint(str(tmp_path), "mymodel", n_saved=2, require_empty=False)
    engine.add_event_handler(Events.EPOCH_COMPLETED, handler, {"model": model})
    engine.run(range(2), max_epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["mymodel_model_2.pt", "mymodel_model_3.pt"]
    assert handler.last_checkpoint == os.path.join(str(tmp_path), "mymodel_model_3.pt")
    state = torch.load(handler.last_checkpoint)
    np.testing.assert_array_equal(state["weight"].numpy(), model.weight.detach().numpy())
    with pytest.raises(ValueError, match="already present"):
        ModelCheckpoint(str(tmp_path), "again")
    every = ModelCheckpoint(str(tmp_path / "it"), n_saved=None)
    engine = Engine(lambda e, b: None)
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), every, {"net": model})
    engine.run(range(5))
    assert sorted(os.listdir(tmp_path / "it")) == ["net_2.pt", "net_4.pt"]


def test_early_stopping_terminates_trainer():
    trainer = Engine(lambda e, b: None)
    scores = iter([0.5, 0.6, 0.55, 0.58, 0.59, 0.9])
    evaluator = Engine(lambda e, b: None)
    stopper = EarlyStopping(patience=3, score_function=lambda e: next(scores), trainer=trainer)
    evaluator.add_event_handler(Events.COMPLETED, stopper)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda e: evaluator.run([0]))
    trainer.run(range(2), max_epochs=10)
    # best 0.6 at epoch 2; epochs 3, 4, 5 are worse -> terminate in epoch 5
    assert trainer.state.epoch == 5 and stopper.counter == 3 and stopper.best_score == 0.6
    assert stopper.state_dict() == {"counter": 3, "best_score": 0.6}
    with pytest.raises(ValueError):
        EarlyStopping(patience=0, score_function=lambda e: 0, trainer=trainer)


def test_progress_bar_renders_in_capsys(capsys):
    _, _, trainer, _, train, _ = _setup()
    RunningAverage(output_transform=lambda x: x).attach(trainer, "running_loss")
    ProgressBar(persist=True).attach(trainer, metric_names=["running_loss"], output_transform=lambda x: {"batch": x})
    trainer.run(train, max_epochs=2)
    err = capsys.readouterr().err
    assert "Epoch [1/2]: 100%|██████████| 5/5" in err and "Epoch [2/2]: 100%|██████████| 5/5" in err
    assert f"running_loss={trainer.state.metrics['running_loss']:.3f}" in err
    assert f"batch={trainer.state.output:.3f}" in err
    bar = ContribProgressBar()
    engine = Engine(lambda e, b: None)
    bar.attach(engine)
    engine.add_event_handler(Events.COMPLETED, lambda e: bar.log_message("all done"))
    engine.run(range(3))
    err = capsys.readouterr().err
    assert "Iteration: 100%|██████████| 3/3" in err and "all done" in err
    assert ContribProgressBar is ProgressBar


def test_terminate_on_nan():
    engine = Engine(lambda e, b: float("nan") if b == 3 else float(b))
    engine.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    engine.run(range(10))
    assert engine.state.iteration == 4
    engine = Engine(lambda e, b: torch.tensor([1.0, float("inf")]) if b == 1 else torch.tensor([0.0]))
    engine.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    engine.run(range(10))
    assert engine.state.iteration == 2


def test_checkpoint_resumes_trainer_state(tmp_path):
    model, opt, trainer, _, train, _ = _setup()
    to_save = {"model": model, "optimizer": opt, "trainer": trainer}
    handler = Checkpoint(to_save, str(tmp_path), n_saved=1)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    trainer.run(train, max_epochs=2)
    assert os.listdir(tmp_path) == ["checkpoint_2.pt"]
    _, opt2, trainer2, _, _, _ = _setup()
    model2 = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    Checkpoint.load_objects({"model": model2, "optimizer": opt2, "trainer": trainer2},
                            str(tmp_path / "checkpoint_2.pt"))
    assert trainer2.state.epoch == 2 and trainer2.state.iteration == 10
    for p, q in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
