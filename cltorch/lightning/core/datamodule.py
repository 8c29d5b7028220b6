"""LightningDataModule: the data side of a run (download, split, DataLoaders) in one reusable class."""
from __future__ import annotations

from ..utilities.exceptions import MisconfigurationException
from .mixins import HyperparametersMixin


class LightningDataModule(HyperparametersMixin):
    """Groups prepare_data, setup and the *_dataloader hooks (``pytorch_lightning.LightningDataModule``)."""

    name: str | None = None
    CHECKPOINT_HYPER_PARAMS_KEY = "datamodule_hyper_parameters"

    def __init__(self) -> None:
        super().__init__()
        self.trainer = None
        self.prepare_data_per_node = True

    def prepare_data(self) -> None:
        """Download or write data once."""

    def setup(self, stage: str) -> None:
        """Build datasets for a stage: 'fit', 'validate', 'test' or 'predict'."""

    def teardown(self, stage: str) -> None:
        """Release what setup built."""

    def train_dataloader(self):
        """The training DataLoader."""
        raise MisconfigurationException("`train_dataloader` must be implemented to be used with the Lightning "
                                        "Trainer")

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

    def state_dict(self) -> dict:
        """Extra state to keep in checkpoints."""
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what state_dict returned."""

    def on_exception(self, exception: BaseException) -> None:
        """Called when fit/validate/test/predict raises."""

    @classmethod
    def from_datasets(cls, train_dataset=None, val_dataset=None, test_dataset=None, predict_dataset=None,
                      batch_size: int = 1, num_workers: int = 0, **loader_kwargs):
        """A datamodule that wraps datasets in DataLoaders (training shuffled)."""
        from ...utils.data import DataLoader

        def loader(ds, shuffle):
            if isinstance(ds, (list, tuple)):
                return [DataLoader(d, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                                   **loader_kwargs) for d in ds]
            return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers, **loader_kwargs)

        dm = cls()
        if train_dataset is not None:
            dm.train_dataloader = lambda: loader(train_dataset, True)
        if val_dataset is not None:
            dm.val_dataloader = lambda: loader(val_dataset, False)
        if test_dataset is not None:
            dm.test_dataloader = lambda: loader(test_dataset, False)
        if predict_dataset is not None:
            dm.predict_dataloader = lambda: loader(predict_dataset, False)
        return dm

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, map_location=None, hparams_file=None, **kwargs):
        """Build the datamodule from the hyperparameters saved in a checkpoint."""
        from .saving import load_from_checkpoint
        return load_from_checkpoint(cls, checkpoint_path, map_location=map_location, hparams_file=hparams_file,
                                    hparams_key=cls.CHECKPOINT_HYPER_PARAMS_KEY, **kwargs)
