"""Environment defaults that must be set before any OpenCL platform is loaded.

PoCL keeps its own on-disk kernel cache; two PoCL builds in one cache folder
(pip's and the system's) have been seen to fail with INVALID_KERNEL_NAME. We
turn PoCL's cache off unless the user configured it, and keep our own program
binary cache keyed by platform version, so the builds never share entries.
"""
import os

if "POCL_KERNEL_CACHE" not in os.environ and "POCL_CACHE_DIR" not in os.environ:
    os.environ["POCL_KERNEL_CACHE"] = "0"

# cltorch keeps its own binary cache (see programs.py); pyopencl's second cache
# layer would only duplicate it.
os.environ.setdefault("PYOPENCL_NO_CACHE", "1")
