"""Accuracy for binary, multiclass and multilabel predictions."""
from __future__ import annotations

from ... import int64
from ..exceptions import NotComputableError
from ._classification import _BaseClassification, rows_by_class


class Accuracy(_BaseClassification):
    """Fraction of correct predictions (multilabel: of samples with every label right)."""

    def __init__(self, output_transform=lambda x: x, is_multilabel: bool = False, device="cpu",
                 skip_unrolling: bool = False) -> None:
        super().__init__(output_transform=output_transform, is_multilabel=is_multilabel, device=device,
                         skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        """Zero the counts."""
        self._num_correct = None
        self._num_examples = 0
        super().reset()

    def update(self, output) -> None:
        """Count correct predictions of one batch (on the batch's device)."""
        y_pred, y = output[0].detach(), output[1].detach()
        self._check_shape((y_pred, y))
        self._check_type((y_pred, y))
        if self._type == "binary":
            if y_pred.dim() == y.dim() + 1:
                y_pred = y_pred.squeeze(1)
            correct = (y_pred.reshape(-1).to(y.dtype) == y.reshape(-1))
        elif self._type == "multiclass":
            correct = (y_pred.argmax(dim=1) == y).reshape(-1)
        else:
            num_classes = y_pred.shape[1]
            pred_rows = rows_by_class(y_pred, num_classes)
            y_rows = rows_by_class(y, num_classes)
            correct = (y_rows == pred_rows.to(y_rows.dtype)).all(dim=-1)
        count = correct.to(int64).sum()
        self._num_correct = count if self._num_correct is None else self._num_correct + count
        self._num_examples += correct.shape[0]

    def compute(self) -> float:
        """Correct / seen."""
        if self._num_examples == 0:
            raise NotComputableError("Accuracy must have at least one example before it can be computed.")
        return self._num_correct.item() / self._num_examples
