"""cltorch.device parsing, device resolution, cuda/accelerator queries and CLTORCH_DEVICES."""
import pickle

import numpy as np
import pyopencl as cl
import pytest

import cltorch
from cltorch.backend import discovery


def _gpus_found():
    return [d for d in discovery.all_devices() if d.is_gpu]


# -- parsing -----------------------------------------------------------------

@pytest.mark.parametrize("text, type_, index, as_str", [
    ("cpu", "cpu", None, "cpu"),
    ("cuda", "cuda", None, "cuda"),
    ("cuda:0", "cuda", 0, "cuda:0"),
    ("cuda:1", "cuda", 1, "cuda:1"),
    ("gpu", "cuda", None, "cuda"),
    ("gpu:2", "cuda", 2, "cuda:2"),
    (" cuda:3 ", "cuda", 3, "cuda:3"),
])
def test_parse_named_devices(text, type_, index, as_str):
    d = cltorch.device(text)
    assert d.type == type_
    assert d.index == index
    assert str(d) == as_str


def test_parse_opencl_exact_device():
    d = cltorch.device("opencl:1:0")
    assert (d.type, d.platform, d.index) == ("opencl", 1, 0)
    assert str(d) == "opencl:1:0"
    assert repr(d) == "device(type='opencl', platform=1, index=0)"
    assert cltorch.device("opencl:0:2") != cltorch.device("opencl:2:0")


def test_device_from_int_and_type_index_pair():
    assert cltorch.device(1) == cltorch.device("cuda:1")
    assert cltorch.device(0).type == "cuda" and cltorch.device(0).index == 0
    d = cltorch.device("cuda", 1)
    assert (d.type, d.index) == ("cuda", 1)
    assert cltorch.device("gpu", 2) == cltorch.device("cuda:2")
    assert cltorch.device(cltorch.device("cuda:3")) == cltorch.device("cuda", 3)


def test_repr_str():
    assert repr(cltorch.device("cpu")) == "device(type='cpu')"
    assert repr(cltorch.device("cuda")) == "device(type='cuda')"
    assert repr(cltorch.device("cuda:1")) == "device(type='cuda', index=1)"
    assert repr(cltorch.device("gpu", 0)) == "device(type='cuda', index=0)"
    assert f"{cltorch.device('cuda', 2)}" == "cuda:2"


def test_equality_and_hash():
    assert cltorch.device("cuda:1") == cltorch.device("cuda", 1)
    assert cltorch.device("gpu:1") == cltorch.device("cuda:1")
    assert cltorch.device("cuda") != cltorch.device("cuda:0")  # as torch: no index is not index 0
    assert cltorch.device("cpu") != cltorch.device("cuda")
    assert cltorch.device("cpu") == "cpu"
    assert cltorch.device("cuda:1") == "cuda:1"
    assert cltorch.device("cuda:1") != "cuda:2"
    assert cltorch.device("cpu") != "not a device"
    assert cltorch.device("cpu") != 3
    table = {cltorch.device("cuda", 1): "a", cltorch.device("cpu"): "b"}
    assert table[cltorch.device("cuda:1")] == "a"
    assert table[cltorch.device("cpu")] == "b"
    assert len({cltorch.device("gpu:1"), cltorch.device("cuda:1"), cltorch.device(1)}) == 1


def test_device_is_immutable_and_pickles():
    d = cltorch.device("cuda:1")
    with pytest.raises(AttributeError):
        d.index = 2
    for original in (d, cltorch.device("cpu"), cltorch.device("opencl:1:0")):
        assert pickle.loads(pickle.dumps(original)) == original


@pytest.mark.parametrize("text", ["tpu", "cuda:x", "", "opencl", "opencl:1", "cuda:1:2", "CUDA", "cuda:",
                                  "cuda:-1", "cpu:1"])
def test_invalid_device_strings_raise(text):
    with pytest.raises(RuntimeError):
        cltorch.device(text)


def test_negative_index_raises():
    with pytest.raises(RuntimeError, match="negative"):
        cltorch.device("cuda", -1)
    with pytest.raises(RuntimeError, match="negative"):
        cltorch.device(-2)


def test_index_given_twice_raises():
    with pytest.raises(RuntimeError):
        cltorch.device("cuda:1", 1)


def test_bad_argument_type_is_type_error():
    with pytest.raises(TypeError):
        cltorch.device(1.5)


# -- tensors and devices -------------------------------------------------------

def test_tensor_device_reports_cpu():
    t = cltorch.zeros(3)
    assert t.device == cltorch.device("cpu")
    assert str(t.device) == "cpu"
    assert t.device.type == "cpu" and t.device.index is None
    assert t.is_cpu and not t.is_cuda
    assert t.get_device() == -1
    assert cltorch.tensor([1, 2], device="cpu").device == "cpu"
    assert cltorch.ones(2, device=cltorch.device("cpu")).device == "cpu"
    assert "device=" not in repr(t)


