"""TableResult: what a statement produced (PyFlink's TableResult)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Iterator, List, Optional

import pyarrow as pa

from weir.common.row import Row, RowKind
from weir.table.table_schema import TableSchema


class ResultKind(Enum):
    """SUCCESS for statements without rows, SUCCESS_WITH_CONTENT for the others."""

    SUCCESS = 0
    SUCCESS_WITH_CONTENT = 1


class JobStatus(Enum):
    """The state of a job."""

    INITIALIZING = 0
    CREATED = 1
    RUNNING = 2
    FAILING = 3
    FAILED = 4
    CANCELLING = 5
    CANCELED = 6
    FINISHED = 7
    RESTARTING = 8
    SUSPENDED = 9
    RECONCILING = 10


class JobClient:
    """The job an INSERT ran. weir runs INSERTs to completion in execute_sql, so the
    job is finished by the time you hold its client."""

    def __init__(self, job_id: str) -> None:
        self._job_id = job_id

    def get_job_id(self) -> str:
        """Returns the job's name."""
        return self._job_id

    def get_job_status(self) -> JobStatus:
        """Returns FINISHED (the job ran to completion before execute returned)."""
        return JobStatus.FINISHED

    def cancel(self) -> None:
        """Nothing to cancel: the job has finished."""


class CloseableIterator:
    """Rows of a result, one at a time; close() (or a with-block) ends it early."""

    def __init__(self, rows: Iterator[Row]) -> None:
        self._rows = rows
        self._closed = False

    def __iter__(self) -> "CloseableIterator":
        return self

    def __next__(self) -> Row:
        if self._closed:
            raise StopIteration
        return next(self._rows)

    def next(self) -> Row:
        return self.__next__()

    def close(self) -> None:
        """Stops the iteration and frees the rows."""
        self._closed = True
        self._rows = iter(())

    def __enter__(self) -> "CloseableIterator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class ContinuousResult:
    """The changes of a running SELECT over unbounded sources (streaming mode): read
    them with collect() or print(); closing the iterator (or Ctrl-C) cancels the
    job."""

    def __init__(self, query: Any, schema: pa.Schema) -> None:
        self._query = query
        self._schema = schema
        self.rows_received = 0

    def batches(self) -> Iterator[pa.RecordBatch]:
        try:
            while True:
                try:
                    batch = self._query.next(100)
                except StopIteration:
                    return
                if batch is not None:
                    self.rows_received += batch.num_rows
                    yield batch
        finally:
            self._query.cancel()

    def cancel(self) -> None:
        self._query.cancel()


class TableResult:
    """The outcome of execute_sql / execute / execute_insert. Rows leave as Arrow
    data without copies: ``pa.table(result)``, ``result.to_arrow()``. A SELECT over
    unbounded sources in streaming mode runs on: collect() and print() show its
    changes as they happen, until the iterator is closed or Ctrl-C."""

    def __init__(self, native: Any, continuous: Optional[ContinuousResult] = None) -> None:
        self._native = native
        self._continuous = continuous
        self._table: Optional[pa.Table] = None

    def _arrow(self) -> pa.Table:
        if self._continuous is not None:
            from weir.errors import UserError
            raise UserError("this query reads unbounded sources and never ends: read its "
                            "changes with collect() or print(), or write it to a table")
        if self._table is None:
            # (pa.table() would import pandas first, to see whether it was given a
            # DataFrame: a fifth of a second.)
            self._table = pa.RecordBatchReader.from_stream(self._native).read_all()
        return self._table

    def get_result_kind(self) -> ResultKind:
        """SUCCESS_WITH_CONTENT for queries, SHOW, DESCRIBE, EXPLAIN and INSERT jobs."""
        if self._continuous is not None:
            return ResultKind.SUCCESS_WITH_CONTENT
        return (ResultKind.SUCCESS if self._native.kind == "ok"
                else ResultKind.SUCCESS_WITH_CONTENT)

    def get_table_schema(self) -> TableSchema:
        """Returns the names and types of the result's columns (without `op`)."""
        if self._continuous is not None:
            return TableSchema(self._continuous._schema)
        schema = self._arrow().schema
        if self._native.is_changelog:
            schema = schema.remove(0)
        return TableSchema(schema)

    get_resolved_schema = get_table_schema

    def get_job_client(self) -> Optional[JobClient]:
        """Returns the job of an INSERT, None for other statements."""
        if self._native is None or self._native.kind != "job":
            return None
        return JobClient(self._native.message)

    def wait(self, timeout_ms: Optional[int] = None) -> None:
        """Returns at once for statements (weir finishes them before execute returns);
        for a running query, waits until it ends or `timeout_ms` passed (its changes
        are dropped)."""
        if self._continuous is None:
            return
        import time
        deadline = None if timeout_ms is None else time.monotonic() + timeout_ms / 1000
        for _ in self._continuous.batches():
            if deadline is not None and time.monotonic() > deadline:
                self._continuous.cancel()
                return

    @property
    def rows_written(self) -> int:
        """Rows an INSERT wrote (weir's own)."""
        return 0 if self._native is None else self._native.rows_written

    @property
    def message(self) -> str:
        """The message of a statement without rows (weir's own)."""
        return "" if self._native is None else self._native.message

    def print(self) -> None:
        """Prints the rows as a table, as Flink's print() does; a running query's
        changes are printed as they happen (an `op` column first) until it ends or
        Ctrl-C."""
        if self._continuous is None:
            print(self._native.to_string(), end="", flush=True)
            return
        import sys
        names = ["op"] + self._continuous._schema.names
        sys.stdout.write("| " + " | ".join(names) + " |\n")
        sys.stdout.flush()
        try:
            for batch in self._continuous.batches():
                columns = [c.to_pylist() for c in batch.columns]
                lines = ["| " + " | ".join("NULL" if v is None else str(v) for v in values)
                         + " |" for values in zip(*columns)]
                # One write per batch: Ctrl-C never cuts a line in two.
                sys.stdout.write("\n".join(lines) + "\n")
                sys.stdout.flush()
        finally:
            sys.stdout.write(f"Received a total of {self._continuous.rows_received} rows\n")
            sys.stdout.flush()

    def collect(self) -> CloseableIterator:
        """Returns the rows as Row objects; a changelog's rows carry their kind."""
        return CloseableIterator(self._rows())

    def _rows(self) -> Iterator[Row]:
        if self._continuous is not None:
            names = self._continuous._schema.names
            for batch in self._continuous.batches():
                columns = [c.to_pylist() for c in batch.columns]
                for values in zip(*columns):
                    yield Row._make(values[1:], names, RowKind.from_short_string(values[0]))
            return
        table = self._arrow()
        changelog = self._native.is_changelog
        names: List[str] = table.schema.names[1:] if changelog else table.schema.names
        for batch in table.to_batches():
            columns = [c.to_pylist() for c in batch.columns]
            if changelog:
                kinds, columns = columns[0], columns[1:]
                for i, values in enumerate(zip(*columns) if columns else [()] * batch.num_rows):
                    yield Row._make(values, names, RowKind.from_short_string(kinds[i]))
            else:
                for values in (zip(*columns) if columns else [()] * batch.num_rows):
                    yield Row._make(values, names)

    def to_arrow(self) -> pa.Table:
        """Returns the rows as a pyarrow.Table sharing the engine's buffers. A
        changelog keeps its `op` column."""
        return self._arrow()

    def to_pandas(self) -> Any:
        """Returns the rows as a pandas DataFrame."""
        return self._arrow().to_pandas()

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        self._arrow()  # refuses a never-ending query
        return self._native.__arrow_c_stream__(requested_schema)
