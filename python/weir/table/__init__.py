"""The Table API and SQL (PyFlink's pyflink.table)."""

from weir.table.descriptors import FormatDescriptor, Schema, TableDescriptor
from weir.table.expressions import Expression
from weir.table.table import GroupedTable, Table
from weir.table.table_environment import (EnvironmentSettings, StatementSet,
                                          StreamTableEnvironment, TableConfig,
                                          TableEnvironment)
from weir.table.table_result import (CloseableIterator, JobClient, JobStatus, ResultKind,
                                     TableResult)
from weir.table.table_schema import TableSchema
from weir.table.types import DataType, DataTypes, RowType
from weir.table.udf import (AggregateFunction, FunctionContext, ScalarFunction,
                            TableAggregateFunction, TableFunction, udaf, udf, udtaf, udtf)
from weir.table.explain_detail import ExplainDetail
from weir.common.row import Row, RowKind

__all__ = [
    "AggregateFunction", "CloseableIterator", "DataType", "DataTypes", "EnvironmentSettings",
    "ExplainDetail", "TableAggregateFunction", "udtaf",
    "Expression", "FormatDescriptor", "FunctionContext", "GroupedTable", "JobClient",
    "JobStatus", "ResultKind", "Row", "RowKind", "RowType", "ScalarFunction", "Schema",
    "StatementSet", "StreamTableEnvironment", "Table", "TableConfig", "TableDescriptor",
    "TableEnvironment", "TableFunction", "TableResult", "TableSchema", "udaf", "udf", "udtf",
]
