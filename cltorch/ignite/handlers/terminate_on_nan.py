"""TerminateOnNan: stop the run when the output holds NaN or infinity."""
from __future__ import annotations

import logging
import math
import numbers

from ... import Tensor


class TerminateOnNan:
    """Attach to ITERATION_COMPLETED: terminate when any number or tensor in the output is not finite."""

    def __init__(self, output_transform=lambda x: x) -> None:
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")
        self._output_transform = output_transform

    def _finite(self, value) -> bool:
        if isinstance(value, Tensor):
            return bool(value.isfinite().all().item())
        if isinstance(value, numbers.Number):
            return math.isfinite(value)
        if isinstance(value, dict):
            return all(self._finite(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return all(self._finite(v) for v in value)
        return True

    def __call__(self, engine) -> None:
        output = self._output_transform(engine.state.output)
        if not self._finite(output):
            self.logger.warning(f"{type(self).__name__}: Output '{output}' contains NaN or Inf. Stop training")
            engine.terminate()
