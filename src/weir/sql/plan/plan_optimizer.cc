// Plan rewrites: filter pushdown and column pruning (see docs/design/sql.md).
#include <limits>
#include <map>
#include <set>

#include <arrow/compute/api_scalar.h>
#include <arrow/compute/expression.h>
#include <arrow/type.h>

#include "weir/sql/plan/join_order.h"
#include "weir/sql/plan/plan_expressions.h"
#include "weir/sql/plan/planner.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;
using Names = std::set<std::string>;

bool AllIn(const Names& names, const arrow::Schema& schema) {
  for (const std::string& name : names) {
    if (schema.GetFieldIndex(name) < 0) return false;
  }
  return true;
}

std::shared_ptr<PlanNode> Copy(const PlanNode& node) {
  return std::make_shared<PlanNode>(node);
}

// Wraps `plan` in a Filter of `conjuncts` (if any).
PlanPtr WithFilter(PlanPtr plan, const std::vector<cp::Expression>& conjuncts) {
  if (conjuncts.empty()) return plan;
  auto filter = std::make_shared<PlanNode>();
  filter->kind = PlanKind::kFilter;
  filter->inputs = {plan};
  filter->schema = plan->schema;
  auto bound = cp::and_(conjuncts).Bind(*plan->schema);
  filter->predicate = bound.ok() ? *bound : cp::and_(conjuncts);
  return filter;
}

// Makes `left_col = right_col` (either order) a key of `join` when both sides are
// plain columns of the same type.
bool AddJoinKey(const cp::Expression& conjunct, const arrow::Schema& left,
                const arrow::Schema& right, PlanNode* join) {
  const cp::Expression::Call* call = conjunct.call();
  if (call == nullptr || call->function_name != "equal" || call->arguments.size() != 2) {
    return false;
  }
  const arrow::FieldRef* a = call->arguments[0].field_ref();
  const arrow::FieldRef* b = call->arguments[1].field_ref();
  if (a == nullptr || b == nullptr || a->name() == nullptr || b->name() == nullptr) {
    return false;
  }
  std::string x = *a->name();
  std::string y = *b->name();
  if (left.GetFieldIndex(x) < 0) std::swap(x, y);
  int li = left.GetFieldIndex(x);
  int ri = right.GetFieldIndex(y);
  if (li < 0 || ri < 0) return false;
  if (!left.field(li)->type()->Equals(*right.field(ri)->type())) return false;
  join->left_keys.push_back(x);
  join->right_keys.push_back(y);
  return true;
}

// Splits `pending` into the conjuncts that read some columns, all of them in
// `allowed` (`down`), and the others (`kept`).
void SplitByColumns(const std::vector<cp::Expression>& pending, const Names& allowed,
                    std::vector<cp::Expression>* down,
                    std::vector<cp::Expression>* kept) {
  for (const cp::Expression& conjunct : pending) {
    Names fields = FieldsOf(conjunct);
    bool ok = !fields.empty() &&
              std::all_of(fields.begin(), fields.end(),
                          [&](const std::string& f) { return allowed.count(f) != 0; });
    (ok ? down : kept)->push_back(conjunct);
  }
}

bool ScanAcceptsFilters(const PlanNode& scan) {
  auto factory = scan.table->Factory();
  return factory.ok() && (*factory)->SupportsFilterPushdown(scan.table->Descriptor());
}

