"""weir: a native stream and batch engine for Parquet, with PyFlink's API.

Programs written for PyFlink move over by changing their imports::

    from weir.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.execute_sql("SELECT 1 + 2 AS three").print()

The engine runs in this process: no JVM, and Python functions run on whole Arrow
batches in-process. See docs/python.md.
"""

from __future__ import annotations

import pyarrow as _pyarrow  # noqa: F401  (loads the Arrow C++ libraries the engine shares)

from weir import _weir  # noqa: F401
from weir.errors import InternalError, JobCancelledError, UserError, WeirError

__version__ = "0.1.0"

__all__ = ["WeirError", "UserError", "InternalError", "JobCancelledError", "__version__"]
