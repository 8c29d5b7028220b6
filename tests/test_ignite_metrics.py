"""cltorch.ignite metrics against NumPy: Accuracy, Loss, Precision, Recall, ConfusionMatrix, RunningAverage."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch as torch
from cltorch import nn
from cltorch.ignite.engine import Engine, Events
from cltorch.ignite.exceptions import NotComputableError
from cltorch.ignite.metrics import (Accuracy, ConfusionMatrix, IoU, Loss, MetricsLambda, Precision, Recall,
                                    RunningAverage, cmAccuracy, mIoU)

RNG = np.random.default_rng(7)


def _batches(pred, target, size):
    return [(torch.tensor(pred[i:i + size]), torch.tensor(target[i:i + size])) for i in range(0, len(pred), size)]


def _run_metric(metric, batches, name="m"):
    engine = Engine(lambda e, b: b)
    metric.attach(engine, name)
    return engine.run(batches).metrics[name]


def _np_precision_recall(pred_labels, target, num_classes):
    tp = np.array([np.sum((pred_labels == c) & (target == c)) for c in range(num_classes)], dtype=np.float64)
    predicted = np.array([np.sum(pred_labels == c) for c in range(num_classes)], dtype=np.float64)
    actual = np.array([np.sum(target == c) for c in range(num_classes)], dtype=np.float64)
    return tp / np.maximum(predicted, 1e-300) * (predicted > 0), tp / np.maximum(actual, 1e-300) * (actual > 0), actual


def test_accuracy_multiclass_binary_multilabel():
    logits = RNG.normal(size=(23, 4)).astype(np.float32)
    target = RNG.integers(0, 4, 23)
    assert _run_metric(Accuracy(), _batches(logits, target, 7)) == pytest.approx(np.mean(logits.argmax(1) == target))
    pred = RNG.integers(0, 2, 31)
    tgt = RNG.integers(0, 2, 31)
    assert _run_metric(Accuracy(), _batches(pred, tgt, 10)) == pytest.approx(np.mean(pred == tgt))
    ml_pred = RNG.integers(0, 2, (19, 3))
    ml_tgt = ml_pred.copy()
    ml_tgt[::3, 1] ^= 1
    expected = np.mean(np.all(ml_pred == ml_tgt, axis=1))
    assert _run_metric(Accuracy(is_multilabel=True), _batches(ml_pred, ml_tgt, 6)) == pytest.approx(expected)
    # spatial multiclass: (N, C, H) logits and (N, H) targets
    sp = RNG.normal(size=(5, 3, 4)).astype(np.float32)
    sp_t = RNG.integers(0, 3, (5, 4))
    assert _run_metric(Accuracy(), _batches(sp, sp_t, 2)) == pytest.approx(np.mean(sp.argmax(1) == sp_t))


def test_accuracy_checks():
    acc = Accuracy()
    with pytest.raises(NotComputableError):
        acc.compute()
    with pytest.raises(ValueError, match="y_pred must be comprised of 0's and 1's"):
        acc.update((torch.tensor([0.2, 0.9]), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="compatible shapes"):
        acc.update((torch.zeros(4, 3), torch.zeros(5, dtype=torch.int64)))
    acc.reset()
    acc.update((torch.zeros(4, 3), torch.zeros(4, dtype=torch.int64)))
    with pytest.raises(RuntimeError, match="has changed from multiclass to binary"):
        acc.update((torch.zeros(4, dtype=torch.int64), torch.zeros(4, dtype=torch.int64)))


def test_precision_recall_multiclass_against_numpy():
    logits = RNG.normal(size=(41, 5)).astype(np.float32)
    logits[:, 4] -= 10.0  # class 4 is never predicted: its precision is 0
    target = RNG.integers(0, 5, 41)
    labels = logits.argmax(1)
    precision, recall, support = _np_precision_recall(labels, target, 5)
    batches = _batches(logits, target, 9)
    got_p = _run_metric(Precision(average=False), batches)
    got_r = _run_metric(Recall(average=False), batches)
    np.testing.assert_allclose(got_p.numpy(), precision, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_r.numpy(), recall, rtol=1e-12, atol=1e-12)
    assert _run_metric(Precision(average=True), batches) == pytest.approx(precision.mean())
    assert _run_metric(Recall(average="macro"), batches) == pytest.approx(recall.mean())
    assert _run_metric(Precision(average="micro"), batches) == pytest.approx(np.mean(labels == target))
    assert _run_metric(Recall(average="weighted"), batches) == pytest.approx(np.dot(recall, support) / support.sum())
    # F1 as arithmetic on metrics
    p, r = Precision(average=False), Recall(average=False)
    f1 = (p * r * 2 / (p + r + 1e-20)).mean()
    assert isinstance(f1, MetricsLambda)
    expected_f1 = np.mean(2 * precision * recall / (precision + recall + 1e-20))
    assert _run_metric(f1, batches) == pytest.approx(expected_f1)


def test_precision_recall_binary_and_multilabel():
    pred = RNG.integers(0, 2, 37)
    tgt = RNG.integers(0, 2, 37)
    tp = np.sum((pred == 1) & (tgt == 1))
    batches = _batches(pred, tgt, 8)
    assert _run_metric(Precision(), batches) == pytest.approx(tp / np.sum(pred == 1))
    assert _run_metric(Recall(), batches) == pytest.approx(tp / np.sum(tgt == 1))
    ml_pred = RNG.integers(0, 2, (25, 3))
    ml_tgt = RNG.integers(0, 2, (25, 3))
    ml_batches = _batches(ml_pred, ml_tgt, 7)
    tp = np.sum(ml_pred * ml_tgt, axis=0).astype(np.float64)
    got = _run_metric(Precision(average=False, is_multilabel=True), ml_batches)
    np.testing.assert_allclose(got.numpy(), tp / ml_pred.sum(0), rtol=1e-12)
    got = _run_metric(Recall(average=True, is_multilabel=True), ml_batches)
    assert got == pytest.approx(np.mean(tp / ml_tgt.sum(0)))


def test_confusion_matrix_against_numpy():
    logits = RNG.normal(size=(33, 4)).astype(np.float32)
    target = RNG.integers(0, 4, 33)
    target[5] = -1  # ignored, as ignite does with out-of-range targets
    expected = np.zeros((4, 4), dtype=np.int64)
    for t, p in zip(target, logits.argmax(1)):
        if 0 <= t < 4:
            expected[t, p] += 1
    batches = _batches(logits, target, 10)
    got = _run_metric(ConfusionMatrix(4), batches)
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), expected)
    recall_norm = _run_metric(ConfusionMatrix(4, average="recall"), batches).numpy()
    np.testing.assert_allclose(recall_norm, expected / expected.sum(1, keepdims=True), rtol=1e-12)
    samples = _run_metric(ConfusionMatrix(4, average="samples"), batches).numpy()
    np.testing.assert_allclose(samples, expected / expected.sum(), rtol=1e-12)
    cm = ConfusionMatrix(4)
    diag = np.diag(expected).astype(np.float64)
    iou = diag / (expected.sum(0) + expected.sum(1) - diag)
    np.testing.assert_allclose(_run_metric(IoU(cm), batches).numpy(), iou, rtol=1e-12)
    assert _run_metric(mIoU(cm), batches) == pytest.approx(iou.mean())
    assert _run_metric(cmAccuracy(cm), batches) == pytest.approx(diag.sum() / expected.sum())
    with pytest.raises(ValueError, match="number of classes"):
        ConfusionMatrix(3).update((torch.zeros(2, 4), torch.zeros(2, dtype=torch.int64)))


def test_loss_is_batch_size_weighted():
    logits = RNG.normal(size=(22, 3)).astype(np.float32)
    target = RNG.integers(0, 3, 22)
    batches = _batches(logits, target, 8)  # 8, 8, 6
    per_batch = []
    for x, y in batches:
        per_batch.append((nn.functional.cross_entropy(x, y).item(), len(y)))
    expected = sum(v * n for v, n in per_batch) / 22
    assert _run_metric(Loss(nn.CrossEntropyLoss()), batches) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="did not return the average loss"):
        Loss(nn.CrossEntropyLoss(reduction="none")).update(batches[0])
    with pytest.raises(NotComputableError):
        Loss(nn.CrossEntropyLoss()).compute()


def test_running_average_of_output_and_of_metric():
    values = [4.0, 2.0, 6.0, 1.0, 3.0]
    engine = Engine(lambda e, b: b)
    RunningAverage(output_transform=lambda x: x, alpha=0.5).attach(engine, "avg")
    history = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: history.append(e.state.metrics["avg"]))
    engine.run(values)
    expected, current = [], None
    for v in values:
        current = v if current is None else 0.5 * current + 0.5 * v
        expected.append(current)
    assert history == pytest.approx(expected)
    logits = RNG.normal(size=(12, 3)).astype(np.float32)
    target = RNG.integers(0, 3, 12)
    batches = _batches(logits, target, 4)
    engine = Engine(lambda e, b: b)
    RunningAverage(Accuracy(), alpha=0.9).attach(engine, "racc")
    state = engine.run(batches)
    accs = [np.mean(x.numpy().argmax(1) == y.numpy()) for x, y in batches]
    ref = accs[0]
    for a in accs[1:]:
        ref = 0.9 * ref + 0.1 * a
    assert state.metrics["racc"] == pytest.approx(ref)
    with pytest.raises(ValueError):
        RunningAverage(alpha=0.5)


def test_metric_attach_detach_and_batchwise():
    logits = RNG.normal(size=(8, 2)).astype(np.float32)
    target = RNG.integers(0, 2, 8)
    batches = _batches(logits, target, 4)
    engine = Engine(lambda e, b: b)
    acc = Accuracy()
    acc.attach(engine, "acc", usage="batch_wise")
    per_batch = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: per_batch.append(e.state.metrics["acc"]))
    engine.run(batches)
    assert per_batch == pytest.approx([np.mean(x.numpy().argmax(1) == y.numpy()) for x, y in batches])
    assert acc.is_attached(engine, "batch_wise")
    acc.detach(engine, "batch_wise")
    assert not acc.is_attached(engine, "batch_wise")
    engine = Engine(lambda e, b: {"y_pred": b[0], "y": b[1]})
    Accuracy().attach(engine, "acc")
    assert engine.run(batches).metrics["acc"] == pytest.approx(np.mean(logits.argmax(1) == target))
