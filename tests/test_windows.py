"""torch.*_window creation functions agree with torch's formulas."""
import numpy as np
import pytest
import torch as T

import cltorch as torch


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
@pytest.mark.parametrize("length", [0, 1, 2, 9, 400])
@pytest.mark.parametrize("periodic", [True, False])
def test_window_matches_torch(name, length, periodic):
    ours = getattr(torch, name)(length, periodic)
    theirs = getattr(T, name)(length, periodic)
    assert ours.dtype is torch.float32 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_window_dtype_and_negative_length():
    assert torch.hann_window(5, dtype=torch.float64).dtype is torch.float64
    with pytest.raises(RuntimeError):
        torch.hann_window(-1)
