"""What the Trainer is doing: the entry point (fn), the running stage and the status."""
from __future__ import annotations

from enum import Enum


class TrainerFn(str, Enum):
    """The entry point the user called."""

    FITTING = "fit"
    VALIDATING = "validate"
    TESTING = "test"
    PREDICTING = "predict"


class RunningStage(str, Enum):
    """The loop that is running now."""

    TRAINING = "train"
    SANITY_CHECKING = "sanity_check"
    VALIDATING = "validate"
    TESTING = "test"
    PREDICTING = "predict"

    @property
    def evaluating(self) -> bool:
        """True for validation, test and sanity-check stages."""
        return self in (RunningStage.VALIDATING, RunningStage.TESTING, RunningStage.SANITY_CHECKING)

    @property
    def dataloader_prefix(self):
        """'val', 'test', 'train' or 'predict': the hook prefix of this stage."""
        if self in (RunningStage.VALIDATING, RunningStage.SANITY_CHECKING):
            return "val"
        return self.value


class TrainerStatus(str, Enum):
    """Whether the Trainer runs, finished or was interrupted."""

    INITIALIZING = "initializing"
    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"

    @property
    def stopped(self) -> bool:
        """True once finished or interrupted."""
        return self in (TrainerStatus.FINISHED, TrainerStatus.INTERRUPTED)


class TrainerState:
    """The Trainer's fn, stage and status together."""

    def __init__(self) -> None:
        self.status = TrainerStatus.INITIALIZING
        self.fn = None
        self.stage = None

    @property
    def finished(self) -> bool:
        """True once a run finished normally."""
        return self.status == TrainerStatus.FINISHED

    @property
    def stopped(self) -> bool:
        """True once finished or interrupted."""
        return self.status.stopped
