"""Map Trainer(accelerator=, devices=, precision=) onto one cltorch device and dtype."""
from __future__ import annotations

from ... import cuda, device, float32, float64
from ..utilities.exceptions import MisconfigurationException

_ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "opencl")


def _single_index(devices, accelerator: str):
    """The device index devices= names (None: the default one); only one device is supported."""
    if devices in (None, "auto", 1, "1", -1, "-1") and not isinstance(devices, bool):
        if devices in (-1, "-1") and accelerator in ("gpu", "cuda") and cuda.device_count() > 1:
            raise MisconfigurationException(
                f"devices=-1 asks for all {cuda.device_count()} GPUs, but cltorch.lightning runs on one device "
                "(no distributed strategies); pass devices=1 or devices=[index]")
        return None
    if isinstance(devices, str):
        parts = [p for p in devices.split(",") if p.strip()]
        if len(parts) == 1 and devices.strip().endswith(","):
            return int(parts[0])
        if len(parts) == 1 and parts[0].strip().isdigit():
            devices = int(parts[0])
        else:
            devices = [int(p) for p in parts]
    if isinstance(devices, (list, tuple)):
        if len(devices) != 1:
            raise MisconfigurationException(
                f"devices={devices!r} asks for {len(devices)} devices, but cltorch.lightning runs on one device "
                "(no distributed strategies); pass devices=1 or devices=[index]")
        return int(devices[0])
    if isinstance(devices, int) and not isinstance(devices, bool):
        if devices == 0:
            raise MisconfigurationException("devices=0 selects no device; pass devices=1 (or 'auto')")
        raise MisconfigurationException(
            f"devices={devices} asks for {devices} devices, but cltorch.lightning runs on one device "
            "(no distributed strategies); pass devices=1 or devices=[index]")
    raise MisconfigurationException(f"devices={devices!r} is not understood; pass devices=1, 'auto' or [index]")


def _gpu(index):
    return device("cuda", cuda.current_device() if index is None else index)


def resolve_device(accelerator="auto", devices="auto", gpus=None) -> device:
    """The cltorch device the Trainer runs on."""
    if gpus not in (None, 0, "0", [], ""):
        accelerator, devices = "gpu", gpus
    if hasattr(accelerator, "lower"):
        accelerator = accelerator.lower()
    if accelerator not in _ACCELERATORS:
        raise MisconfigurationException(
            f"You selected an invalid accelerator name: `accelerator={accelerator!r}`. "
            f"Available names are: {', '.join(_ACCELERATORS)}.")
    index = _single_index(devices, accelerator)
    if accelerator == "cpu":
        if index not in (None, 0):
            raise MisconfigurationException(f"accelerator='cpu' has one device; devices=[{index}] does not exist")
        return device("cpu")
    if accelerator in ("gpu", "cuda"):
        if not cuda.is_available():
            raise MisconfigurationException(
                f"`Trainer(accelerator={accelerator!r})` was requested, but no OpenCL GPU is available. "
                "Use accelerator='cpu' (the OpenCL CPU device) or 'auto'; `cltorch devices` lists the OpenCL "
                "devices found")
        if index is not None and not 0 <= index < cuda.device_count():
            raise MisconfigurationException(
                f"devices=[{index}] does not exist: {cuda.device_count()} OpenCL GPU(s) available")
        return _gpu(index)
    if accelerator == "opencl":
        if index is not None and cuda.is_available():
            return _gpu(index)
        return _gpu(None) if cuda.is_available() else device("cpu")
    # auto
    if cuda.is_available():
        return _gpu(index)
    return device("cpu")


def resolve_precision(precision):
    """The float dtype of precision= (32 and 64 supported)."""
    text = str(precision).lower()
    if text in ("32", "32-true", "32.0"):
        return float32
    if text in ("64", "64-true", "64.0"):
        return float64
    raise MisconfigurationException(
        f"precision={precision!r} is not supported by cltorch.lightning; use 32 (default) or 64")
