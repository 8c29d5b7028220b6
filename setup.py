"""Package layout that pyproject.toml cannot express: cl_kernels/ ships as cltorch/cl_kernels."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["cltorch", "cltorch.*"]) + ["cltorch.cl_kernels"],
    package_dir={"cltorch.cl_kernels": "cl_kernels"},
    package_data={"cltorch.cl_kernels": ["*.cl", "*.h"]},
)
