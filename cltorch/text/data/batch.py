"""Batch: a minibatch of examples with one processed tensor (or tensors) per field as attributes."""
from __future__ import annotations

import cltorch

__all__ = ["Batch"]


class Batch:
    """``batch.<field>`` holds each field's processed batch; ``batch_size``, ``dataset``, ``fields`` describe it."""

    def __init__(self, data=None, dataset=None, device=None):
        if data is None:
            return
        self.batch_size = len(data)
        self.dataset = dataset
        self.fields = dataset.fields.keys()
        self.input_fields = [k for k, v in dataset.fields.items() if v is not None and not v.is_target]
        self.target_fields = [k for k, v in dataset.fields.items() if v is not None and v.is_target]
        for name, field in dataset.fields.items():
            if field is not None:
                setattr(self, name, field.process([getattr(x, name) for x in data], device=device))

    @classmethod
    def fromvars(cls, dataset, batch_size: int, train=None, **kwargs) -> "Batch":
        """A Batch made directly from tensors given as keyword arguments."""
        batch = cls()
        batch.batch_size = batch_size
        batch.dataset = dataset
        batch.fields = dataset.fields.keys()
        batch.input_fields = [k for k, v in dataset.fields.items() if v is not None and not v.is_target]
        batch.target_fields = [k for k, v in dataset.fields.items() if v is not None and v.is_target]
        for k, v in kwargs.items():
            setattr(batch, k, v)
        return batch

    def __len__(self) -> int:
        return self.batch_size

    def _values(self, names):
        if not names:
            return None
        if len(names) == 1:
            return getattr(self, names[0])
        return tuple(getattr(self, n) for n in names)

    def __iter__(self):
        """(inputs, targets) as torchtext when some field is a target; otherwise each field in order."""
        if self.target_fields:
            yield self._values(self.input_fields)
            yield self._values(self.target_fields)
        else:
            for name in self.input_fields:
                yield getattr(self, name)

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if not self.__dict__:
            return f"Empty {type(self).__module__}.{type(self).__name__} instance"
        names = [n for n in self.fields if n is not None and hasattr(self, n)]
        lines = "\n".join(f"\t[.{n}]:{_short_str(getattr(self, n))}" for n in names)
        ds_name = getattr(self.dataset, "name", None)
        source = f" from {ds_name.upper()}" if isinstance(ds_name, str) and ds_name else ""
        return f"\n[{type(self).__module__}.{type(self).__name__} of size {self.batch_size}{source}]\n{lines}"


def _short_str(value) -> str:
    if isinstance(value, cltorch.Tensor):
        size = "x".join(str(s) for s in value.shape)
        dev = "" if value.device.type == "cpu" else f" ({value.device})"
        return f"[{value.type()} of size {size}{dev}]"
    if isinstance(value, tuple):
        return str(tuple(_short_str(v) for v in value))
    return str(value)