PlanPtr PushFilters(const PlanPtr& plan, std::vector<cp::Expression> pending) {
  const PlanNode& node = *plan;
  switch (node.kind) {
    case PlanKind::kFilter: {
      // CURRENT_WATERMARK reads the watermark where the filter runs: it stays.
      std::vector<cp::Expression> here, stay;
      Conjuncts(node.predicate, &here);
      for (cp::Expression& conjunct : here) {
        (ReadsCurrentWatermark(conjunct) ? stay : pending).push_back(std::move(conjunct));
      }
      PlanPtr below = PushFilters(node.inputs[0], std::move(pending));
      return stay.empty() ? below : WithFilter(below, stay);
    }
    case PlanKind::kScan: {
      if (pending.empty() || !ScanAcceptsFilters(node)) return WithFilter(plan, pending);
      std::map<std::string, std::string> physical;
      for (int i = 0; i < node.schema->num_fields(); ++i) {
        physical[node.schema->field(i)->name()] = node.scan_columns[i];
      }
      auto scan = Copy(node);
      std::vector<cp::Expression> renamed;
      if (scan->scan_filter) renamed.push_back(*scan->scan_filter);
      for (const cp::Expression& conjunct : pending) {
        renamed.push_back(Unbind(conjunct, &physical));
      }
      scan->scan_filter = cp::and_(renamed);
      return scan;
    }
    case PlanKind::kProject: {
      // Push what only reads columns the projection passes through unchanged.
      Names passthrough;
      for (size_t i = 0; i < node.exprs.size(); ++i) {
        const arrow::FieldRef* ref = node.exprs[i].field_ref();
        const std::string& out = node.schema->field(static_cast<int>(i))->name();
        if (ref != nullptr && ref->name() != nullptr && *ref->name() == out) {
          passthrough.insert(out);
        }
      }
      std::vector<cp::Expression> down, kept;
      for (const cp::Expression& conjunct : pending) {
        Names fields = FieldsOf(conjunct);
        bool ok = std::all_of(fields.begin(), fields.end(), [&](const std::string& f) {
          return passthrough.count(f) != 0;
        });
        (ok ? down : kept).push_back(conjunct);
      }
      auto project = Copy(node);
      project->inputs = {PushFilters(node.inputs[0], std::move(down))};
      return WithFilter(project, kept);
    }
    case PlanKind::kSort: {
      auto sort = Copy(node);
      sort->inputs = {PushFilters(node.inputs[0], std::move(pending))};
      return sort;
    }
    case PlanKind::kAggregate: {
      std::vector<cp::Expression> down, kept;
      SplitByColumns(pending, Names(node.group_keys.begin(), node.group_keys.end()),
                     &down, &kept);
      auto aggregate = Copy(node);
      aggregate->inputs = {PushFilters(node.inputs[0], std::move(down))};
      return WithFilter(aggregate, kept);
    }
    case PlanKind::kJoin: {
      const arrow::Schema& left = *node.inputs[0]->schema;
      const arrow::Schema& right = *node.inputs[1]->schema;
      bool to_left = node.join_type == PlanJoinType::kInner ||
                     node.join_type == PlanJoinType::kLeft ||
                     node.join_type == PlanJoinType::kSemi ||
                     node.join_type == PlanJoinType::kAnti;
      bool to_right = node.join_type == PlanJoinType::kInner ||
                      node.join_type == PlanJoinType::kRight;
      std::vector<cp::Expression> l, r, kept, residual;
      auto join = Copy(node);
      for (const cp::Expression& conjunct : pending) {
        Names fields = FieldsOf(conjunct);
        if (to_left && !fields.empty() && AllIn(fields, left)) {
          l.push_back(conjunct);
        } else if (to_right && !fields.empty() && AllIn(fields, right)) {
          r.push_back(conjunct);
        } else if (node.join_type == PlanJoinType::kInner && !node.null_equal_keys) {
          // WHERE a.x = b.y over an inner (or comma) join: a hash key; other
          // conditions on both sides: the join's residual condition.
          if (!AddJoinKey(conjunct, left, right, join.get()))
            residual.push_back(conjunct);
        } else {
          kept.push_back(conjunct);
        }
      }
      if (!residual.empty()) {
        arrow::FieldVector all = left.fields();
        for (const auto& f : right.fields()) all.push_back(f);
        std::vector<cp::Expression> terms = residual;
        if (!(node.residual == cp::literal(true))) terms.push_back(Unbind(node.residual));
        auto bound = cp::and_(terms).Bind(arrow::Schema(all));
        if (bound.ok()) {
          join->residual = *bound;
        } else {
          kept.insert(kept.end(), residual.begin(), residual.end());
        }
      }
      join->inputs = {PushFilters(node.inputs[0], std::move(l)),
                      PushFilters(node.inputs[1], std::move(r))};
      return WithFilter(join, kept);
    }
    case PlanKind::kUnion: {
      auto node_copy = Copy(node);
      node_copy->inputs.clear();
      for (const PlanPtr& input : node.inputs) {
        node_copy->inputs.push_back(PushFilters(input, pending));
      }
      return node_copy;
    }
    case PlanKind::kWindowTvf: {
      // Conditions on the table's own columns hold before windowing too.
      std::vector<cp::Expression> down, kept;
      for (const cp::Expression& conjunct : pending) {
        Names fields = FieldsOf(conjunct);
        (!fields.empty() && AllIn(fields, *node.inputs[0]->schema) ? down : kept)
            .push_back(conjunct);
      }
      auto window = Copy(node);
      window->inputs = {PushFilters(node.inputs[0], std::move(down))};
      return WithFilter(window, kept);
    }
    case PlanKind::kOver:
    case PlanKind::kRank: {
      // Conditions on the partition keys alone select whole partitions: they hold
      // before the window functions too. Others (e.g. on a rank) stay above.
      std::vector<cp::Expression> down, kept;
      SplitByColumns(
          pending,
          Names(node.over.partition_keys.begin(), node.over.partition_keys.end()), &down,
          &kept);
      auto copy = Copy(node);
      copy->inputs = {PushFilters(node.inputs[0], std::move(down))};
      return WithFilter(copy, kept);
    }
    case PlanKind::kCorrelate: {
      // Conditions on the left side's columns alone hold before the function too.
      std::vector<cp::Expression> down, kept;
      for (const cp::Expression& conjunct : pending) {
        Names fields = FieldsOf(conjunct);
        (!fields.empty() && AllIn(fields, *node.inputs[0]->schema) ? down : kept)
            .push_back(conjunct);
      }
      auto correlate = Copy(node);
      correlate->inputs = {PushFilters(node.inputs[0], std::move(down))};
      return WithFilter(correlate, kept);
    }
    default: {
      auto copy = Copy(node);
      copy->inputs.clear();
      for (const PlanPtr& input : node.inputs)
        copy->inputs.push_back(PushFilters(input, {}));
      return WithFilter(copy, pending);
    }
  }
}

