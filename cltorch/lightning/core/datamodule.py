"""LightningDataModule: the data side of a run (download, split, DataLoaders) in one reusable class."""
from __future__ import annotations

from .hooks import DataHooks
from .mixins import HyperparametersMixin


class LightningDataModule(DataHooks, HyperparametersMixin):
    """Groups prepare_data, setup and the *_dataloader hooks (``pytorch_lightning.LightningDataModule``)."""

    name: str | None = None
    CHECKPOINT_HYPER_PARAMS_KEY = "datamodule_hyper_parameters"

    def __init__(self) -> None:
        super().__init__()
        self.trainer = None
        self.prepare_data_per_node = True

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
