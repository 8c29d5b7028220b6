"""cltorch.vision.transforms and utils: device kernels vs NumPy references, host images, staging, randomness."""
from __future__ import annotations

import os
import struct
import zlib

import numpy as np
import pytest

import cltorch
from cltorch.utils.data import default_collate
from cltorch.utils.data._utils.staging import StagedTensor
from cltorch.vision import _pil
from cltorch.vision import transforms as T
from cltorch.vision import utils as vutils
from cltorch.vision.transforms import _functional_host as H
from cltorch.vision.transforms import functional as F

RNG = np.random.default_rng(0)


def _img(h=7, w=9, c=3):
    return RNG.integers(0, 256, (h, w, c), dtype=np.uint8)


def _t(a):
    return cltorch.from_numpy(np.ascontiguousarray(a))


def test_to_tensor_numpy_layouts_and_scaling():
    img = _img()
    t = F.to_tensor(img)
    assert isinstance(t, StagedTensor) and t.shape == (3, 7, 9) and t.dtype is cltorch.float32
    np.testing.assert_array_equal(t.numpy(), img.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    g = F.to_tensor(img[:, :, 0])
    assert g.shape == (1, 7, 9)
    f = RNG.standard_normal((4, 5, 2)).astype(np.float32)
    np.testing.assert_array_equal(F.to_tensor(f).numpy(), f.transpose(2, 0, 1))
    p = F.pil_to_tensor(img)
    assert p.dtype is cltorch.uint8 and p.numpy().tolist() == img.transpose(2, 0, 1).tolist()
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor(cltorch.ones(3, 2, 2))
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional"):
        F.to_tensor(np.zeros((1, 2, 3, 4), np.uint8))


def test_to_tensor_pil_matches_numpy():
    if not _pil.available():
        pytest.skip("Pillow (the optional 'images' extra) is not installed")
    img = _img()
    pil = _pil.Image.fromarray(img)
    np.testing.assert_array_equal(F.to_tensor(pil).numpy(), F.to_tensor(img).numpy())
    back = F.to_pil_image(F.to_tensor(pil))
    np.testing.assert_array_equal(np.asarray(back), img)


def _norm_ref(x, mean, std):
    m = np.asarray(mean, x.dtype).reshape(-1, 1, 1)
    s = np.asarray(std, x.dtype).reshape(-1, 1, 1)
    return (x - m) / s


def test_normalize_staged_device_and_inplace():
    img = _img()
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    ref = _norm_ref(img.transpose(2, 0, 1).astype(np.float32) / np.float32(255), mean, std)
    staged = F.normalize(F.to_tensor(img), mean, std)
    assert isinstance(staged, StagedTensor) and staged.is_staged
    np.testing.assert_allclose(staged.numpy(), ref, rtol=1e-6, atol=1e-7)
    dev = _t(img.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    np.testing.assert_allclose(F.normalize(dev, mean, std).numpy(), ref, rtol=1e-6, atol=1e-7)
    F.normalize(dev, mean, std, inplace=True)
    np.testing.assert_allclose(dev.numpy(), ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_batches_and_views(dtype):
    x = RNG.standard_normal((2, 4, 3, 5)).astype(dtype)
    mean, std = [0.1, -0.2, 0.3], [1.5, 0.5, 2.0]
    base = _t(x.transpose(0, 3, 2, 1))  # (2, 5, 3, 4), then a transposed view back to (2, 4, 3, 5)
    view = base.permute(0, 3, 2, 1)[:, :3]
    got = F.normalize(view, mean, std).numpy()
    np.testing.assert_allclose(got, _norm_ref(x[:, :3], mean, std), rtol=1e-6)
    inplace_target = view.clone()
    F.normalize(inplace_target, [0.5], [2.0], inplace=True)
    np.testing.assert_allclose(inplace_target.numpy(), (x[:, :3] - 0.5) / 2.0, rtol=1e-6)


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        F.normalize(cltorch.ones(3, 2, 2, dtype=cltorch.uint8), [0.5], [0.5])
    with pytest.raises(ValueError, match="Expected tensor to be a tensor image of size"):
        F.normalize(cltorch.ones(2, 2), [0.5], [0.5])
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(cltorch.ones(3, 2, 2), [0.5] * 3, [1.0, 0.0, 1.0])
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        F.normalize(cltorch.ones(3, 2, 2), [0.5, 0.5], [1.0, 1.0])
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.normalize(_img(), [0.5], [0.5])


def test_normalize_keeps_autograd():
    x = cltorch.rand(3, 4, 4, requires_grad=True)
    F.normalize(x, [0.1, 0.2, 0.3], [2.0, 4.0, 5.0]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:, 0, 0], [0.5, 0.25, 0.2], rtol=1e-6)


def test_convert_image_dtype():
    u8 = RNG.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    f = F.convert_image_dtype(_t(u8), cltorch.float32)
    np.testing.assert_array_equal(f.numpy(), u8.astype(np.float32) / np.float32(255))
    back = F.convert_image_dtype(f, cltorch.uint8)
    np.testing.assert_array_equal(back.numpy(), (u8.astype(np.float32) / np.float32(255) *
                                                 np.float32(255 + 1 - 1e-3)).astype(np.uint8))
    i16 = F.convert_image_dtype(_t(u8), cltorch.int16)
    np.testing.assert_array_equal(i16.numpy(), u8.astype(np.int16) * 128)
    i32 = _t(RNG.integers(0, 2 ** 31 - 1, (2, 3, 3), dtype=np.int32))
    np.testing.assert_array_equal(F.convert_image_dtype(i32, cltorch.uint8).numpy(),
                                  (i32.numpy() // (2 ** 23)).astype(np.uint8))
    staged = T.ConvertImageDtype(cltorch.float32)(F.pil_to_tensor(u8.transpose(1, 2, 0)))
    assert isinstance(staged, StagedTensor) and staged.is_staged
    np.testing.assert_array_equal(staged.numpy(), f.numpy())
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, cltorch.int32)


def test_collate_stages_one_batch_upload():
    imgs = [_img(4, 5, 1) for _ in range(6)]
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    batch = default_collate([(tf(i), k) for k, i in enumerate(imgs)])
    x, y = batch
    assert type(x) is cltorch.Tensor and x.shape == (6, 1, 4, 5)
    ref = (np.stack(imgs).transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255) - np.float32(0.5)) / \
        np.float32(0.5)
    np.testing.assert_allclose(x.numpy(), ref, rtol=1e-6, atol=1e-7)
    assert y.tolist() == list(range(6))


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "nearest-exact"])
@pytest.mark.parametrize("size", [(5, 6), (13, 4), (1, 1)])
def test_resize_tensor_matches_host(mode, size):
    img = RNG.standard_normal((7, 9, 2)).astype(np.float32)
    t = F.resize(_t(img.transpose(2, 0, 1)), list(size), interpolation=F.InterpolationMode(mode))
    host = H.np_resize(img, size, mode)
    np.testing.assert_allclose(t.numpy(), host.transpose(2, 0, 1), rtol=1e-5, atol=1e-5)


