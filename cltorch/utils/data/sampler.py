"""Samplers: the order (and batches) of dataset indices a DataLoader visits.

Random samplers draw with cltorch's random ops (randperm, randint, rand) on
the generator given, or cltorch's default generator, and read the indices back
once per epoch, so ``cltorch.manual_seed`` makes an epoch's order reproducible.
"""
from __future__ import annotations

from ... import _creation, _dtype, _sampling
from ..._creation import as_tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: an iterable of indices (or of index lists for batch samplers)."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def _device_order(self, device):
        """The epoch's indices as a device int64 vector (what __iter__ yields)."""
        return _creation.arange(len(self.data_source), device=device)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation, or ``num_samples`` draws with replacement."""

    def __init__(self, data_source, replacement: bool = False, num_samples=None, generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        g = self.generator
        if self.replacement:
            yield from _sampling.randint(0, n, (self.num_samples,), generator=g).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from _sampling.randperm(n, generator=g).tolist()
        rest = self.num_samples % n
        if rest:
            yield from _sampling.randperm(n, generator=g).tolist()[:rest]

    def __len__(self) -> int:
        return self.num_samples

    def _device_order(self, device):
        """The epoch's indices as a device int64 vector drawn as __iter__ draws them, or None."""
        n = len(self.data_source)
        if self.replacement or self.num_samples != n or n == 0:
            return None
        return _sampling.randperm(n, generator=self.generator, device=device)


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        if len(self.indices) == 0:
            return
        for i in _sampling.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices 0..len(weights)-1 drawn with probabilities proportional to weights."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = as_tensor(weights, dtype=_dtype.float64 if _has_fp64() else _dtype.float32)
        if w.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from _multinomial(self.weights, self.num_samples, self.replacement, self.generator).tolist()

    def __len__(self) -> int:
        return self.num_samples


def _has_fp64() -> bool:
    from ..._device import runtime
    return runtime("cpu").has_fp64


def _multinomial(w, n: int, replacement: bool, generator):
    """n category indices drawn with probabilities proportional to w (device ops only)."""
    from ... import cumsum, searchsorted, topk
    if (w < 0).any().item():
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if not replacement and n > w.shape[0]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if replacement:  # inverse CDF: the first bucket whose running total exceeds u * total
        cdf = cumsum(w, 0)
        u = _sampling.rand(n, generator=generator, dtype=w.dtype) * cdf[-1]
        return searchsorted(cdf, u, right=True).clamp(max=w.shape[0] - 1)
    # without replacement: the n largest keys u ** (1 / w) (exponential races); zero weights never win
    u = _sampling.rand(w.shape[0], generator=generator, dtype=w.dtype)
    keys = u.log() / w
    return topk(keys, n).indices


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        size = self.batch_size
        while True:
            batch = []
            for idx in it:
                batch.append(idx)
                if len(batch) == size:
                    break
            if len(batch) == size:
                yield batch
                continue
            if batch and not self.drop_last:
                yield batch
            return

    def _device_batches(self, device):
        """Index vectors (device views) for each batch when the sampler can give its order on the device."""
        order_fn = getattr(self.sampler, "_device_order", None)
        if type(self.sampler) not in (SequentialSampler, RandomSampler) or order_fn is None:
            return None
        order = order_fn(device)
        if order is None:
            return None
        return self._slices(order)

    def _slices(self, order):
        n, size = order.shape[0], self.batch_size
        stop = n - n % size if self.drop_last else n
        for start in range(0, stop, size):
            yield order[start:min(start + size, n)]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
