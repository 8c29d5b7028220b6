"""torch-style process switches: print options, threads, determinism, backends flags."""
import numpy as np
import pytest
import torch as T

import cltorch as torch


@pytest.fixture(autouse=True)
def restore_printoptions():
    yield
    torch.set_printoptions(profile="default", sci_mode=None)
    T.set_printoptions(profile="default", sci_mode=None)


@pytest.mark.parametrize("kw", [dict(precision=2), dict(sci_mode=True), dict(precision=6, sci_mode=False),
                                dict(threshold=5, edgeitems=1), dict(profile="short"), dict(linewidth=30)])
def test_set_printoptions_matches_torch(kw):
    x = np.array([[0.123456, 12.5, -3.0, 7.25], [1.0, 2.0, 3.0, 4.0]], dtype=np.float32)
    torch.set_printoptions(**kw)
    T.set_printoptions(**kw)
    assert repr(torch.tensor(x)) == repr(T.tensor(x))


def test_bad_profile_raises():
    with pytest.raises(ValueError):
        torch.set_printoptions(profile="tiny")


def test_threads_and_determinism_flags():
    torch.set_num_threads(1)
    assert torch.get_num_threads() == 1
    with pytest.raises(RuntimeError):
        torch.set_num_threads(0)
    torch.use_deterministic_algorithms(True, warn_only=True)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(False)
    assert not torch.are_deterministic_algorithms_enabled()


def test_backends_flags_are_settable_and_mps_absent():
    torch.backends.cudnn.benchmark = True
    assert torch.backends.cudnn.benchmark is True
    torch.backends.cudnn.benchmark = False
    assert torch.backends.mps.is_available() is False
    assert torch.backends.opencl.is_available() == torch.cuda.is_available()
