"""DataLoaders for the loops: where they come from, how many batches to take, combined training loaders."""
from __future__ import annotations

import math

from ..utilities.exceptions import MisconfigurationException


def _has_len(loader) -> bool:
    try:
        return len(loader) is not None
    except (TypeError, NotImplementedError):
        return False


def as_loader_list(loaders) -> list:
    """A list of DataLoaders from one loader, a list/tuple of them or a dict of them (None: [])."""
    if loaders is None:
        return []
    if isinstance(loaders, dict):
        return list(loaders.values())
    if isinstance(loaders, (list, tuple)) and (not loaders or all(_is_loader(x) for x in loaders)):
        return list(loaders)
    return [loaders]


def _is_loader(obj) -> bool:
    return hasattr(obj, "__iter__") and not isinstance(obj, (str, bytes, dict)) and not hasattr(obj, "shape") \
        and (hasattr(obj, "dataset") or hasattr(obj, "batch_size") or hasattr(obj, "__len__") and not
             isinstance(obj, (list, tuple)))


class CombinedLoader:
    """Several training loaders stepped together ('max_size_cycle': shorter ones restart; 'min_size': stop first)."""

    def __init__(self, loaders, mode: str = "max_size_cycle"):
        if mode not in ("max_size_cycle", "min_size"):
            raise ValueError(f"Unsupported mode {mode!r}, expected 'max_size_cycle' or 'min_size'")
        self.loaders = loaders
        self.mode = mode
        self._items = list(loaders.items()) if isinstance(loaders, dict) else list(enumerate(loaders))

    def __len__(self) -> int:
        lengths = [len(loader) for _, loader in self._items]
        return max(lengths) if self.mode == "max_size_cycle" else min(lengths)

    def _pack(self, values):
        if isinstance(self.loaders, dict):
            return dict(zip((k for k, _ in self._items), values))
        return type(self.loaders)(values) if isinstance(self.loaders, tuple) else list(values)

    def __iter__(self):
        total = len(self)
        iterators = [iter(loader) for _, loader in self._items]
        for _ in range(total):
            values = []
            for i, (_, loader) in enumerate(self._items):
                try:
                    values.append(next(iterators[i]))
                except StopIteration:
                    iterators[i] = iter(loader)
                    values.append(next(iterators[i]))
            yield self._pack(values)


def training_loader(loaders):
    """One iterable for training: the loader itself, or a CombinedLoader of several."""
    if loaders is None:
        return None
    if isinstance(loaders, CombinedLoader):
        return loaders
    if isinstance(loaders, dict) or (isinstance(loaders, (list, tuple)) and loaders
                                     and all(_is_loader(x) for x in loaders)):
        return CombinedLoader(loaders)
    return loaders


def num_batches(loader, limit, name: str) -> float:
    """How many batches of loader a loop takes under limit_<name>_batches (inf for unsized loaders)."""
    length = len(loader) if _has_len(loader) else math.inf
    if isinstance(limit, bool):
        raise MisconfigurationException(f"`limit_{name}_batches` must be an int or a float, got {limit!r}")
    if isinstance(limit, int):
        return min(length, limit)
    limit = float(limit)
    if not 0.0 <= limit <= 1.0:
        raise MisconfigurationException(f"`limit_{name}_batches` must be in [0.0, 1.0] as a float, or an int; "
                                        f"got {limit}")
    if length == math.inf:
        if limit in (0.0, 1.0):
            return length if limit == 1.0 else 0
        raise MisconfigurationException(
            f"When using an IterableDataset for `limit_{name}_batches`, `Trainer(limit_{name}_batches)` must be "
            "`1.0` or an int. An int specifies `num_{name}_batches` to use.")
    count = int(length * limit)
    if count == 0 and limit > 0.0 and length > 0:
        min_fraction = 1.0 / length
        raise MisconfigurationException(
            f"You requested to check {limit} of the `{name}_dataloader` but {limit} * {length} < 1. Please increase "
            f"the `limit_{name}_batches` argument. Try at least `limit_{name}_batches={min_fraction}`")
    return count


class LimitedIterator:
    """Yields (batch_idx, batch, is_last) for at most ``limit`` batches, looking one batch ahead."""

    def __init__(self, loader, limit, start: int = 0):
        self._iter = iter(loader)
        self.limit = limit
        self.index = start
        self._pending = None
        self._done = False

    def skip(self, count: int) -> None:
        """Drop the next count batches (resuming mid-epoch)."""
        for _ in range(count):
            try:
                next(self._iter)
            except StopIteration:
                self._done = True
                return

    def _fetch(self):
        if self._done or self.index >= self.limit:
            return None
        try:
            return (next(self._iter),)
        except StopIteration:
            self._done = True
            return None

    def __iter__(self):
        current = self._fetch()
        while current is not None:
            idx = self.index
            self.index += 1
            upcoming = self._fetch()
            yield idx, current[0], upcoming is None
            current = upcoming
