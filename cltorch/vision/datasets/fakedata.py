"""``FakeData``: random images, the same ones for the same index (for tests and benchmarks)."""
from __future__ import annotations

import numpy as np

from .. import _pil
from .vision import VisionDataset


class FakeData(VisionDataset):
    """size random uint8 images of image_size (C, H, W) with random targets in [0, num_classes).

    Item i is drawn from a NumPy Philox generator keyed by i + random_offset, so it never changes;
    items are PIL images when Pillow is installed (1 or 3 channels), else HxWxC uint8 arrays."""

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = tuple(image_size), random_offset

    def __getitem__(self, index: int):
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng = np.random.Generator(np.random.Philox(key=index + self.random_offset))
        c, h, w = self.image_size
        img = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        if c == 1:
            img = img[:, :, 0]
        if c in (1, 3):
            img = _pil.from_array(img)
        return self._transformed(img, target)

    def __len__(self) -> int:
        return self.size
