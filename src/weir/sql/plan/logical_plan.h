#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/type_fwd.h>

#include "weir/runtime/operators/user_aggregate.h"
#include "weir/sql/bind/catalog.h"
#include "weir/sql/parse/statement.h"

namespace weir::sql {

/// Relational operators of a logical plan.
enum class PlanKind {
  kScan,       ///< a catalog table or read_parquet(), with pushed projection/filter
  kValues,     ///< constant rows
  kFilter,     ///< rows where a predicate is true
  kProject,    ///< computed columns
  kAggregate,  ///< grouping and aggregate functions (no aggregates: DISTINCT)
  kJoin,       ///< hash join on equal keys plus a residual condition
  kSort,       ///< ORDER BY
  kLimit,      ///< OFFSET/LIMIT
  kUnion,      ///< UNION ALL of inputs with equal schemas
  kWindowTvf,  ///< a windowing table function: rows get window_start/end/time
  kOver,       ///< window functions (… OVER (PARTITION BY … ORDER BY …)) appended
  kRank,       ///< Top-N / deduplication: ROW_NUMBER/RANK/DENSE_RANK filtered to a range
  kCorrelate,  ///< a lateral table function: each row joined with the rows it gives
};

/// The parameters of a windowing table function (Flink's TUMBLE, HOP, CUMULATE,
/// SESSION).
struct WindowTvfSpec {
  /// The window shape.
  enum class Kind { kTumble, kHop, kCumulate, kSession };
  Kind kind = Kind::kTumble;
  /// The time column (internal name) rows are assigned by.
  std::string time_field;
  /// Window length (CUMULATE: the largest window; SESSION: the gap), microseconds.
  int64_t size = 0;
  /// HOP: distance between window starts; CUMULATE: the step; microseconds.
  int64_t slide = 0;
  /// Shift of window boundaries from the epoch, microseconds.
  int64_t offset = 0;
  /// The output columns window_start, window_end and window_time (internal names).
  std::string start_field, end_field, time_out_field;
  /// SESSION: the PARTITION BY columns (internal names) sessions are formed by.
  std::vector<std::string> partition_fields;
  /// SESSION from a legacy `GROUP BY SESSION(ts, gap), k`: sessions per group key.
  bool sessions_per_group_key = false;
  /// A legacy group window (`GROUP BY HOP(ts, …)`) rather than a table function:
  /// Flink merges a HOP window's slices oldest first there, newest first for the
  /// table function (an order LISTAGG shows).
  bool group_window = false;

  /// Returns Flink's EXPLAIN form, e.g. `TUMBLE(time_col=[ts], size=[10 min])`.
  std::string ToString() const;
};

/// One aggregate function call of an Aggregate node.
struct AggregateCall {
  /// The Arrow aggregate without the hash_ prefix: count_all, count, count_distinct,
  /// sum, mean, min, max, stddev, variance, first, last; or listagg (weir's: the
  /// non-null strings joined by `separator`).
  std::string function;
  /// The input column (empty for count_all).
  std::string input;
  /// Function options (CountOptions, ScalarAggregateOptions, VarianceOptions).
  std::shared_ptr<arrow::compute::FunctionOptions> options;
  /// The output column name.
  std::string output;
  /// Cast the result to this type (e.g. AVG of an integer stays an integer as in
  /// Flink); null keeps Arrow's type.
  std::shared_ptr<arrow::DataType> result_type;
  /// The call as written, for EXPLAIN.
  std::string display;
  /// listagg: the separator.
  std::string separator;
  /// A registered aggregate function (`function` is "user"), a struct `input`
  /// for several arguments.
  std::shared_ptr<const runtime::UserAggregateFunction> user_function;
};

/// One ORDER BY key of a Sort node.
struct SortField {
  std::string field;
  bool descending = false;
  bool nulls_first = false;
};

/// One function of an Over node: a ranking function or an aggregate over the frame.
struct OverCall {
  /// row_number, rank, dense_rank, lag, lead, or an aggregate as in
  /// AggregateCall::function (count_all, count, sum, mean, min, max, first, last).
  std::string function;
  /// The input column (empty for ranking functions and count_all).
  std::string input;
  /// The output column name.
  std::string output;
  /// lag and lead: how many rows back or ahead, and the value where there is no
  /// such row in the partition (null: NULL).
  int64_t offset = 1;
  std::shared_ptr<arrow::Scalar> default_value;
  /// The call as written, for EXPLAIN.
  std::string display;
  /// A registered aggregate function (`function` is "user").
  std::shared_ptr<const runtime::UserAggregateFunction> user_function;
};

/// The window of an Over or Rank node: partitions, their order and the frame.
struct OverSpec {
  std::vector<std::string> partition_keys;
  std::vector<SortField> order;
  /// A ROWS frame (true) or a RANGE frame (peers of the current row included).
  bool rows = false;
  /// How far before the current row the frame starts: rows for ROWS, the distance
  /// in the order key's units for RANGE (microseconds for time); nullopt for
  /// UNBOUNDED PRECEDING.
  std::optional<int64_t> preceding;
  /// How far after the current row the frame ends, in the units of `preceding`: 0
  /// for CURRENT ROW (with its peers for RANGE), nullopt for UNBOUNDED FOLLOWING.
  /// A negative `preceding` starts the frame after the current row (ROWS only).
  std::optional<int64_t> following = 0;
  /// RANGE over a time column (`preceding` is then in microseconds).
  bool time_range = false;
  /// The frame is the whole partition (no ORDER BY, or UNBOUNDED PRECEDING AND
  /// UNBOUNDED FOLLOWING).
  bool whole_partition = false;