def test_resize_uint8_batch_and_shorter_side():
    img = _img(8, 12, 3)
    t = F.resize(_t(np.stack([img, img]).transpose(0, 3, 1, 2)), 4)
    assert t.shape == (2, 3, 4, 6) and t.dtype is cltorch.uint8
    host = H.np_resize(img, (4, 6), "bilinear")
    assert np.abs(t.numpy()[1].astype(int) - host.transpose(2, 0, 1).astype(int)).max() <= 1
    assert F.resize(img, [8, 12]) is img
    assert F.resize(_t(img.transpose(2, 0, 1)), 4, max_size=5).shape == (3, 3, 5)


def test_crop_center_crop_flip_on_tensors_staged_and_numpy():
    img = _img(6, 8, 3)
    chw = img.transpose(2, 0, 1)
    for x in (_t(chw), F.pil_to_tensor(img)):
        np.testing.assert_array_equal(F.crop(x, 1, 2, 3, 4).numpy(), chw[:, 1:4, 2:6])
        np.testing.assert_array_equal(F.hflip(x).numpy(), chw[:, :, ::-1])
        np.testing.assert_array_equal(F.vflip(x).numpy(), chw[:, ::-1])
        padded = np.zeros((3, 4, 5), np.uint8)
        padded[:, 2:, 1:] = chw[:, :2, :4]
        np.testing.assert_array_equal(F.crop(x, -2, -1, 4, 5).numpy(), padded)
        np.testing.assert_array_equal(F.center_crop(x, [4, 4]).numpy(), chw[:, 1:5, 2:6])
        assert F.center_crop(x, 10).shape == (3, 10, 10)
    np.testing.assert_array_equal(F.crop(img, 1, 2, 3, 4), img[1:4, 2:6])
    np.testing.assert_array_equal(F.center_crop(img, [4, 4]), img[1:5, 2:6])
    staged = F.hflip(F.to_tensor(img))
    assert isinstance(staged, StagedTensor) and staged.is_staged


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes_match_numpy(mode):
    img = _img(4, 5, 2)
    ltrb = [1, 2, 3, 1]
    widths = ((2, 1), (1, 3), (0, 0))
    ref = np.pad(img, widths, mode="constant", constant_values=7) if mode == "constant" else np.pad(img, widths, mode)
    got = F.pad(_t(img.transpose(2, 0, 1)), ltrb, fill=7, padding_mode=mode)
    np.testing.assert_array_equal(got.numpy(), ref.transpose(2, 0, 1))
    np.testing.assert_array_equal(F.pad(img, ltrb, fill=7, padding_mode=mode), ref)