// Returns the integer value of a constant (a literal, possibly cast).
std::optional<int64_t> IntegerConstant(const cp::Expression& expr) {
  if (const cp::Expression::Call* call = expr.call()) {
    if (call->function_name == "cast" && call->arguments.size() == 1) {
      return IntegerConstant(call->arguments[0]);
    }
    return std::nullopt;
  }
  const arrow::Datum* datum = expr.literal();
  if (datum == nullptr || !datum->is_scalar() || !datum->scalar()->is_valid) {
    return std::nullopt;
  }
  auto cast = datum->scalar()->CastTo(arrow::int64());
  if (!cast.ok() || !arrow::is_integer(datum->type()->id())) return std::nullopt;
  return static_cast<const arrow::Int64Scalar&>(**cast).value;
}

// Narrows [*low, *high] by `conjunct` when it compares `field` with a constant;
// returns false for any other condition.
bool RankBound(const cp::Expression& conjunct, const std::string& field, int64_t* low,
               int64_t* high) {
  const cp::Expression::Call* call = conjunct.call();
  if (call == nullptr || call->arguments.size() != 2) return false;
  std::string op = call->function_name;
  const cp::Expression* column = &call->arguments[0];
  const cp::Expression* constant = &call->arguments[1];
  if (column->field_ref() == nullptr) {
    std::swap(column, constant);
    // c < rn is rn > c.
    static const std::map<std::string, std::string> kFlip = {
        {"less", "greater"},
        {"less_equal", "greater_equal"},
        {"greater", "less"},
        {"greater_equal", "less_equal"},
        {"equal", "equal"}};
    auto flipped = kFlip.find(op);
    if (flipped == kFlip.end()) return false;
    op = flipped->second;
  }
  const arrow::FieldRef* ref = column->field_ref();
  if (ref == nullptr || ref->name() == nullptr || *ref->name() != field) return false;
  std::optional<int64_t> value = IntegerConstant(*constant);
  if (!value) return false;
  if (op == "less_equal") {
    *high = std::min(*high, *value);
  } else if (op == "less") {
    *high = std::min(*high, *value - 1);
  } else if (op == "equal") {
    *low = std::max(*low, *value);
    *high = std::min(*high, *value);
  } else if (op == "greater_equal") {
    *low = std::max(*low, *value);
  } else if (op == "greater") {
    *low = std::max(*low, *value + 1);
  } else {
    return false;
  }
  return true;
}