  /// Returns Flink's EXPLAIN form, e.g. `partitionBy=[k], orderBy=[ts ASC],
  /// window=[ROWS BETWEEN 2 PRECEDING AND CURRENT ROW]` (without the window when
  /// `frame` is false).
  std::string ToString(bool frame = true) const;
};

/// What a Rank node keeps: rows whose rank is in [start, end].
struct RankSpec {
  /// The ranking function.
  enum class Type { kRowNumber, kRank, kDenseRank };
  Type type = Type::kRowNumber;
  int64_t start = 1;
  int64_t end = 1;
  /// The rank column (the last output column while output_rank is true).
  std::string field;
  /// Whether the rank number is an output column (Flink then updates rows whose
  /// rank changes; without it only rows entering and leaving the range change).
  bool output_rank = true;

  /// Returns the function name: ROW_NUMBER, RANK or DENSE_RANK.
  std::string TypeName() const;
};

/// Join types, including the semi and anti joins subqueries become.
enum class PlanJoinType { kInner, kLeft, kRight, kFull, kSemi, kAnti };

struct PlanNode;
/// Shared handle to an immutable plan node.
using PlanPtr = std::shared_ptr<const PlanNode>;

/// A node of a logical plan. Every column in a plan has a unique internal name
/// (`price#3`), so expressions stay valid while filters move down through the
/// nodes that pass their columns through. Fields are used according to `kind`.
struct PlanNode {
  PlanKind kind = PlanKind::kScan;
  /// The output columns (internal names).
  std::shared_ptr<arrow::Schema> schema;
  std::vector<PlanPtr> inputs;
  /// The optimizer's estimate of the rows this node produces (for EXPLAIN).
  std::optional<double> estimated_rows;

  // kScan
  /// The table (for read_parquet(), a synthesised filesystem table).
  std::shared_ptr<const CatalogTable> table;
  /// The physical columns read, parallel to `schema`.
  std::vector<std::string> scan_columns;
  /// The filter pushed into the scan, over the physical column names.
  std::optional<arrow::compute::Expression> scan_filter;

  // kValues
  std::shared_ptr<arrow::Table> values;

  // kFilter
  arrow::compute::Expression predicate;

  // kProject: one expression per output column.
  std::vector<arrow::compute::Expression> exprs;

  // kAggregate
  std::vector<std::string> group_keys;
  std::vector<AggregateCall> aggregates;

  // kJoin
  PlanJoinType join_type = PlanJoinType::kInner;
  /// Columns of the left and right input compared for equality, pairwise; none for
  /// a cross join or a join on other conditions only.
  std::vector<std::string> left_keys;
  std::vector<std::string> right_keys;
  /// Keys compared with IS NOT DISTINCT FROM (INTERSECT/EXCEPT) instead of '='.
  bool null_equal_keys = false;
  /// Condition over both sides beyond the keys (true when none).
  arrow::compute::Expression residual = arrow::compute::literal(true);
  /// Build the hash table on the left input (the optimizer estimated it smaller);
  /// by default the right input is the build side.
  bool build_left = false;
  /// Run the build side first and filter the probe side's Parquet scans by its
  /// keys (a runtime filter; inner and semi joins only).
  bool runtime_filter = false;

  // kSort
  std::vector<SortField> sort_fields;

  // kWindowTvf
  WindowTvfSpec window;

  // kOver and kRank: the window; kOver: its functions, appended to the input's
  // columns in order; kRank: the range kept.
  OverSpec over;
  std::vector<OverCall> over_calls;
  RankSpec rank;

  // kCorrelate: the function, its arguments in `exprs` (over the input) and
  // `join_type` kInner or kLeft; its columns follow the input's in `schema`.
  std::shared_ptr<const expr::TableFunction> table_function;

  // kLimit
  int64_t offset = 0;
  std::optional<int64_t> limit;

  /// Returns true if any node in this tree is a scan of a streaming table.
  bool HasKind(PlanKind wanted) const;
};

/// Returns a note EXPLAIN appends to a node's line (e.g. its changelog mode); empty
/// for none.
using PlanNoteFn = std::function<std::string(const PlanNode&)>;

/// Renders a plan as an indented tree for EXPLAIN, with pushed filters, projected
/// columns, estimates and `note`'s text per node.
std::string PlanToString(const PlanPtr& plan, const PlanNoteFn& note = nullptr);

/// Returns the names of the columns a Correlate node's function adds (the last
/// ones of its schema).
std::vector<std::string> CorrelateColumnNames(const PlanNode& node);

/// Returns the visible name of an internal column name (`price#3` gives `price`).
std::string VisibleName(const std::string& internal);

}  // namespace weir::sql
