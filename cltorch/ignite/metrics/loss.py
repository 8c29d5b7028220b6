"""Loss: the batch-size weighted mean of a loss function over an epoch."""
from __future__ import annotations

from ..exceptions import NotComputableError
from .metric import Metric


class Loss(Metric):
    """Average of ``loss_fn(y_pred, y)`` weighted by ``batch_size(y)`` (default: len)."""

    required_output_keys = ("y_pred", "y", "criterion_kwargs")

    def __init__(self, loss_fn, output_transform=lambda x: x, batch_size=len, device="cpu",
                 skip_unrolling: bool = False) -> None:
        self._loss_fn = loss_fn
        self._batch_size = batch_size
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def iteration_completed(self, engine) -> None:
        output = self._output_transform(engine.state.output)
        if isinstance(output, dict):
            missing = [k for k in ("y_pred", "y") if k not in output]
            if missing:
                raise ValueError(f"When transformed engine's output is a mapping, it should contain ('y_pred', 'y') "
                                 f"keys, but given {list(output.keys())}")
            output = (output["y_pred"], output["y"], output.get("criterion_kwargs", {}))
        self.update(output)

    def reset(self) -> None:
        """Zero the sums."""
        self._sum = None
        self._num_examples = 0

    def update(self, output) -> None:
        """Add one batch: (y_pred, y) or (y_pred, y, loss kwargs)."""
        if len(output) == 2:
            y_pred, y = output
            kwargs = {}
        else:
            y_pred, y, kwargs = output
        average_loss = self._loss_fn(y_pred, y, **kwargs).detach()
        if average_loss.dim() != 0:
            raise ValueError("loss_fn did not return the average loss.")
        n = self._batch_size(y)
        weighted = average_loss * n
        self._sum = weighted if self._sum is None else self._sum + weighted
        self._num_examples += n

    def compute(self) -> float:
        """Sum of weighted losses / examples."""
        if self._num_examples == 0:
            raise NotComputableError("Loss must have at least one example before it can be computed.")
        return self._sum.item() / self._num_examples
