"""Environment defaults that must be set before any OpenCL platform is loaded.

PoCL keeps an on-disk kernel cache (~/.cache/pocl by default). Two PoCL builds
sharing that folder (pip's and the system's) have been seen to fail with
INVALID_KERNEL_NAME, and two processes compiling the same kernel into it at
once have been seen to abort with "Final linking of kernel ... failed". Unless
the user configured PoCL's cache, each process gets a private PoCL cache folder,
removed at exit; cltorch keeps its own cross-process cache of program binaries,
keyed by platform version (see programs.py).
"""
import atexit
import os
import shutil
import tempfile

if "POCL_KERNEL_CACHE" not in os.environ and "POCL_CACHE_DIR" not in os.environ:
    _private = tempfile.mkdtemp(prefix="cltorch-pocl-")
    os.environ["POCL_CACHE_DIR"] = _private
    atexit.register(shutil.rmtree, _private, True)

# cltorch keeps its own binary cache (see programs.py); pyopencl's second cache
# layer would only duplicate it.
os.environ.setdefault("PYOPENCL_NO_CACHE", "1")
