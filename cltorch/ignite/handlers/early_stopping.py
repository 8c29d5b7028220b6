"""EarlyStopping: terminate the trainer when a score stops improving."""
from __future__ import annotations

import logging

from ..engine import Engine


class EarlyStopping:
    """Call ``trainer.terminate()`` after ``patience`` calls without the score beating the best by > min_delta."""

    _state_dict_all_req_keys = ("counter", "best_score")

    def __init__(self, patience: int, score_function, trainer: Engine, min_delta: float = 0.0,
                 cumulative_delta: bool = False) -> None:
        if not callable(score_function):
            raise TypeError("Argument score_function should be a function.")
        if patience < 1:
            raise ValueError("Argument patience should be positive integer.")
        if min_delta < 0.0:
            raise ValueError("Argument min_delta should not be a negative number.")
        if not isinstance(trainer, Engine):
            raise TypeError("Argument trainer should be an instance of Engine.")
        self.score_function = score_function
        self.patience = patience
        self.min_delta = min_delta
        self.cumulative_delta = cumulative_delta
        self.trainer = trainer
        self.counter = 0
        self.best_score = None
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")

    def __call__(self, engine: Engine) -> None:
        """Check the score once (attach to the evaluator's COMPLETED or the trainer's EPOCH_COMPLETED)."""
        score = self.score_function(engine)
        if self.best_score is None:
            self.best_score = score
        elif score <= self.best_score + self.min_delta:
            if not self.cumulative_delta and score > self.best_score:
                self.best_score = score
            self.counter += 1
            self.logger.debug(f"EarlyStopping: {self.counter} / {self.patience}")
            if self.counter >= self.patience:
                self.logger.info("EarlyStopping: Stop training")
                self.trainer.terminate()
        else:
            self.best_score = score
            self.counter = 0

    def state_dict(self) -> dict:
        """counter and best_score."""
        return {"counter": self.counter, "best_score": self.best_score}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore counter and best_score."""
        self.counter = state_dict["counter"]
        self.best_score = state_dict["best_score"]
