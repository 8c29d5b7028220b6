"""Fetchers: turn the indices a sampler yields into a (collated) batch, for map-style and iterable datasets."""
from __future__ import annotations

MAP, ITERABLE = 0, 1


class _MapFetcher:
    """Map-style: ``dataset.__getitems__(indices)`` when defined (batched fetch), else one ``dataset[i]`` each."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = dataset, auto_collation, collate_fn, \
            drop_last

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    """Iterable-style: the next batch_size items of the dataset's iterator."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = dataset, auto_collation, collate_fn, \
            drop_last
        self.iterator = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    """The fetcher for a dataset kind (MAP or ITERABLE)."""
    cls = _MapFetcher if kind == MAP else _IterableFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