def test_pad_errors_and_per_channel_fill():
    x = cltorch.zeros(3, 2, 2)
    out = F.pad(x, 1, fill=(1, 2, 3))
    assert out.shape == (3, 4, 4) and out[:, 0, 0].tolist() == [1, 2, 3] and out[:, 1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="Padding mode should be either"):
        F.pad(x, 1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple"):
        F.pad(x, [1, 2, 3])


@pytest.mark.parametrize("interp", ["nearest", "bilinear"])
def test_rotate_and_affine_tensor_match_host(interp):
    img = RNG.standard_normal((9, 11, 3)).astype(np.float32)
    x = _t(img.transpose(2, 0, 1))
    mode = F.InterpolationMode(interp)
    for fill in (None, [0.5, -1.0, 2.0]):
        got = F.rotate(x, 33.0, interpolation=mode, fill=fill)
        center_matrix = F.inverse_affine_matrix([0.0, 0.0], -33.0, [0.0, 0.0], 1.0, [0.0, 0.0])
        ref = H.np_warp(img, center_matrix, (9, 11), interp, fill)
        np.testing.assert_allclose(got.numpy(), ref.transpose(2, 0, 1), rtol=1e-4, atol=1e-4)
        got = F.affine(x, 20.0, [1, -2], 1.2, [10.0, 5.0], interpolation=mode, fill=fill)
        ref = F.affine(img, 20.0, [1, -2], 1.2, [10.0, 5.0], interpolation=mode, fill=fill)
        np.testing.assert_allclose(got.numpy(), ref.transpose(2, 0, 1), rtol=1e-4, atol=1e-4)


def test_rotate_identity_expand_and_uint8():
    img = _img(6, 10, 3)
    x = _t(img.transpose(2, 0, 1))
    np.testing.assert_array_equal(F.rotate(x, 0.0).numpy(), img.transpose(2, 0, 1))
    np.testing.assert_array_equal(F.rotate(x, 90.0, expand=True).numpy(), np.rot90(img, 1).transpose(2, 0, 1))
    rot = F.rotate(x, 45.0, expand=True, interpolation=F.InterpolationMode.BILINEAR, fill=[255, 0, 0])
    assert rot.dtype is cltorch.uint8 and rot.shape[1:] == (12, 12)
    assert rot[:, 0, 0].tolist() == [255, 0, 0]


def test_resampling_autograd_gradcheck():
    x = cltorch.rand(2, 5, 6, dtype=cltorch.float64, requires_grad=True)
    assert cltorch.autograd.gradcheck(lambda t: F.resize(t, [3, 4]), (x,))
    assert cltorch.autograd.gradcheck(lambda t: F.rotate(t, 30.0, interpolation=F.InterpolationMode.BILINEAR,
                                                         fill=[1.0, 2.0]), (x,))
    y = F.resize(x, [3, 4])
    ref = F.resize(x.detach(), [3, 4])
    np.testing.assert_allclose(y.detach().numpy(), ref.numpy(), rtol=1e-12)


def test_grayscale_tensor_matches_host():
    img = _img(5, 6, 3)
    got = F.rgb_to_grayscale(_t(img.transpose(2, 0, 1)), 3)
    ref = H.np_grayscale(img, 3)
    np.testing.assert_array_equal(got.numpy(), ref.transpose(2, 0, 1))
    f = img.transpose(2, 0, 1).astype(np.float32) / 255
    np.testing.assert_allclose(T.Grayscale()(_t(f)).numpy()[0], 0.2989 * f[0] + 0.587 * f[1] + 0.114 * f[2],
                               rtol=1e-5)


def test_random_transforms_follow_manual_seed(restore_rng):
    img = _img(10, 12, 3)
    tf = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.RandomRotation(20),
                    T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5), T.ToTensor()])
    cltorch.manual_seed(4)
    a = [tf(img).numpy() for _ in range(4)]
    cltorch.manual_seed(4)
    b = [tf(img).numpy() for _ in range(4)]
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)
    assert any(not np.array_equal(a[0], other) for other in a[1:])
    x = _t(img.transpose(2, 0, 1))
    assert T.RandomCrop(8)(x).shape == (3, 8, 8)
    assert T.RandomCrop(14, pad_if_needed=True)(x).shape == (3, 14, 14)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x).numpy(), img.transpose(2, 0, 1)[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=0.0)(x).numpy(), img.transpose(2, 0, 1))
    assert T.RandomResizedCrop(5)(x).shape == (3, 5, 5)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(20)(x)


