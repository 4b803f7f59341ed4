"""Records what Apache Flink itself answers for the SQL semantics weir follows
(numeric literal types, DECIMAL arithmetic and rounding, casts, year-month
intervals, TIMESTAMPADD/TIMESTAMPDIFF), so that tests can use Flink as the oracle without starting a JVM.

    WEIR_FLINK_PYTHON=$(bench/flink/setup.sh | sed -n 's/^WEIR_FLINK_PYTHON=//p')
    $WEIR_FLINK_PYTHON bench/flink/record_sql_semantics.py > tests/sql/flink_recorded/semantics.json

Each entry holds the query, Flink's version, the result columns with their types
(as Flink prints them, without NOT NULL) and the rows as text, or Flink's error.
tests/integration/test_flink_recorded.py runs the same queries through weir.
"""
import datetime
import decimal
import json
import sys

from pyflink.table import EnvironmentSettings, TableEnvironment
import pyflink

QUERIES = [
    "SELECT 0.1 + 0.2 AS s",
    "SELECT 1 AS i, 2147483648 AS b, 0.1 AS d1, 12.50 AS d2, 1e3 AS f, .5 AS h, "
    "0.001 AS t, 100.0 AS u",
    "SELECT 7 / 100.0 AS a, 10 / 3.0 AS b, -7.5 / 2 AS c, 1.0 / 3 * 3 AS d, "
    "0.5 * 0.5 AS e",
    "SELECT MOD(-7.5, 2) AS a, MOD(7.5, -2) AS b, MOD(2.5, 1.2) AS c, "
    "MOD(CAST(10 AS DECIMAL(38, 0)), CAST(3 AS DECIMAL(38, 10))) AS d",
    "SELECT -7.5 % 2 AS a, 2.5 % 1.2 AS b",
    "SELECT CAST(2.5 AS DECIMAL(38, 4)) / CAST(0.3 AS DECIMAL(38, 4)) AS q, "
    "CAST(1.25 AS DECIMAL(38, 4)) * CAST(1.5 AS DECIMAL(38, 4)) AS p",
    "SELECT 7 / 2 AS a, CAST(1 AS DOUBLE) / 4 AS b, CARDINALITY(ARRAY[1, 2, 3]) * 100 AS c",
    "SELECT CAST(3.7 AS INT) AS a, CAST(-3.7 AS INT) AS b, "
    "CAST(CAST('12.345' AS DECIMAL(10, 2)) AS STRING) AS c, CAST(2.5 AS DECIMAL(2, 0)) AS d, "
    "CAST(-2.5 AS DECIMAL(2, 0)) AS e, CAST(CAST(3.7 AS DOUBLE) AS BIGINT) AS f",
    "SELECT TRY_CAST('12.345' AS DECIMAL(10, 2)) AS a, TRY_CAST('abc' AS DECIMAL(10, 2)) AS b, "
    "TRY_CAST(123.45 AS DECIMAL(3, 1)) AS c, TRY_CAST(12.35 AS DECIMAL(3, 1)) AS d",
    "SELECT CAST(1.5 AS FLOAT) + 1 AS a, CAST(1.5 AS FLOAT) * 2.0 AS b",
    "SELECT CAST(1.5 AS DECIMAL(10, 2)) * 2 AS a, CAST(1.5 AS DECIMAL(10, 2)) / 3 AS b, "
    "CAST(1.5 AS DECIMAL(10, 2)) + CAST(1 AS BIGINT) AS c",
    "SELECT DATE '1994-01-31' + INTERVAL '1' MONTH AS a, "
    "DATE '2024-02-29' + INTERVAL '1' YEAR AS b, DATE '1994-03-31' - INTERVAL '1' MONTH AS c, "
    "DATE '1994-01-01' + INTERVAL '1-2' YEAR TO MONTH AS d, "
    "DATE '1994-01-01' + INTERVAL '3' MONTH AS e",
    "SELECT TIMESTAMP '2024-01-31 10:30:00' + INTERVAL '1' MONTH AS a, "
    "TIMESTAMP '2024-03-31 23:59:59' - INTERVAL '13' MONTH AS b",
    "SELECT TIMESTAMPADD(MONTH, 1, DATE '1994-01-31') AS a, "
    "TIMESTAMPADD(DAY, 3, DATE '1994-01-31') AS b, TIMESTAMPADD(HOUR, 5, DATE '1994-01-31') AS c, "
    "TIMESTAMPADD(YEAR, -1, DATE '2024-02-29') AS d, TIMESTAMPADD(QUARTER, 1, DATE '1994-11-30') AS e, "
    "TIMESTAMPADD(WEEK, 2, DATE '1994-01-31') AS f",
    "SELECT TIMESTAMPADD(SECOND, 90, TIMESTAMP '2024-01-31 10:30:00') AS a, "
    "TIMESTAMPADD(MONTH, 1, TIMESTAMP '2024-01-31 10:30:00.123') AS b, "
    "TIMESTAMPADD(MINUTE, -5, TIMESTAMP '2024-01-01 00:00:00') AS c, "
    "TIMESTAMPADD(DAY, CAST(NULL AS INT), TIMESTAMP '2024-01-01 00:00:00') AS d",
    "SELECT TIMESTAMPADD(MONTH, n, DATE '1994-01-31') AS a FROM (VALUES (1), (2), (13), (-1)) AS v(n)",
    "SELECT TIMESTAMPDIFF(DAY, DATE '1994-01-01', DATE '1994-03-01') AS a, "
    "TIMESTAMPDIFF(MONTH, DATE '1994-01-31', DATE '1994-02-28') AS b, "
    "TIMESTAMPDIFF(HOUR, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-02 01:59:59') AS c, "
    "TIMESTAMPDIFF(YEAR, DATE '2024-02-29', DATE '2025-02-28') AS d, "
    "TIMESTAMPDIFF(SECOND, TIMESTAMP '2024-01-01 00:00:10', TIMESTAMP '2024-01-01 00:00:00') AS e",
    "SELECT TIMESTAMPDIFF(MONTH, TIMESTAMP '2024-01-15 10:00:00', TIMESTAMP '2024-02-15 09:00:00') AS a, "
    "TIMESTAMPDIFF(MONTH, DATE '1994-03-31', DATE '1994-02-28') AS b, "
    "TIMESTAMPDIFF(QUARTER, DATE '1994-01-01', DATE '1994-12-31') AS c, "
    "TIMESTAMPDIFF(WEEK, DATE '1994-01-01', DATE '1994-01-20') AS d, "
    "TIMESTAMPDIFF(MINUTE, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2023-12-31 23:58:30') AS e",
    "SELECT COUNT(*) AS n FROM (VALUES (CAST(0.07 AS DECIMAL(15, 2))), "
    "(CAST(0.05 AS DECIMAL(15, 2))), (CAST(0.08 AS DECIMAL(15, 2)))) AS t(d) "
    "WHERE d BETWEEN 0.06 - 0.01 AND 0.06 + 0.01",
    "SELECT AVG(d) AS a, SUM(d) AS s, AVG(i) AS ai, SUM(i) AS si FROM (VALUES "
    "(CAST(1.25 AS DECIMAL(10, 2)), 1), (CAST(2.50 AS DECIMAL(10, 2)), 2), "
    "(CAST(2.50 AS DECIMAL(10, 2)), 2)) AS t(d, i)",
    "SELECT i / 100.0 AS a, i / 3.0 AS b, i * 1000000.1 AS c FROM (VALUES (16777217), "
    "(7)) AS t(i)",
    "SELECT 1.0 / 0 AS a",
    "SELECT MOD(1.0, 0) AS a",
]


def text(value):
    if value is None:
        return None
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


def main():
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    out = []
    for query in QUERIES:
        entry = {"query": query}
        try:
            table = env.sql_query(query)
            # The Java schema prints full types: DECIMAL(3, 1), TIMESTAMP(0).
            schema = table._j_table.getResolvedSchema()
            entry["columns"] = [
                [str(name), str(kind).replace(" NOT NULL", "")]
                for name, kind in zip(schema.getColumnNames(),
                                      schema.getColumnDataTypes())]
            with table.execute().collect() as rows:
                entry["rows"] = [[text(v) for v in row] for row in rows]
        except Exception as error:  # Flink's own message, kept for the record
            cause = getattr(error, "java_exception", None)
            while cause is not None and cause.getCause() is not None:
                cause = cause.getCause()
            entry["error"] = str(cause if cause is not None else error).splitlines()[0]
        out.append(entry)
    json.dump({"flink": pyflink.version.__version__, "results": out}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
