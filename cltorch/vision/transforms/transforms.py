"""Transform classes (torchvision.transforms): callables over PIL images, NumPy images and tensors.

Random transforms draw their parameters on the host from cltorch's default
generator (``cltorch.manual_seed`` replays them; see utils/data/_utils/host_random.py).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import cltorch
from cltorch.utils.data._utils import host_random

from . import functional as F
from .functional import InterpolationMode

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize", "Lambda", "Resize",
           "CenterCrop", "Pad", "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomApply", "RandomChoice", "RandomOrder", "Grayscale", "RandomGrayscale", "RandomRotation",
           "RandomAffine", "InterpolationMode"]


def _rand() -> float:
    return host_random.rand()


def _uniform(lo: float, hi: float) -> float:
    return lo + (hi - lo) * _rand()


def _randint(lo: int, hi: int) -> int:
    """An integer in [lo, hi)."""
    return host_random.randint(lo, hi)


class Transform:
    """Base of the transform classes: calling one runs forward()."""

    def __call__(self, *args):
        return self.forward(*args)

    def forward(self, img):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({lines}\n)"


class ToTensor:
    """PIL image or HxW(xC) array -> C x H x W tensor; uint8 scaled to [0, 1] (host-staged until used)."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """PIL image -> C x H x W tensor of the same dtype, unscaled."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ToPILImage:
    """Tensor or array -> PIL image (needs Pillow)."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mode={self.mode})" if self.mode else f"{self.__class__.__name__}()"


class ConvertImageDtype(Transform):
    """Convert a tensor image to dtype, rescaling its values."""

    def __init__(self, dtype) -> None:
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(Transform):
    """Per-channel (x - mean) / std of a float tensor image."""

    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _check_size(size, name="size"):
    if not isinstance(size, (int, Sequence)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, Sequence) and len(size) not in (1, 2):
        raise ValueError("If size is a sequence, it should have 1 or 2 values")
    return size


class Resize(Transform):
    """Resize to (h, w), or so the shorter side equals an int size."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        self.size = _check_size(size)
        self.interpolation, self.max_size, self.antialias = interpolation, max_size, antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        mode = F._mode(self.interpolation)
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={mode}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class CenterCrop(Transform):
    """The central crop of the given size."""

    def __init__(self, size):
        self.size = F._pair(size)

    def forward(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class Pad(Transform):
    """Pad the borders (constant, edge, reflect or symmetric)."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in [1, 2, 4]:
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             "tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop(Transform):
    """A crop at a random position (optionally after padding, or padding when the image is too small)."""

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop of output_size."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = F._pair(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        if self.pad_if_needed and w < self.size[1]:
            img = F.pad(img, [self.size[1] - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = F.pad(img, [0, self.size[0] - h], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomResizedCrop(Transform):
    """A random area/aspect crop resized to size."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = F._pair(size)
        self.scale, self.ratio, self.interpolation, self.antialias = scale, ratio, interpolation, antialias

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width) of a random crop with area in scale and aspect in ratio."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)


class RandomHorizontalFlip(Transform):
    """Mirror left-right with probability p."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def forward(self, img):
        return F.hflip(img) if _rand() < self.p else img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability p."""

    def forward(self, img):
        return F.vflip(img) if _rand() < self.p else img


class RandomApply(Transform):
    """Apply a list of transforms with probability p."""

    def __init__(self, transforms, p: float = 0.5):
        self.transforms, self.p = transforms, p

    def forward(self, img):
        if self.p < _rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img


class RandomChoice(Transform):
    """Apply one transform picked at random (optionally weighted by p)."""

    def __init__(self, transforms, p=None):
        self.transforms = transforms
        total = sum(p) if p else len(transforms)
        self.p = [x / total for x in p] if p else [1.0 / len(transforms)] * len(transforms)

    def forward(self, *args):
        u, acc = _rand(), 0.0
        for t, pt in zip(self.transforms, self.p):
            acc += pt
            if u < acc:
                return t(*args)
        return self.transforms[-1](*args)


class RandomOrder(Transform):
    """Apply transforms in a random order."""

    def __init__(self, transforms):
        self.transforms = transforms

    def forward(self, img):
        keys = host_random.uniform(len(self.transforms))
        for i in sorted(range(len(self.transforms)), key=lambda k: keys[k]):
            img = self.transforms[i](img)
        return img


class Grayscale(Transform):
    """Grayscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1):
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(Transform):
    """Grayscale (keeping the channel count) with probability p."""

    def __init__(self, p: float = 0.1):
        self.p = p

    def forward(self, img):
        c = F.get_image_num_channels(img)
        return F.rgb_to_grayscale(img, c) if _rand() < self.p else img


def _degrees(degrees, name: str):
    if isinstance(degrees, numbers.Number):
        if degrees < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [-float(degrees), float(degrees)]
    if len(degrees) != 2:
        raise ValueError(f"If {name} is a sequence, it must be of len 2.")
    return [float(d) for d in degrees]


class RandomRotation(Transform):
    """Rotate by an angle drawn from degrees."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        self.degrees = _degrees(degrees, "degrees")
        if center is not None and len(center) != 2:
            raise ValueError("center should be a sequence of length 2.")
        self.interpolation, self.expand, self.center, self.fill = interpolation, expand, center, fill

    @staticmethod
    def get_params(degrees) -> float:
        """An angle drawn uniformly from degrees."""
        return _uniform(float(degrees[0]), float(degrees[1]))

    def forward(self, img):
        fill = self.fill
        c = F.get_image_num_channels(img)
        if isinstance(img, cltorch.Tensor) and isinstance(fill, (int, float)):
            fill = [float(fill)] * c
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(degrees={self.degrees}, expand={self.expand}, fill={self.fill})"


class RandomAffine(Transform):
    """A random rotation, translation, scale and shear."""

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        self.degrees = _degrees(degrees, "degrees")
        if translate is not None:
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        if scale is not None and any(s <= 0 for s in scale):
            raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else (_degrees(shear, "shear") if isinstance(shear, numbers.Number)
                                                 else [float(s) for s in shear])
        self.interpolation, self.fill, self.center = interpolation, fill, center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) drawn from the ranges."""
        angle = _uniform(float(degrees[0]), float(degrees[1]))
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            tx, ty = int(round(_uniform(-max_dx, max_dx))), int(round(_uniform(-max_dy, max_dy)))
        else:
            tx, ty = 0, 0
        scale = _uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, (tx, ty), scale, (shear_x, shear_y)

    def forward(self, img):
        fill = self.fill
        c, h, w = F.get_dimensions(img)
        if isinstance(img, cltorch.Tensor) and isinstance(fill, (int, float)):
            fill = [float(fill)] * c
        ret = self.get_params(self.degrees, self.translate, self.scale, self.shear, [w, h])
        return F.affine(img, *ret, interpolation=self.interpolation, fill=fill, center=self.center)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(degrees={self.degrees})"
