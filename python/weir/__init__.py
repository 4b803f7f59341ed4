"""weir: a native stream and batch engine for Parquet, with PyFlink's API.

Programs written for PyFlink move over by changing their imports::

    from weir.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.execute_sql("SELECT 1 + 2 AS three").print()

The engine runs in this process: no JVM, and Python functions run on whole Arrow
batches in-process. See docs/python.md.
"""

from __future__ import annotations

import os as _os
import sys as _sys
import warnings as _warnings

# The engine allocates through Arrow's default memory pool, which Arrow picks once,
# when pyarrow is imported. weir runs on jemalloc (as the `weir` binary does): with
# mimalloc, Arrow's default, a first large query takes up to three times as long
# (docs/python.md).
if "pyarrow" not in _sys.modules:
    _os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

import pyarrow as _pyarrow  # noqa: E402  (loads the Arrow C++ libraries the engine shares)

if (_pyarrow.default_memory_pool().backend_name == "mimalloc"
        and "ARROW_DEFAULT_MEMORY_POOL" not in _os.environ):
    _warnings.warn(
        "pyarrow was imported before weir and chose the mimalloc allocator, with which "
        "weir's queries can be several times slower; import weir first, or set "
        "ARROW_DEFAULT_MEMORY_POOL=jemalloc", RuntimeWarning, stacklevel=2)

from weir import _weir  # noqa: E402,F401
from weir.errors import InternalError, JobCancelledError, UserError, WeirError  # noqa: E402

__version__ = "0.1.0"

__all__ = ["WeirError", "UserError", "InternalError", "JobCancelledError", "__version__"]
