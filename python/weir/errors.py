"""Exceptions raised by weir.

Every error from the engine is a :class:`WeirError` carrying the engine's message
(for SQL, with line, column and a caret under the offending text, as the ``weir
sql`` shell prints it) and ``code``, the engine's status code name.
"""

from __future__ import annotations


class WeirError(Exception):
    """Base class of weir's errors. ``code`` is the engine's status code name."""

    code: str = ""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class UserError(WeirError):
    """Something the program can fix: bad SQL, an unknown table or option, a missing
    file, wrong types, a user-defined function that raised."""


class InternalError(WeirError):
    """A fault inside weir; please report it with the message."""


class JobCancelledError(WeirError):
    """The job was cancelled (for example by Ctrl-C in another thread)."""


# The names PyFlink programs catch (pyflink.util.exceptions).
TableException = UserError
ValidationException = UserError
SqlParserException = UserError

__all__ = [
    "WeirError",
    "UserError",
    "InternalError",
    "JobCancelledError",
    "TableException",
    "ValidationException",
    "SqlParserException",
]