def test_transforms_on_pil_images():
    if not _pil.available():
        pytest.skip("Pillow (the optional 'images' extra) is not installed")
    img = _pil.Image.fromarray(_img(10, 12, 3))
    out = T.Compose([T.Resize(5), T.CenterCrop(4), T.Pad(1), T.RandomRotation(10), T.Grayscale(3),
                     T.ToTensor()])(img)
    assert out.shape == (3, 6, 6) and out.dtype is cltorch.float32
    assert F.hflip(img).size == img.size and F.get_image_size(img) == [12, 10]


def test_make_grid_layout_and_normalize():
    x = RNG.random((5, 3, 4, 6)).astype(np.float32)
    g = vutils.make_grid(_t(x), nrow=2, padding=1, pad_value=0.5).numpy()
    assert g.shape == (3, 3 * 5 + 1, 2 * 7 + 1)
    np.testing.assert_array_equal(g[:, 1:5, 8:14], x[1])
    np.testing.assert_array_equal(g[:, 11:15, 1:7], x[4])
    assert (g[:, 0] == 0.5).all() and (g[:, 11:15, 8:14] == 0.5).all()
    gray = vutils.make_grid(_t(x[:, :1] * 4 - 1), normalize=True, padding=0, nrow=5).numpy()
    lo, hi = (x[:, :1] * 4 - 1).min(), (x[:, :1] * 4 - 1).max()
    np.testing.assert_allclose(gray[0, :, :6], ((x[0, 0] * 4 - 1) - lo) / (hi - lo), rtol=1e-5, atol=1e-6)
    each = vutils.make_grid(_t(x), normalize=True, scale_each=True, padding=0).numpy()
    assert each[:, :, 6:12].min() == 0 and abs(each[:, :, 6:12].max() - 1) < 1e-6
    assert vutils.make_grid(_t(x[0])).shape == (3, 4, 6)


def _read_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color == 2
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3)


@pytest.mark.parametrize("pillow", [False, True])
def test_save_image_png(tmp_path, monkeypatch, pillow):
    if pillow and not _pil.available():
        pytest.skip("Pillow (the optional 'images' extra) is not installed")
    if not pillow:
        monkeypatch.setattr(_pil, "Image", None)
    x = RNG.random((2, 3, 4, 5)).astype(np.float32)
    path = tmp_path / "grid.png"
    vutils.save_image(_t(x), str(path), nrow=2, padding=0)
    assert os.listdir(tmp_path) == ["grid.png"]
    pixels = _read_png(path.read_bytes()) if not pillow else np.asarray(_pil.Image.open(path))
    expected = np.clip(np.concatenate([x[0], x[1]], axis=2) * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(pixels, expected.transpose(1, 2, 0))
    if not pillow:
        with pytest.raises(ImportError, match="Pillow"):
            vutils.save_image(_t(x), str(tmp_path / "grid.jpg"))
        assert os.listdir(tmp_path) == ["grid.png"]
