"""ConfusionMatrix (rows: true class, columns: predicted class) and metrics derived from it."""
from __future__ import annotations

from ... import bincount, int64
from ..exceptions import NotComputableError
from .metric import Metric, MetricsLambda
from .precision_recall import _accumulation_dtype

_EPS = 1e-15


class ConfusionMatrix(Metric):
    """Counts (true, predicted) pairs over num_classes; average 'samples', 'recall' or 'precision' normalizes."""

    def __init__(self, num_classes: int, average=None, output_transform=lambda x: x, device="cpu",
                 skip_unrolling: bool = False) -> None:
        if average is not None and average not in ("samples", "recall", "precision"):
            raise ValueError("Argument average can None or one of 'samples', 'recall', 'precision'")
        if num_classes <= 1:
            raise ValueError("Argument num_classes needs to be > 1")
        self.num_classes = num_classes
        self.average = average
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        """Zero the matrix."""
        self.confusion_matrix = None
        self._num_examples = 0

    def _check_shape(self, y_pred, y) -> None:
        if y_pred.dim() < 2:
            raise ValueError(f"y_pred must have shape (batch_size, num_classes (currently set to {self.num_classes}), "
                             f"...), but given {tuple(y_pred.shape)}")
        if y_pred.shape[1] != self.num_classes:
            raise ValueError(f"y_pred does not have correct number of classes: {y_pred.shape[1]} vs "
                             f"{self.num_classes}")
        if not (y.dim() + 1 == y_pred.dim()):
            raise ValueError("y_pred must have shape (batch_size, num_classes (currently set to "
                             f"{self.num_classes}), ...) and y must have shape of (batch_size, ...), but given "
                             f"{tuple(y.shape)} vs {tuple(y_pred.shape)}.")
        if tuple(y.shape) != (y_pred.shape[0],) + tuple(y_pred.shape[2:]):
            raise ValueError("y and y_pred must have compatible shapes.")

    def update(self, output) -> None:
        """Add one batch; targets outside [0, num_classes) are ignored."""
        y_pred, y = output[0].detach(), output[1].detach()
        self._check_shape(y_pred, y)
        self._num_examples += y_pred.shape[0]
        c = self.num_classes
        pred = y_pred.argmax(dim=1).reshape(-1)
        target = y.reshape(-1).to(int64)
        valid = (target >= 0) & (target < c)
        index = (target.clamp(0, c - 1) * c + pred).to(int64)
        counts = bincount(index, weights=valid.to(_accumulation_dtype(y_pred)), minlength=c * c).to(int64)
        counts = counts.reshape(c, c)
        self.confusion_matrix = counts if self.confusion_matrix is None else self.confusion_matrix + counts

    def compute(self):
        """The (num_classes, num_classes) matrix: counts, or normalized per average."""
        if self._num_examples == 0:
            raise NotComputableError("Confusion matrix must have at least one example before it can be computed.")
        if self.average:
            cm = self.confusion_matrix.to(_accumulation_dtype(self.confusion_matrix))
            if self.average == "samples":
                return cm / cm.sum()
            return self.normalize(cm, self.average)
        return self.confusion_matrix

    @staticmethod
    def normalize(matrix, average: str):
        """Divide rows (recall) or columns (precision) by their sums."""
        if average == "recall":
            return matrix / (matrix.sum(dim=1).unsqueeze(1) + _EPS)
        if average == "precision":
            return matrix / (matrix.sum(dim=0) + _EPS)
        raise ValueError("Argument average should be one of 'samples', 'recall', 'precision'")


def _as_float(cm):
    return cm.to(_accumulation_dtype(cm))


def IoU(cm: ConfusionMatrix, ignore_index=None) -> MetricsLambda:
    """Intersection over union per class from a ConfusionMatrix."""
    if not isinstance(cm, ConfusionMatrix):
        raise TypeError(f"Argument cm should be instance of ConfusionMatrix, but given {type(cm)}")
    if ignore_index is not None and not 0 <= ignore_index < cm.num_classes:
        raise ValueError(f"ignore_index should be non-negative integer, but given {ignore_index}")

    def iou(matrix):
        matrix = _as_float(matrix)
        diag = matrix.diag()
        out = diag / (matrix.sum(dim=1) + matrix.sum(dim=0) - diag + _EPS)
        if ignore_index is not None:
            keep = [i for i in range(cm.num_classes) if i != ignore_index]
            out = out[keep]
        return out
    return MetricsLambda(iou, cm)


def mIoU(cm: ConfusionMatrix, ignore_index=None) -> MetricsLambda:
    """Mean IoU over classes."""
    return IoU(cm, ignore_index).mean()


def cmAccuracy(cm: ConfusionMatrix) -> MetricsLambda:
    """Accuracy from a ConfusionMatrix."""
    return MetricsLambda(lambda m: (_as_float(m).diag().sum() / (_as_float(m).sum() + _EPS)).item(), cm)


def _diag_ratio(cm: ConfusionMatrix, dim: int, average: bool) -> MetricsLambda:
    """The diagonal over the sums along dim (0: per predicted class, 1: per true class), or their mean."""
    def ratio(m):
        m = _as_float(m)
        out = m.diag() / (m.sum(dim=dim) + _EPS)
        return out.mean().item() if average else out
    return MetricsLambda(ratio, cm)


def cmPrecision(cm: ConfusionMatrix, average: bool = True) -> MetricsLambda:
    """Precision per class (or mean) from a ConfusionMatrix."""
    return _diag_ratio(cm, 0, average)


def cmRecall(cm: ConfusionMatrix, average: bool = True) -> MetricsLambda:
    """Recall per class (or mean) from a ConfusionMatrix."""
    return _diag_ratio(cm, 1, average)


def DiceCoefficient(cm: ConfusionMatrix, ignore_index=None) -> MetricsLambda:
    """Dice coefficient per class from a ConfusionMatrix."""
    def dice(m):
        m = _as_float(m)
        diag = m.diag()
        out = 2.0 * diag / (m.sum(dim=1) + m.sum(dim=0) + _EPS)
        if ignore_index is not None:
            out = out[[i for i in range(cm.num_classes) if i != ignore_index]]
        return out
    return MetricsLambda(dice, cm)