def test_exact_opencl_name_of_cpu_device_reports_cpu():
    exact = discovery.name_map()["cpu"].exact_name
    t = cltorch.arange(5, device=exact)
    assert t.device == cltorch.device("cpu")
    np.testing.assert_array_equal(t.numpy(), np.arange(5))


def test_cuda_availability_matches_discovery():
    n = len(_gpus_found())
    assert cltorch.cuda.is_available() == (n > 0)
    assert cltorch.cuda.device_count() == n
    assert cltorch.accelerator.is_available() == (n > 0)
    assert cltorch.accelerator.device_count() == n


def test_no_gpu_on_this_machine():
    # The test machine runs PoCL only: every OpenCL device found is a CPU.
    assert discovery.all_devices(), "no OpenCL device at all"
    assert all(d.is_cpu for d in discovery.all_devices())
    assert cltorch.cuda.is_available() is False
    assert cltorch.cuda.device_count() == 0
    assert cltorch.accelerator.is_available() is False
    assert cltorch.accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError) as info:
        cltorch.zeros(2, device="cuda")
    _assert_helpful(str(info.value))


def _assert_helpful(message: str):
    for info in discovery.all_devices():
        assert info.exact_name in message
        assert info.name in message
    assert "CLTORCH_DEVICES" in message


@pytest.mark.parametrize("make", [
    lambda: cltorch.zeros(2, device="cuda"),
    lambda: cltorch.tensor([1.0, 2.0], device="cuda:0"),
    lambda: cltorch.empty(3, device=cltorch.device("gpu", 1)),
    lambda: cltorch.ones(2).cuda(),
    lambda: cltorch.ones(2).to("cuda"),
])
def test_missing_gpu_error_lists_devices(no_gpu, make):
    assert not cltorch.cuda.is_available()
    assert cltorch.cuda.device_count() == 0
    assert cltorch.accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError) as info:
        make()
    _assert_helpful(str(info.value))
    assert "cuda" in str(info.value)


def test_missing_exact_device_error_lists_devices():
    with pytest.raises(RuntimeError) as info:
        cltorch.zeros(2, device="opencl:57:3")
    _assert_helpful(str(info.value))
    assert "opencl:57:3" in str(info.value)


def test_cuda_set_device_out_of_range(no_gpu):
    with pytest.raises(RuntimeError) as info:
        cltorch.cuda.set_device(0)
    assert "CLTORCH_DEVICES" in str(info.value)


# -- discovery -----------------------------------------------------------------

def _fake(platform_index, version, type_bits=int(cl.device_type.CPU)):
    return discovery.DeviceInfo(
        platform_index=platform_index, device_index=0, platform_name="Portable Computing Language",
        platform_version=version, name=f"cpu-{platform_index}", type_bits=type_bits, compute_units=2,
        global_mem=1 << 30, max_alloc=1 << 28, local_mem=1 << 16, max_work_group=4096, extensions=(),
        driver_version="x", cl_device=None)


def test_cpu_preference_puts_system_pocl_before_pip_pocl():
    pip_pocl = _fake(0, "OpenCL 3.0 PoCL 3.0-rc2  Linux, Release, RELOC, LLVM 14.0.6")
    system_pocl = _fake(1, "OpenCL 3.0 PoCL 3.1+debian  Linux, None+Asserts, RELOC, LLVM 15.0.6")
    older_system = _fake(2, "OpenCL 3.0 PoCL 1.8  Linux")
    order = sorted([pip_pocl, older_system, system_pocl], key=discovery._cpu_preference)
    assert order[0] is system_pocl
    assert order[-1] is pip_pocl
    assert discovery._is_pip_pocl(pip_pocl) and not discovery._is_pip_pocl(system_pocl)


def test_discovery_picks_system_pocl_for_cpu():
    cpus = [d for d in discovery.all_devices() if d.is_cpu]
    chosen = discovery.name_map()["cpu"]
    assert chosen is not None and chosen in cpus
    if any(not discovery._is_pip_pocl(d) for d in cpus):
        assert "-rc" not in chosen.platform_version
    # This machine has both Debian's PoCL and pip's PoCL; the Debian one must win.
    versions = [d.platform_version for d in cpus]
    if any("-rc" in v for v in versions) and any("-rc" not in v for v in versions):
        assert "-rc" not in chosen.platform_version


def test_describe_devices_maps_names():
    text = discovery.describe_devices()
    chosen = discovery.name_map()["cpu"]
    line = next(ln for ln in text.splitlines() if chosen.exact_name in ln)
    assert "-> cpu" in line


