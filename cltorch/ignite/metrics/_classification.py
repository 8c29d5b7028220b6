"""Shape and type checks shared by the classification metrics (binary, multiclass, multilabel)."""
from __future__ import annotations

from .metric import Metric


def _is_binary(t) -> bool:
    """True when every value of t is 0 or 1 (one read-back, as ignite's check)."""
    if t.numel() == 0:
        return True
    return not bool(((t != 0) & (t != 1)).any().item())


class _BaseClassification(Metric):
    """Decides the input type on each update and checks it never changes."""

    def __init__(self, output_transform=lambda x: x, is_multilabel: bool = False, device="cpu",
                 skip_unrolling: bool = False) -> None:
        self._is_multilabel = is_multilabel
        self._type = None
        self._num_classes = None
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        self._type = None
        self._num_classes = None

    def _check_shape(self, output) -> None:
        y_pred, y = output
        if not (y.dim() == y_pred.dim() or y.dim() + 1 == y_pred.dim()):
            raise ValueError("y must have shape of (batch_size, ...) and y_pred must have shape of (batch_size, "
                             f"num_categories, ...) or (batch_size, ...), but given {tuple(y.shape)} vs "
                             f"{tuple(y_pred.shape)}.")
        y_shape = tuple(y.shape)
        y_pred_shape = tuple(y_pred.shape)
        if y.dim() + 1 == y_pred.dim():
            y_pred_shape = (y_pred_shape[0],) + y_pred_shape[2:]
        if y_shape != y_pred_shape:
            raise ValueError("y and y_pred must have compatible shapes.")
        if self._is_multilabel and not (y.shape == y_pred.shape and y.dim() > 1 and y.shape[1] > 1):
            raise ValueError("y and y_pred must have same shape of (batch_size, num_categories, ...) and "
                             "num_categories > 1.")

    def _check_binary_multilabel_cases(self, output) -> None:
        y_pred, y = output
        if not _is_binary(y):
            raise ValueError("For binary cases, y must be comprised of 0's and 1's.")
        if not _is_binary(y_pred):
            raise ValueError("For binary cases, y_pred must be comprised of 0's and 1's.")

    def _check_type(self, output) -> None:
        y_pred, y = output
        if y.dim() + 1 == y_pred.dim():
            num_classes = y_pred.shape[1]
            if num_classes == 1:
                update_type = "binary"
                self._check_binary_multilabel_cases((y_pred, y))
            else:
                update_type = "multiclass"
        elif y.dim() == y_pred.dim():
            self._check_binary_multilabel_cases((y_pred, y))
            if self._is_multilabel:
                update_type = "multilabel"
                num_classes = y_pred.shape[1]
            else:
                update_type = "binary"
                num_classes = 1
        else:
            raise RuntimeError(f"Invalid shapes of y (shape={tuple(y.shape)}) and y_pred (shape="
                               f"{tuple(y_pred.shape)}), check documentation. for expected shapes of y and y_pred.")
        if self._type is None:
            self._type = update_type
            self._num_classes = num_classes
        else:
            if self._type != update_type:
                raise RuntimeError(f"Input data type has changed from {self._type} to {update_type}.")
            if self._num_classes != num_classes:
                raise ValueError(f"Input data number of classes has changed from {self._num_classes} to "
                                 f"{num_classes}")


def rows_by_class(t, num_classes: int):
    """(N, C, d1, ...) -> (N * d1 * ..., C): one row per sample position, one column per class."""
    if t.dim() > 2:
        last = t.dim() - 1
        t = t.transpose(1, last)
    return t.reshape(-1, num_classes)
