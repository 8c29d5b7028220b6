"""Pooling, interpolation and embedding layers against PyTorch through the compat harness:
values, shapes, dtypes and gradients on contiguous, strided and transposed inputs; errors; reprs."""
import numpy as np
import pytest

import harness  # noqa: F401  (skips this module when torch is missing)
from harness import check, check_raises_same, check_same


def F(lib):
    return lib.nn.functional


POOL = {
    "max_pool2d": (lambda L, x: F(L).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True), (3, 2, 7, 5)),
    "max_pool2d_dilated": (lambda L, x: F(L).max_pool2d(x, (3, 2), (1, 2), (1, 0), dilation=2), (1, 2, 7, 5)),
    "max_pool2d_unbatched": (lambda L, x: F(L).max_pool2d(x, 2, 1), (2, 7, 5)),
    "max_pool1d": (lambda L, x: F(L).max_pool1d(x, 3, 2, 1, return_indices=True), (3, 2, 11)),
    "avg_pool2d": (lambda L, x: F(L).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (3, 2, 7, 5)),
    "avg_pool2d_divisor": (lambda L, x: F(L).avg_pool2d(x, (2, 3), 1, (1, 1), divisor_override=4), (2, 7, 5)),
    "avg_pool1d": (lambda L, x: F(L).avg_pool1d(x, 3, 2, 1, ceil_mode=True), (3, 2, 11)),
    "adaptive_avg_pool2d": (lambda L, x: F(L).adaptive_avg_pool2d(x, (3, None)), (1, 2, 7, 5)),
    "adaptive_max_pool2d": (lambda L, x: F(L).adaptive_max_pool2d(x, (4, 3), return_indices=True), (2, 7, 5)),
    "adaptive_avg_pool1d": (lambda L, x: F(L).adaptive_avg_pool1d(x, 4), (3, 2, 11)),
    "adaptive_max_pool1d": (lambda L, x: F(L).adaptive_max_pool1d(x, 4), (2, 11)),
    "max_unpool2d": (lambda L, x: F(L).max_unpool2d(*F(L).max_pool2d(x, 2, return_indices=True), 2), (1, 2, 6, 4)),
    "max_unpool1d": (lambda L, x: F(L).max_unpool1d(*F(L).max_pool1d(x, 3, 2, return_indices=True), 3, 2,
                                                    output_size=[9]), (2, 3, 9)),
    "lp_pool2d": (lambda L, x: F(L).lp_pool2d(x.abs() + 0.5, 2, 3, 2), (1, 2, 7, 5)),
    "nearest": (lambda L, x: F(L).interpolate(x, scale_factor=1.7), (1, 2, 7, 5)),
    "nearest_exact": (lambda L, x: F(L).interpolate(x, size=(3, 11), mode="nearest-exact"), (1, 2, 7, 5)),
    "nearest1d": (lambda L, x: F(L).interpolate(x, size=17), (2, 2, 9)),
    "linear": (lambda L, x: F(L).interpolate(x, scale_factor=2.5, mode="linear"), (2, 2, 9)),
    "linear_align": (lambda L, x: F(L).interpolate(x, size=4, mode="linear", align_corners=True), (2, 2, 9)),
    "bilinear": (lambda L, x: F(L).interpolate(x, size=(11, 3), mode="bilinear"), (2, 2, 7, 5)),
    "bilinear_align": (lambda L, x: F(L).interpolate(x, scale_factor=(1.5, 2.0), mode="bilinear",
                                                     align_corners=True), (1, 2, 7, 5)),
    "area": (lambda L, x: F(L).interpolate(x, size=(3, 2), mode="area"), (2, 2, 7, 5)),
    "empty_batch": (lambda L, x: F(L).max_pool2d(x, 2), (0, 2, 7, 5)),
}


@pytest.mark.parametrize("name", sorted(POOL))
def test_pool_and_interpolate(name):
    fn, shape = POOL[name]
    fn.__name__ = name
    check(fn, [shape], grad=True, atol=1e-5)


