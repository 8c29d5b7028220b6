"""``DataHooks``: the data hooks LightningModule and LightningDataModule share (``pytorch_lightning.core.hooks``)."""
from __future__ import annotations

from ..utilities.exceptions import MisconfigurationException


class DataHooks:
    """prepare_data, setup/teardown, the *_dataloader hooks and the batch-transfer hooks, with their defaults."""

    # appended to the error of a train_dataloader that was not implemented
    _train_dataloader_hint = ""

    def prepare_data(self) -> None:
        """Download or write data once (no state should be set here)."""

    def setup(self, stage: str) -> None:
        """Build what each stage needs: 'fit', 'validate', 'test' or 'predict'."""

    def teardown(self, stage: str) -> None:
        """Release what setup built."""

    def train_dataloader(self):
        """The training DataLoader."""
        raise MisconfigurationException("`train_dataloader` must be implemented to be used with the Lightning "
                                        "Trainer" + self._train_dataloader_hint)

    def val_dataloader(self):
        """The validation DataLoader(s)."""
        return []

    def test_dataloader(self):
        """The test DataLoader(s)."""
        raise MisconfigurationException("No `test_dataloader()` method defined to run `Trainer.test`.")

    def predict_dataloader(self):
        """The prediction DataLoader(s)."""
        raise MisconfigurationException("No `predict_dataloader()` method defined to run `Trainer.predict`.")

    def transfer_batch_to_device(self, batch, device, dataloader_idx: int):
        """Move a batch to the device (None: let the LightningModule do it)."""
        return

    def on_before_batch_transfer(self, batch, dataloader_idx: int):
        """Change a batch before it is moved to the device."""
        return batch

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        """Change a batch after it was moved to the device."""
        return batch
