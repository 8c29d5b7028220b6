"""Metrics (``ignite.metrics``): Accuracy, Loss, Precision, Recall, ConfusionMatrix, RunningAverage, ..."""
from .accuracy import Accuracy
from .confusion_matrix import ConfusionMatrix, DiceCoefficient, IoU, cmAccuracy, cmPrecision, cmRecall, mIoU
from .loss import Loss
from .metric import BatchWise, EpochWise, Metric, MetricsLambda, MetricUsage
from .precision_recall import Precision, Recall
from .running_average import RunningAverage

__all__ = ["Metric", "MetricsLambda", "MetricUsage", "EpochWise", "BatchWise", "Accuracy", "Loss", "Precision",
           "Recall", "ConfusionMatrix", "IoU", "mIoU", "cmAccuracy", "cmPrecision", "cmRecall", "DiceCoefficient",
           "RunningAverage"]
