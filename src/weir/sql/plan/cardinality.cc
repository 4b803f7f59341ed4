// Cardinality estimates for join ordering (docs/design/join-order.md).
#include "weir/sql/plan/cardinality.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <arrow/compute/api_scalar.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <arrow/type.h>

#include "weir/types/scalar_number.h"

namespace weir::sql {

namespace {

namespace cp = arrow::compute;

// Defaults where statistics say nothing (the classic System R guesses).
constexpr double kEqualSelectivity = 0.1;
constexpr double kRangeSelectivity = 1.0 / 3;
constexpr double kBetweenSelectivity = 0.25;
constexpr double kLikeSelectivity = 0.1;
constexpr double kNullSelectivity = 0.05;
constexpr double kOtherSelectivity = 0.25;
constexpr double kMinSelectivity = 1e-9;

double Clamp(double selectivity) { return std::clamp(selectivity, kMinSelectivity, 1.0); }

// The column `expr` reads when it is a column or a cast of one.
std::optional<std::string> ColumnName(const cp::Expression& expr) {
  if (const arrow::FieldRef* ref = expr.field_ref()) {
    if (ref->name() != nullptr) return *ref->name();
    return std::nullopt;
  }
  const cp::Expression::Call* call = expr.call();
  if (call != nullptr && call->function_name == "cast" && call->arguments.size() == 1) {
    return ColumnName(call->arguments[0]);
  }
  return std::nullopt;
}

// The constant `expr` is, when it is one.
std::shared_ptr<arrow::Scalar> Constant(const cp::Expression& expr) {
  const arrow::Datum* datum = expr.literal();
  if (datum != nullptr && datum->is_scalar()) return datum->scalar();
  return nullptr;
}

bool IsRangeOp(const std::string& name) {
  return name == "less" || name == "less_equal" || name == "greater" ||
         name == "greater_equal";
}

// `column op constant` with the column on the left (the operator flipped if the
// constant was written first).
struct ColumnComparison {
  std::string column;
  std::string op;
  std::shared_ptr<arrow::Scalar> constant;
};

std::optional<ColumnComparison> AsColumnComparison(const cp::Expression::Call& call) {
  if (call.arguments.size() != 2) return std::nullopt;
  auto column = ColumnName(call.arguments[0]);
  auto constant = Constant(call.arguments[1]);
  std::string op = call.function_name;
  if (!column || constant == nullptr) {
    column = ColumnName(call.arguments[1]);
    constant = Constant(call.arguments[0]);
    if (!column || constant == nullptr) return std::nullopt;
    if (op == "less")
      op = "greater";
    else if (op == "greater")
      op = "less";
    else if (op == "less_equal")
      op = "greater_equal";
    else if (op == "greater_equal")
      op = "less_equal";
  }
  return ColumnComparison{*column, op, constant};
}

bool IsIntegral(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || type.id() == arrow::Type::DATE32 ||
         type.id() == arrow::Type::DATE64;
}

}  // namespace

CardinalityEstimator::CardinalityEstimator(StatisticsProvider statistics)
    : statistics_(std::move(statistics)) {}

double CardinalityEstimator::EquiJoinRows(double left_rows, double right_rows,
                                          const std::vector<double>& left_distinct,
                                          const std::vector<double>& right_distinct) {
  double left = 1;
  double right = 1;
  for (double d : left_distinct) left *= std::max(d, 1.0);
  for (double d : right_distinct) right *= std::max(d, 1.0);
  left = std::min(left, left_rows);
  right = std::min(right, right_rows);
  return std::max(1.0, left_rows * right_rows / std::max({left, right, 1.0}));
}

const TableStatistics* CardinalityEstimator::Statistics(const PlanNode& scan) {
  auto it = tables_.find(&scan);
  if (it == tables_.end()) {
    std::optional<TableStatistics> stats;
    if (statistics_) stats = statistics_(scan);
    it = tables_.emplace(&scan, std::move(stats)).first;
  }
  return it->second ? &*it->second : nullptr;
}

double CardinalityEstimator::Rows(const PlanNode& node) {
  auto it = rows_.find(&node);
  if (it != rows_.end()) return it->second;
  double rows = std::max(1.0, RowsUncached(node));
  rows_[&node] = rows;
  return rows;
}

double CardinalityEstimator::RowsUncached(const PlanNode& node) {
  switch (node.kind) {
    case PlanKind::kScan: {
      const TableStatistics* stats = Statistics(node);
      double rows = stats != nullptr ? stats->row_count : kUnknownRows;
      if (!node.scan_filter) return rows;
      ColumnLookup lookup = [&](const std::string& physical) {
        return ScanColumn(node, physical);
      };
      return rows * SelectivityOf(*node.scan_filter, lookup);
    }
    case PlanKind::kValues:
      return node.values ? static_cast<double>(node.values->num_rows()) : 1;
    case PlanKind::kFilter:
      return Rows(*node.inputs[0]) * Selectivity(node.predicate, {node.inputs[0].get()});
    case PlanKind::kProject:
    case PlanKind::kSort:
    case PlanKind::kOver:
      return Rows(*node.inputs[0]);
    case PlanKind::kRank: {
      // At most rankEnd rows per partition (ties aside).
      double input = Rows(*node.inputs[0]);
      double partitions = 1;
      for (const std::string& key : node.over.partition_keys) {
        partitions = std::min(input, partitions * Distinct(*node.inputs[0], key));
      }
      return std::min(input, partitions * static_cast<double>(node.rank.end));
    }
    case PlanKind::kLimit: {
      double rows =
          std::max(0.0, Rows(*node.inputs[0]) - static_cast<double>(node.offset));
      return node.limit ? std::min(rows, static_cast<double>(*node.limit)) : rows;
    }
    case PlanKind::kAggregate: {
      if (node.group_keys.empty()) return 1;
      double input = Rows(*node.inputs[0]);
      double groups = 1;
      for (const std::string& key : node.group_keys) {
        groups = std::min(input, groups * Distinct(*node.inputs[0], key));
      }
      return groups;
    }
    case PlanKind::kJoin:
      return JoinRows(node);
    case PlanKind::kUnion: {
      double rows = 0;
      for (const PlanPtr& input : node.inputs) rows += Rows(*input);
      return rows;
    }
    case PlanKind::kWindowTvf: {
      // Each row is in size / slide windows (HOP, CUMULATE at most).
      const WindowTvfSpec& w = node.window;
      double copies = w.kind == WindowTvfSpec::Kind::kTumble ||
                              w.kind == WindowTvfSpec::Kind::kSession
                          ? 1
                          : static_cast<double>(w.size / std::max<int64_t>(1, w.slide));
      return Rows(*node.inputs[0]) * copies;
    }
    case PlanKind::kCorrelate:
      // Unknown fan-out: a few rows per input row.
      return Rows(*node.inputs[0]) * 4;
  }
  return kUnknownRows;
}

double CardinalityEstimator::JoinRows(const PlanNode& node) {
  const PlanNode& left = *node.inputs[0];
  const PlanNode& right = *node.inputs[1];
  double l = Rows(left);
  double r = Rows(right);
  std::vector<double> ld, rd;
  for (const std::string& key : node.left_keys) ld.push_back(Distinct(left, key));
  for (const std::string& key : node.right_keys) rd.push_back(Distinct(right, key));
  double residual = Selectivity(node.residual, {&left, &right});
  double inner = ld.empty() ? l * r : EquiJoinRows(l, r, ld, rd);
  inner *= residual;
  switch (node.join_type) {
    case PlanJoinType::kInner:
      return inner;
    case PlanJoinType::kLeft:
      return std::max(inner, l);
    case PlanJoinType::kRight:
      return std::max(inner, r);
    case PlanJoinType::kFull:
      return std::max(inner, l + r);
    case PlanJoinType::kSemi:
    case PlanJoinType::kAnti: {
      // The share of left keys with a partner: right's distinct keys over left's.
      double share = 0.5;
      if (!ld.empty()) {
        double lk = 1;
        double rk = 1;
        for (double d : ld) lk *= d;
        for (double d : rd) rk *= d;
        share = std::min(1.0, std::min(rk, r) / std::max(1.0, std::min(lk, l)));
      }
      share = std::min(1.0, share * (residual < 1 ? 0.5 : 1.0));
      return node.join_type == PlanJoinType::kSemi ? l * share
                                                   : l * std::max(0.1, 1 - share);
    }
  }
  return inner;
}

std::optional<CardinalityEstimator::Column> CardinalityEstimator::ScanColumn(
    const PlanNode& scan, const std::string& physical) {
  const TableStatistics* stats = Statistics(scan);
  double rows = stats != nullptr ? stats->row_count : kUnknownRows;
  Column column;
  column.distinct = rows;
  for (const CatalogColumn& c : scan.table->columns) {
    if (c.name == physical) column.integral = IsIntegral(*c.type);
  }
  if (stats == nullptr) return column;
  auto it = stats->columns.find(physical);
  if (it == stats->columns.end()) return column;
  const ColumnStatistics& s = it->second;
  column.min = s.min;
  column.max = s.max;
  if (s.null_count && rows > 0)
    column.null_fraction = std::min(1.0, *s.null_count / rows);
  double non_null = std::max(1.0, rows * (1 - column.null_fraction));
  column.distinct = non_null;
  if (s.distinct_count) {
    column.distinct = *s.distinct_count;
    column.distinct_known = true;
  } else if (column.integral && s.min && s.max) {
    column.distinct = *s.max - *s.min + 1;
    column.distinct_known = true;
  }
  column.distinct = std::clamp(column.distinct, 1.0, non_null);
  return column;
}

std::optional<CardinalityEstimator::Column> CardinalityEstimator::OutputColumn(
    const PlanNode& node, const std::string& field) {
  std::optional<Column> column;
  switch (node.kind) {
    case PlanKind::kScan: {
      int index = node.schema->GetFieldIndex(field);
      if (index >= 0 && static_cast<size_t>(index) < node.scan_columns.size()) {
        column = ScanColumn(node, node.scan_columns[index]);
      }
      break;
    }
    case PlanKind::kFilter:
    case PlanKind::kSort:
    case PlanKind::kLimit:
    case PlanKind::kWindowTvf:
    case PlanKind::kOver:
    case PlanKind::kRank:
    case PlanKind::kCorrelate:
      if (node.inputs[0]->schema->GetFieldIndex(field) >= 0) {
        column = OutputColumn(*node.inputs[0], field);
      }
      break;
    case PlanKind::kProject: {
      int index = node.schema->GetFieldIndex(field);
      if (index < 0 || static_cast<size_t>(index) >= node.exprs.size()) break;
      if (auto name = ColumnName(node.exprs[index])) {
        column = OutputColumn(*node.inputs[0], *name);
      }
      break;
    }
    case PlanKind::kAggregate:
      if (std::find(node.group_keys.begin(), node.group_keys.end(), field) !=
          node.group_keys.end()) {
        column = OutputColumn(*node.inputs[0], field);
      }
      break;
    case PlanKind::kJoin: {
      size_t sides =
          node.join_type == PlanJoinType::kSemi || node.join_type == PlanJoinType::kAnti
              ? 1
              : 2;
      for (size_t i = 0; i < sides && !column; ++i) {
        if (node.inputs[i]->schema->GetFieldIndex(field) >= 0) {
          column = OutputColumn(*node.inputs[i], field);
        }
      }
      break;
    }
    default:
      break;
  }
  if (column) column->distinct = std::clamp(column->distinct, 1.0, Rows(node));
  return column;
}

double CardinalityEstimator::Distinct(const PlanNode& node, const std::string& field) {
  auto column = OutputColumn(node, field);
  return column ? column->distinct : Rows(node);
}

double CardinalityEstimator::Selectivity(const cp::Expression& predicate,
                                         const std::vector<const PlanNode*>& inputs) {
  ColumnLookup lookup = [&](const std::string& name) -> std::optional<Column> {
    for (const PlanNode* input : inputs) {
      if (input->schema->GetFieldIndex(name) >= 0) return OutputColumn(*input, name);
    }
    return std::nullopt;
  };
  return SelectivityOf(predicate, lookup);
}

double CardinalityEstimator::ConjunctionSelectivity(
    const std::vector<cp::Expression>& terms, const ColumnLookup& lookup) {
  // Range conditions on one column combine into one interval (a BETWEEN is not two
  // independent conditions); everything else multiplies.
  struct Interval {
    std::optional<double> low;
    std::optional<double> high;
    int bounds = 0;
  };
  std::map<std::string, Interval> intervals;
  double selectivity = 1;
  for (const cp::Expression& term : terms) {
    const cp::Expression::Call* call = term.call();
    if (call != nullptr && IsRangeOp(call->function_name)) {
      auto comparison = AsColumnComparison(*call);
      std::optional<double> value;
      if (comparison) value = types::ScalarToDouble(*comparison->constant);
      if (comparison && value) {
        Interval& interval = intervals[comparison->column];
        ++interval.bounds;
        if (comparison->op == "less" || comparison->op == "less_equal") {
          interval.high = interval.high ? std::min(*interval.high, *value) : *value;
        } else {
          interval.low = interval.low ? std::max(*interval.low, *value) : *value;
        }
        continue;
      }
    }
    selectivity *= SelectivityOf(term, lookup);
  }
  for (const auto& [name, interval] : intervals) {
    auto column = lookup(name);
    if (column && column->min && column->max) {
      double low = std::max(interval.low.value_or(*column->min), *column->min);
      double high = std::min(interval.high.value_or(*column->max), *column->max);
      double width = *column->max - *column->min;
      double share;
      if (high < low) {
        share = 0;
      } else if (column->integral) {
        share = (high - low + 1) / (width + 1);
      } else {
        share = width > 0 ? (high - low) / width : 1;
      }
      selectivity *= share * (1 - column->null_fraction);
    } else {
      selectivity *= interval.bounds > 1 ? kBetweenSelectivity : kRangeSelectivity;
    }
  }
  return Clamp(selectivity);
}

double CardinalityEstimator::SelectivityOf(const cp::Expression& predicate,
                                           const ColumnLookup& lookup) {
  if (auto constant = Constant(predicate)) {
    if (!constant->is_valid) return kMinSelectivity;
    if (constant->type->id() == arrow::Type::BOOL) {
      return static_cast<const arrow::BooleanScalar&>(*constant).value ? 1
                                                                       : kMinSelectivity;
    }
    return 1;
  }
  const cp::Expression::Call* call = predicate.call();
  if (call == nullptr) return kOtherSelectivity;
  const std::string& name = call->function_name;
  if (name == "and_kleene" || name == "and") {
    std::vector<cp::Expression> terms;
    std::function<void(const cp::Expression&)> flatten = [&](const cp::Expression& e) {
      const cp::Expression::Call* c = e.call();
      if (c != nullptr &&
          (c->function_name == "and_kleene" || c->function_name == "and")) {
        for (const cp::Expression& arg : c->arguments) flatten(arg);
      } else {
        terms.push_back(e);
      }
    };
    flatten(predicate);
    return ConjunctionSelectivity(terms, lookup);
  }
  if (name == "or_kleene" || name == "or") {
    double none = 1;
    for (const cp::Expression& arg : call->arguments)
      none *= 1 - SelectivityOf(arg, lookup);
    return Clamp(1 - none);
  }
  if ((name == "invert" || name == "not") && call->arguments.size() == 1) {
    return Clamp(1 - SelectivityOf(call->arguments[0], lookup));
  }
  if (IsRangeOp(name)) {
    auto comparison = AsColumnComparison(*call);
    if (comparison && types::ScalarToDouble(*comparison->constant)) {
      return ConjunctionSelectivity({predicate}, lookup);
    }
    return kRangeSelectivity;  // two columns, or a constant off the number line
  }
  if ((name == "equal" || name == "not_equal") && call->arguments.size() == 2) {
    double equal = kEqualSelectivity;
    if (auto comparison = AsColumnComparison(*call)) {
      auto column = lookup(comparison->column);
      if (column && column->distinct_known) equal = 1 / column->distinct;
      if (column) {
        auto value = types::ScalarToDouble(*comparison->constant);
        if (value && column->min && column->max &&
            (*value < *column->min || *value > *column->max)) {
          equal = kMinSelectivity;
        }
      }
    } else {
      auto a = ColumnName(call->arguments[0]);
      auto b = ColumnName(call->arguments[1]);
      std::optional<Column> ca, cb;
      if (a) ca = lookup(*a);
      if (b) cb = lookup(*b);
      if (ca && cb) equal = 1 / std::max(ca->distinct, cb->distinct);
    }
    return Clamp(name == "equal" ? equal : 1 - equal);
  }
  if ((name == "is_null" || name == "is_valid") && call->arguments.size() == 1) {
    double nulls = kNullSelectivity;
    if (auto column_name = ColumnName(call->arguments[0])) {
      if (auto column = lookup(*column_name)) nulls = column->null_fraction;
    }
    return Clamp(name == "is_null" ? nulls : 1 - nulls);
  }
  if (name == "is_in" && call->arguments.size() == 1 && call->options != nullptr) {
    const auto& options = static_cast<const cp::SetLookupOptions&>(*call->options);
    double values = static_cast<double>(options.value_set.length());
    double distinct = 1 / kEqualSelectivity;
    if (auto column_name = ColumnName(call->arguments[0])) {
      auto column = lookup(*column_name);
      if (column && column->distinct_known) distinct = column->distinct;
    }
    return Clamp(values / distinct);
  }
  if (name.rfind("match_", 0) == 0 || name == "starts_with" || name == "ends_with") {
    return kLikeSelectivity;
  }
  return kOtherSelectivity;
}

}  // namespace weir::sql