@pytest.mark.parametrize("value, fragment", [
    ("bogus", "bogus"),
    ("tpu=opencl:0:0", "tpu"),
    ("cuda=opencl:99:0", "opencl:99:0"),
    ("cpu=nowhere", "nowhere"),
])
def test_parse_override_rejects_malformed(value, fragment):
    with pytest.raises(RuntimeError) as info:
        discovery._parse_override(value, discovery.all_devices())
    assert "CLTORCH_DEVICES" in str(info.value)
    assert fragment in str(info.value)


def test_parse_override_accepts_forms():
    devices = discovery.all_devices()
    first = devices[0]
    parsed = discovery._parse_override(f"cpu={first.exact_name}, gpu:0={first.exact_name}", devices)
    assert parsed["cpu"] is first
    assert parsed["cuda"] == [first]
    assert discovery._parse_override("cuda=none", devices)["cuda"] == []


# -- CLTORCH_DEVICES in a fresh process ------------------------------------------

def test_env_cpu_picks_exact_device(run_python):
    devices = discovery.all_devices()
    default = discovery.name_map()["cpu"]
    # Prefer a device that is not the default, so the override visibly changes something.
    target = next((d for d in devices if d is not default), default)
    proc = run_python(f"""
        import cltorch
        from cltorch import _device
        from cltorch.backend import discovery
        print("CPU", _device.resolve_info("cpu").exact_name)
        line = [ln for ln in discovery.describe_devices().splitlines() if "{target.exact_name} " in ln][0]
        print("LINE", line)
    """, env={"CLTORCH_DEVICES": f"cpu={target.exact_name}"})
    assert proc.returncode == 0, proc.stderr
    assert f"CPU {target.exact_name}" in proc.stdout
    assert "-> cpu" in proc.stdout.split("LINE", 1)[1]


def test_env_cuda_maps_cpu_device_to_cuda0(run_python):
    exact = discovery.name_map()["cpu"].exact_name
    proc = run_python("""
        import numpy as np
        import cltorch
        assert cltorch.cuda.is_available() is True
        assert cltorch.cuda.device_count() == 1
        assert cltorch.accelerator.is_available() is True
        assert cltorch.accelerator.current_accelerator() == cltorch.device("cuda")
        x = cltorch.tensor([1.0, 2.0, 3.0], device="cuda")
        assert x.device == cltorch.device("cuda:0"), x.device
        assert str(x.device) == "cuda:0"
        assert x.is_cuda and x.get_device() == 0
        assert isinstance(x, cltorch.cuda.FloatTensor) and not isinstance(x, cltorch.FloatTensor)
        assert repr(x) == "tensor([1., 2., 3.], device='cuda:0')", repr(x)
        y = cltorch.arange(5).cuda()
        assert y.device == "cuda:0"
        np.testing.assert_array_equal(y.cpu().numpy(), np.arange(5))
        assert y.cpu().device == "cpu"
        try:
            x.numpy()
        except TypeError as e:
            assert "cpu()" in str(e)
        else:
            raise AssertionError("numpy() of a cuda tensor must raise TypeError")
        assert cltorch.cuda.memory_allocated() > 0
        cltorch.cuda.synchronize()
        print("NAME", cltorch.cuda.get_device_name(0))
        print("OK")
    """, env={"CLTORCH_DEVICES": f"cuda={exact}"})
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout
    assert f"NAME {discovery.name_map()['cpu'].name}" in proc.stdout


def test_env_cuda_none_hides_gpus(run_python):
    proc = run_python("""
        import cltorch
        assert cltorch.cuda.is_available() is False
        assert cltorch.cuda.device_count() == 0
        assert cltorch.accelerator.current_accelerator() is None
        assert cltorch.zeros(2).device == "cpu"
        try:
            cltorch.zeros(2, device="cuda")
        except RuntimeError as e:
            print("ERR", e)
    """, env={"CLTORCH_DEVICES": "cuda=none"})
    assert proc.returncode == 0, proc.stderr
    assert "ERR" in proc.stdout
    assert "CLTORCH_DEVICES" in proc.stdout


def test_env_malformed_value_gives_clear_error(run_python):
    proc = run_python("""
        import cltorch
        try:
            cltorch.zeros(2)
        except RuntimeError as e:
            print("ERR", e)
    """, env={"CLTORCH_DEVICES": "cuda:0 opencl:0:0"})
    assert proc.returncode == 0, proc.stderr
    assert "ERR CLTORCH_DEVICES" in proc.stdout
    assert "'cuda:0 opencl:0:0'" in proc.stdout
    assert "cuda:0=opencl:0:0" in proc.stdout  # says what a good entry looks like