// Flink's Top-N: a filter bounding ROW_NUMBER/RANK/DENSE_RANK() OVER (PARTITION BY
// … ORDER BY …) from above (rn <= N, rn < N, rn = N, rn BETWEEN a AND b) over an
// Over node with that one function becomes a Rank node, which keeps only the rows
// in range (and, streaming, only their state). Other conditions stay above it.
PlanPtr RecognizeRank(const PlanPtr& plan) {
  auto copy = Copy(*plan);
  for (PlanPtr& input : copy->inputs) input = RecognizeRank(input);
  if (copy->kind != PlanKind::kFilter) return copy;
  const PlanNode* project = nullptr;
  const PlanNode* over = copy->inputs[0].get();
  if (over->kind == PlanKind::kProject) {
    project = over;
    over = over->inputs[0].get();
  }
  if (over->kind != PlanKind::kOver || over->over_calls.size() != 1) return copy;
  const OverCall& call = over->over_calls[0];
  RankSpec rank;
  if (call.function == "row_number") {
    rank.type = RankSpec::Type::kRowNumber;
  } else if (call.function == "rank") {
    rank.type = RankSpec::Type::kRank;
  } else if (call.function == "dense_rank") {
    rank.type = RankSpec::Type::kDenseRank;
  } else {
    return copy;
  }
  // The rank column as the filter sees it (a projection may rename it).
  std::string name = call.output;
  if (project != nullptr) {
    name.clear();
    for (size_t i = 0; i < project->exprs.size(); ++i) {
      const arrow::FieldRef* ref = project->exprs[i].field_ref();
      if (ref != nullptr && ref->name() != nullptr && *ref->name() == call.output) {
        name = project->schema->field(static_cast<int>(i))->name();
      }
    }
    if (name.empty()) return copy;
  }
  std::vector<cp::Expression> conjuncts, rest;
  Conjuncts(copy->predicate, &conjuncts);
  int64_t low = 1;
  int64_t high = std::numeric_limits<int64_t>::max();
  for (const cp::Expression& conjunct : conjuncts) {
    if (!RankBound(conjunct, name, &low, &high)) rest.push_back(conjunct);
  }
  if (high == std::numeric_limits<int64_t>::max()) return copy;
  auto node = std::make_shared<PlanNode>();
  node->kind = PlanKind::kRank;
  node->inputs = over->inputs;
  node->schema = over->schema;
  node->over = over->over;
  rank.start = low;
  rank.end = high;
  rank.field = call.output;
  node->rank = rank;
  PlanPtr result = node;
  if (project != nullptr) {
    auto renamed = Copy(*project);
    renamed->inputs = {result};
    result = renamed;
  }
  return WithFilter(result, rest);
}