IDX = np.array([[1, 2, 2, 9], [0, 9, 3, 2]])
EMBED = {
    "plain": lambda L, w: F(L).embedding(L.tensor(IDX), w),
    "padding": lambda L, w: F(L).embedding(L.tensor(IDX), w, padding_idx=2),
    "negative_padding": lambda L, w: F(L).embedding(L.tensor(IDX), w, padding_idx=-1),
    "scale_grad_by_freq": lambda L, w: F(L).embedding(L.tensor(IDX), w, scale_grad_by_freq=True),
    "int32_index": lambda L, w: F(L).embedding(L.tensor(IDX, dtype=L.int32).t(), w),
    "bag_mean_2d": lambda L, w: F(L).embedding_bag(L.tensor(IDX), w),
    "bag_sum_offsets": lambda L, w: F(L).embedding_bag(L.tensor(IDX).reshape(-1), w, L.tensor([0, 3, 3]),
                                                       mode="sum", padding_idx=9),
    "bag_max": lambda L, w: F(L).embedding_bag(L.tensor(IDX).reshape(-1), w, L.tensor([0, 1, 5, 8]),
                                               mode="max", include_last_offset=True),
}


@pytest.mark.parametrize("name", sorted(EMBED))
def test_embedding(name):
    fn = EMBED[name]
    fn.__name__ = name
    check(fn, [(10, 3)], grad=True, atol=1e-6)


ERRORS = {
    "pad_too_big": (lambda L: F(L).max_pool2d(L.zeros(1, 1, 5, 5), 3, padding=2)),
    "output_too_small": (lambda L: F(L).avg_pool2d(L.zeros(1, 1, 5, 5), 6)),
    "stride_zero": (lambda L: F(L).max_pool1d(L.zeros(1, 1, 5), 2, 0)),
    "max_pool_2d_input": (lambda L: F(L).max_pool2d(L.zeros(5, 5), 2)),
    "adaptive_long": (lambda L: F(L).adaptive_avg_pool2d(L.zeros(1, 1, 5, 5, dtype=L.int64), 2)),
    "unpool_bad_index": (lambda L: F(L).max_unpool2d(L.zeros(1, 1, 2, 2), L.full((1, 1, 2, 2), 99), 2)),
    "interp_both": (lambda L: F(L).interpolate(L.zeros(1, 1, 5, 5), size=2, scale_factor=2)),
    "interp_align_nearest": (lambda L: F(L).interpolate(L.zeros(1, 1, 5, 5), size=2, align_corners=False)),
    "interp_linear_4d": (lambda L: F(L).interpolate(L.zeros(1, 1, 5, 5), size=2, mode="linear")),
    "embedding_oob": (lambda L: F(L).embedding(L.tensor([0, 10]), L.zeros(10, 2))),
    "embedding_negative": (lambda L: F(L).embedding(L.tensor([-1]), L.zeros(10, 2))),
    "embedding_float_index": (lambda L: F(L).embedding(L.tensor([1.0]), L.zeros(10, 2))),
    "bag_oob": (lambda L: F(L).embedding_bag(L.tensor([1, 10]), L.zeros(10, 2), L.tensor([0]))),
    "bag_bad_mode": (lambda L: F(L).embedding_bag(L.tensor([1]), L.zeros(10, 2), L.tensor([0]), mode="min")),
    "bag_offsets_start": (lambda L: F(L).embedding_bag(L.tensor([1, 2]), L.zeros(10, 2), L.tensor([1]))),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
    check_raises_same(ERRORS[name])


MODULES = [
    "MaxPool2d(3)", "MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True)", "AvgPool1d(3)",
    "AvgPool2d((2, 3), stride=1, padding=1, count_include_pad=False)", "AdaptiveAvgPool2d((None, 7))",
    "AdaptiveMaxPool1d(4, return_indices=True)", "MaxUnpool2d(2, stride=1)", "MaxUnpool1d(3)",
    "Upsample(scale_factor=2, mode='bilinear')", "Upsample(size=(4, 5))", "UpsamplingNearest2d(scale_factor=3)",
    "UpsamplingBilinear2d(size=4)", "Embedding(10, 3, padding_idx=-2, max_norm=1.5)",
    "Embedding(5, 2, norm_type=1.0, sparse=True)", "EmbeddingBag(10, 3, mode='sum', padding_idx=1)",
]


@pytest.mark.parametrize("spec", MODULES)
def test_module_repr(spec):
    check_same(lambda lib: repr(eval("lib.nn." + spec)))
