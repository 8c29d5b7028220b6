"""Precision and Recall: per class (average=False) or averaged ('macro' = True, 'micro', 'weighted')."""
from __future__ import annotations

from ... import float32, float64
from ...nn.functional import one_hot
from ..exceptions import NotComputableError
from ._classification import _BaseClassification, rows_by_class

_EPS = 1e-20


def _accumulation_dtype(t):
    """float64 where the device has it (exact counts and ratios), else float32."""
    try:
        t.new_zeros(1, dtype=float64)
        return float64
    except (RuntimeError, TypeError):
        return float32


class _BasePrecisionRecall(_BaseClassification):
    """Counts true positives and the precision or recall denominator per class."""

    _recall = False

    def __init__(self, output_transform=lambda x: x, average=False, is_multilabel: bool = False, device="cpu",
                 skip_unrolling: bool = False) -> None:
        if average not in (False, True, "micro", "macro", "weighted"):
            raise ValueError("Argument average should be None or a boolean or one of values 'micro', 'macro' and "
                             f"'weighted', got {average!r}")
        self._average = "macro" if average is True else average
        super().__init__(output_transform=output_transform, is_multilabel=is_multilabel, device=device,
                         skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        """Zero the counts."""
        self._numerator = None
        self._denominator = None
        self._weight = None
        self._updated = False
        super().reset()

    def _rows(self, y_pred, y):
        """(prediction one-hot rows, target one-hot rows) as floats, one column per class."""
        if self._type == "binary":
            if y_pred.dim() == y.dim() + 1:
                y_pred = y_pred.squeeze(1)
            return y_pred.reshape(-1, 1), y.reshape(-1, 1)
        num_classes = y_pred.shape[1]
        if self._type == "multiclass":
            if not bool((y.max() < num_classes).item()):
                raise ValueError(f"y_pred contains fewer classes than y. Number of classes in the prediction is "
                                 f"{num_classes} and an element in y has invalid class = {int(y.max().item())}.")
            return one_hot(y_pred.argmax(dim=1).reshape(-1), num_classes), one_hot(y.reshape(-1), num_classes)
        return rows_by_class(y_pred, num_classes), rows_by_class(y, num_classes)

    def update(self, output) -> None:
        """Accumulate one batch's counts (on the batch's device)."""
        y_pred, y = output[0].detach(), output[1].detach()
        self._check_shape((y_pred, y))
        self._check_type((y_pred, y))
        pred_rows, y_rows = self._rows(y_pred, y)
        dtype = _accumulation_dtype(y_pred)
        pred_rows = pred_rows.to(dtype)
        y_rows = y_rows.to(dtype)
        tp = (pred_rows * y_rows).sum(dim=0)
        denominator = (y_rows if self._recall else pred_rows).sum(dim=0)
        weight = y_rows.sum(dim=0)
        if self._average == "micro" or self._type == "binary":
            tp, denominator, weight = tp.sum(), denominator.sum(), weight.sum()
        if self._numerator is None:
            self._numerator, self._denominator, self._weight = tp, denominator, weight
        else:
            self._numerator = self._numerator + tp
            self._denominator = self._denominator + denominator
            self._weight = self._weight + weight
        self._updated = True

    def compute(self):
        """Per-class tensor (average=False) or a float (averaged, or binary input)."""
        if not self._updated:
            name = "Recall" if self._recall else "Precision"
            raise NotComputableError(f"{name} must have at least one example before it can be computed.")
        fraction = self._numerator / (self._denominator + _EPS)
        if self._type == "binary" or self._average == "micro":
            return fraction.item() if self._average else fraction
        if self._average == "weighted":
            return ((fraction * self._weight).sum() / self._weight.sum()).item()
        if self._average == "macro":
            return fraction.mean().item()
        return fraction


class Precision(_BasePrecisionRecall):
    """True positives / predicted positives."""

    _recall = False


class Recall(_BasePrecisionRecall):
    """True positives / actual positives."""

    _recall = True