// Returns `plan` reading only what is needed for `required`; schemas and bound
// expressions are rebuilt for the narrower inputs.
arrow::Result<PlanPtr> Prune(const PlanPtr& plan, const Names& required) {
  const PlanNode& node = *plan;
  auto copy = Copy(node);
  switch (node.kind) {
    case PlanKind::kScan: {
      copy->scan_columns.clear();
      arrow::FieldVector fields;
      for (int i = 0; i < node.schema->num_fields(); ++i) {
        if (required.count(node.schema->field(i)->name()) == 0) continue;
        copy->scan_columns.push_back(node.scan_columns[i]);
        fields.push_back(node.schema->field(i));
      }
      if (fields.empty() && node.schema->num_fields() > 0) {
        // Row counts still need one column: the first.
        copy->scan_columns.push_back(node.scan_columns[0]);
        fields.push_back(node.schema->field(0));
      }
      copy->schema = arrow::schema(fields);
      return copy;
    }
    case PlanKind::kValues:
      return plan;
    case PlanKind::kFilter: {
      Names below = required;
      for (const std::string& f : FieldsOf(node.predicate)) below.insert(f);
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      copy->schema = input->schema;
      ARROW_ASSIGN_OR_RAISE(copy->predicate, Unbind(node.predicate).Bind(*input->schema));
      return copy;
    }
    case PlanKind::kProject: {
      Names below;
      copy->exprs.clear();
      arrow::FieldVector fields;
      for (size_t i = 0; i < node.exprs.size(); ++i) {
        const auto& field = node.schema->field(static_cast<int>(i));
        if (required.count(field->name()) == 0) continue;
        copy->exprs.push_back(Unbind(node.exprs[i]));
        fields.push_back(field);
        for (const std::string& f : FieldsOf(node.exprs[i])) below.insert(f);
      }
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      copy->schema = arrow::schema(fields);
      for (auto& expr : copy->exprs) {
        ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*input->schema));
      }
      return copy;
    }
    case PlanKind::kAggregate: {
      Names below(node.group_keys.begin(), node.group_keys.end());
      for (const AggregateCall& call : node.aggregates) {
        if (!call.input.empty()) below.insert(call.input);
      }
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      return copy;
    }
    case PlanKind::kJoin: {
      Names below = required;
      for (const std::string& k : node.left_keys) below.insert(k);
      for (const std::string& k : node.right_keys) below.insert(k);
      for (const std::string& f : FieldsOf(node.residual)) below.insert(f);
      ARROW_ASSIGN_OR_RAISE(PlanPtr left, Prune(node.inputs[0], below));
      ARROW_ASSIGN_OR_RAISE(PlanPtr right, Prune(node.inputs[1], below));
      copy->inputs = {left, right};
      arrow::FieldVector all = left->schema->fields();
      for (const auto& f : right->schema->fields()) all.push_back(f);
      ARROW_ASSIGN_OR_RAISE(copy->residual,
                            Unbind(node.residual).Bind(arrow::Schema(all)));
      arrow::FieldVector out;
      for (const auto& f : node.schema->fields()) {
        if (arrow::Schema(all).GetFieldIndex(f->name()) >= 0) out.push_back(f);
      }
      copy->schema = arrow::schema(out);
      return copy;
    }
    case PlanKind::kSort: {
      Names below = required;
      for (const SortField& key : node.sort_fields) below.insert(key.field);
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      copy->schema = input->schema;
      return copy;
    }
    case PlanKind::kLimit: {
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], required));
      copy->inputs = {input};
      copy->schema = input->schema;
      return copy;
    }
    case PlanKind::kUnion: {
      // Every input must keep the same columns.
      Names keep;
      for (const auto& f : node.schema->fields()) {
        if (required.count(f->name()) != 0) keep.insert(f->name());
      }
      if (keep.empty() && node.schema->num_fields() > 0) {
        keep.insert(node.schema->field(0)->name());
      }
      copy->inputs.clear();
      for (const PlanPtr& input : node.inputs) {
        ARROW_ASSIGN_OR_RAISE(PlanPtr pruned, Prune(input, keep));
        copy->inputs.push_back(pruned);
      }
      copy->schema = copy->inputs[0]->schema;
      return copy;
    }
    case PlanKind::kOver: {
      Names below;
      for (const auto& f : node.inputs[0]->schema->fields()) {
        if (required.count(f->name()) != 0) below.insert(f->name());
      }
      for (const std::string& k : node.over.partition_keys) below.insert(k);
      for (const SortField& k : node.over.order) below.insert(k.field);
      for (const OverCall& call : node.over_calls) {
        if (!call.input.empty()) below.insert(call.input);
      }
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      arrow::FieldVector fields = input->schema->fields();
      const int width = node.schema->num_fields();
      const int calls = static_cast<int>(node.over_calls.size());
      for (int i = width - calls; i < width; ++i) fields.push_back(node.schema->field(i));
      copy->schema = arrow::schema(fields);
      return copy;
    }
    case PlanKind::kRank: {
      Names below;
      for (const auto& f : node.inputs[0]->schema->fields()) {
        if (required.count(f->name()) != 0) below.insert(f->name());
      }
      for (const std::string& k : node.over.partition_keys) below.insert(k);
      for (const SortField& k : node.over.order) below.insert(k.field);
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      arrow::FieldVector fields = input->schema->fields();
      // Without a reader of the rank, it is not an output (Flink's Rank then only
      // inserts and deletes rows entering and leaving the range).
      copy->rank.output_rank =
          node.rank.output_rank && required.count(node.rank.field) != 0;
      if (copy->rank.output_rank) {
        fields.push_back(node.schema->field(node.schema->num_fields() - 1));
      }
      copy->schema = arrow::schema(fields);
      return copy;
    }
    case PlanKind::kCorrelate: {
      Names below;
      for (const auto& f : node.inputs[0]->schema->fields()) {
        if (required.count(f->name()) != 0) below.insert(f->name());
      }
      for (const cp::Expression& arg : node.exprs) {
        for (const std::string& f : FieldsOf(arg)) below.insert(f);
      }
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      copy->exprs.clear();
      for (const cp::Expression& arg : node.exprs) {
        ARROW_ASSIGN_OR_RAISE(auto bound, Unbind(arg).Bind(*input->schema));
        copy->exprs.push_back(std::move(bound));
      }
      arrow::FieldVector fields = input->schema->fields();
      for (const std::string& name : CorrelateColumnNames(node)) {
        fields.push_back(node.schema->GetFieldByName(name));
      }
      copy->schema = arrow::schema(fields);
      return copy;
    }
    case PlanKind::kWindowTvf: {
      Names below;
      for (const auto& f : node.inputs[0]->schema->fields()) {
        if (required.count(f->name()) != 0) below.insert(f->name());
      }
      below.insert(node.window.time_field);
      ARROW_ASSIGN_OR_RAISE(PlanPtr input, Prune(node.inputs[0], below));
      copy->inputs = {input};
      arrow::FieldVector fields = input->schema->fields();
      const int width = node.schema->num_fields();
      for (int i = width - 3; i < width; ++i) fields.push_back(node.schema->field(i));
      copy->schema = arrow::schema(fields);
      return copy;
    }
  }
  return plan;
}

}  // namespace

arrow::compute::Expression UnbindExpression(const arrow::compute::Expression& expr) {
  return Unbind(expr);
}

PlanPtr OptimizePlan(const PlanPtr& plan, const OptimizerOptions& options) {
  PlanPtr pushed = PushFilters(plan, {});
  CardinalityEstimator estimator(options.statistics);
  // Ordering joins may leave conditions of one input above it: push them again.
  pushed = PushFilters(OrderJoins(pushed, &estimator, options.join_reorder), {});
  if (options.runtime_filters) pushed = PlanRuntimeFilters(pushed);
  pushed = RecognizeRank(pushed);
  Names all;
  for (const auto& f : pushed->schema->fields()) all.insert(f->name());
  auto pruned = Prune(pushed, all);
  return pruned.ok() ? *pruned : pushed;
}

}  // namespace weir::sql
