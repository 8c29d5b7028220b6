"""float64 support: full precision where the device has cl_khr_fp64, a clear error where it does not."""
import json

import numpy as np
import pytest

import cltorch
from cltorch import _device
from cltorch.backend import discovery

NO_FP64_SCRIPT = """
import json
import numpy as np
import cltorch

out = {"has_fp64": cltorch._device.runtime("cpu").has_fp64, "errors": {}}
attempts = {
    "zeros": lambda: cltorch.zeros(3, dtype=cltorch.float64),
    "tensor": lambda: cltorch.tensor([1.0, 2.0], dtype=cltorch.float64),
    "double": lambda: cltorch.ones(2).double(),
    "numpy_float64": lambda: cltorch.tensor(np.zeros(2)),
    "from_numpy": lambda: cltorch.from_numpy(np.arange(3.0)),
    "to": lambda: cltorch.arange(3).to(cltorch.float64),
    "arange": lambda: cltorch.arange(3, dtype=cltorch.float64),
    "rand": lambda: cltorch.rand(3, dtype=cltorch.float64),
    "DoubleTensor": lambda: cltorch.DoubleTensor([1.0]),
}
for name, make in attempts.items():
    try:
        make()
        out["errors"][name] = None
    except RuntimeError as e:
        out["errors"][name] = str(e)

# float32 work still runs
out["arange"] = cltorch.arange(0, 1, 0.1).numpy().tolist()
out["arange_big"] = cltorch.arange(0, 100000, 0.5).numpy()[-3:].tolist()
out["linspace"] = cltorch.linspace(-1, 2, 7).numpy().tolist()
out["linspace_4097"] = cltorch.linspace(0, 1, 4097).numpy().tolist()
out["half"] = cltorch.tensor([1.5, -2.25]).half().float().numpy().tolist()
out["int_to_float"] = cltorch.arange(5).float().numpy().tolist()
out["full"] = cltorch.full((3,), 0.1).numpy().tolist()
cltorch.manual_seed(0)
out["rand"] = cltorch.rand(1000).numpy().tolist()
out["randn"] = cltorch.randn(1000).numpy().tolist()
out["uniform_"] = cltorch.empty(1000).uniform_(0, 1).numpy().tolist()
print("RESULT", json.dumps(out))
"""


@pytest.fixture(scope="module")
def no_fp64(run_python):
    proc = run_python(NO_FP64_SCRIPT, env={"CLTORCH_DISABLE_FP64": "1"})
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def test_disabled_fp64_reported(no_fp64):
    assert no_fp64["has_fp64"] is False


@pytest.mark.parametrize("name", ["zeros", "tensor", "double", "numpy_float64", "from_numpy", "to", "arange", "rand",
                                  "DoubleTensor"])
def test_float64_creation_raises_naming_device_and_extension(no_fp64, name):
    msg = no_fp64["errors"][name]
    assert msg is not None, f"{name} created a float64 tensor on a device without fp64"
    info = discovery.name_map()["cpu"]
    assert "cl_khr_fp64" in msg
    assert "'cpu'" in msg and info.name in msg
    assert "float64" in msg


def test_float32_still_correct_without_fp64(no_fp64):
    np.testing.assert_allclose(no_fp64["arange"], np.arange(0, 1, 0.1).astype(np.float32), rtol=1e-6, atol=1e-7)
    assert len(no_fp64["arange"]) == 10
    assert no_fp64["arange_big"] == [99998.5, 99999.0, 99999.5]
    lin = np.array(no_fp64["linspace"])
    np.testing.assert_allclose(lin, np.linspace(-1, 2, 7).astype(np.float32), rtol=1e-6, atol=1e-7)
    assert lin[0] == -1 and lin[-1] == 2
    lin = np.array(no_fp64["linspace_4097"])
    np.testing.assert_allclose(lin, np.linspace(0, 1, 4097).astype(np.float32), rtol=1e-6, atol=1e-7)
    assert lin[0] == 0 and lin[-1] == 1
    assert no_fp64["half"] == [1.5, -2.25]
    assert no_fp64["int_to_float"] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert no_fp64["full"] == [float(np.float32(0.1))] * 3


def test_random_numbers_do_not_depend_on_fp64(no_fp64, restore_rng):
    # the same seed gives the same float32 numbers whether or not the device has fp64
    cltorch.manual_seed(0)
    np.testing.assert_array_equal(np.array(no_fp64["rand"], dtype=np.float32), cltorch.rand(1000).numpy())
    np.testing.assert_array_equal(np.array(no_fp64["randn"], dtype=np.float32), cltorch.randn(1000).numpy())
    np.testing.assert_array_equal(np.array(no_fp64["uniform_"], dtype=np.float32),
                                  cltorch.empty(1000).uniform_(0, 1).numpy())


# -- in this process the device has fp64 -------------------------------------------------------

def test_device_has_fp64():
    assert "cl_khr_fp64" in discovery.name_map()["cpu"].extensions
    assert _device.runtime("cpu").has_fp64


def test_float64_arange_keeps_full_precision():
    t = cltorch.arange(0, 1, 0.1, dtype=cltorch.float64)
    np.testing.assert_allclose(t.numpy(), np.arange(0, 1, 0.1), rtol=0, atol=1e-12)
    big = cltorch.arange(1e7, 1e7 + 1, 0.1, dtype=cltorch.float64).numpy()
    np.testing.assert_allclose(big, np.arange(1e7, 1e7 + 1, 0.1), rtol=0, atol=1e-8)
    assert len(np.unique(big)) == len(big)  # float32 could not tell these apart
    # a float32 arange is computed in double and rounded once
    f = cltorch.arange(0, 3, 0.1).numpy()
    np.testing.assert_array_equal(f, np.arange(0, 3, 0.1).astype(np.float32))


def test_float64_linspace_full_precision():
    t = cltorch.linspace(0, 1, 4097, dtype=cltorch.float64).numpy()
    np.testing.assert_allclose(t, np.linspace(0, 1, 4097), rtol=0, atol=1e-15)
    assert t[0] == 0.0 and t[-1] == 1.0


def test_float64_values_survive_round_trips():
    vals = np.array([1 / 3, 1 + 1e-12, 1e300, -1e-300, np.pi, 2.0 ** 53 + 2], dtype=np.float64)
    t = cltorch.tensor(vals)
    assert t.dtype is cltorch.float64
    np.testing.assert_array_equal(t.numpy(), vals)
    np.testing.assert_array_equal(t.clone().numpy(), vals)
    assert t.tolist() == vals.tolist()
    assert cltorch.full((2,), 1 / 3, dtype=cltorch.float64).numpy()[0] == 1 / 3
    assert cltorch.tensor(1 + 1e-12, dtype=cltorch.float64).item() == 1 + 1e-12
    small = vals[np.abs(vals) < 1e38]  # within float32's range
    np.testing.assert_array_equal(cltorch.tensor(small).float().numpy(), small.astype(np.float32))
    np.testing.assert_array_equal(cltorch.tensor(small.astype(np.float32)).double().numpy(),
                                  small.astype(np.float32).astype(np.float64))
    ints = np.array([2 ** 53, -(2 ** 52) + 1, 123456789012], dtype=np.int64)
    np.testing.assert_array_equal(cltorch.tensor(ints).double().numpy(), ints.astype(np.float64))
    np.testing.assert_array_equal(cltorch.tensor(ints.astype(np.float64)).long().numpy(), ints)
