#include "weir/sql/planner.h"

#include <algorithm>
#include <map>
#include <set>

#include <arrow/array/builder_base.h>
#include <arrow/array/util.h>
#include <arrow/compute/api_aggregate.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/sql/aggregate_functions.h"
#include "weir/sql/diagnostic.h"
#include "weir/sql/expression_binder.h"
#include "weir/sql/suggest.h"
#include "weir/sql/table_functions.h"
#include "weir/sql/type_unify.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;
using TypePtr = std::shared_ptr<arrow::DataType>;

// A column visible in a FROM scope.
struct ScopeColumn {
  std::string qualifier;  // table name or alias (empty for derived columns)
  std::string name;       // visible name
  std::string field;      // internal unique name in the plan
  TypePtr type;
};

struct Relation {
  PlanPtr plan;
  std::vector<ScopeColumn> scope;
};

bool NameMatches(const Identifier& id, const std::string& name) {
  return id.quoted ? id.name == name : EqualsIgnoreCase(id.name, name);
}

void SplitConjuncts(const ExprPtr& expr, std::vector<ExprPtr>* out) {
  if (expr->kind() == ExprKind::kBinary) {
    const auto& binary = static_cast<const BinaryExpr&>(*expr);
    if (binary.op() == BinaryOp::kAnd) {
      SplitConjuncts(binary.left(), out);
      SplitConjuncts(binary.right(), out);
      return;
    }
  }
  out->push_back(expr);
}

// Collects aggregate calls (not descending into subqueries or other aggregates).
void CollectAggregates(const ExprPtr& expr, std::vector<const FunctionCallExpr*>* out) {
  if (expr == nullptr) return;
  switch (expr->kind()) {
    case ExprKind::kFunctionCall: {
      const auto& call = static_cast<const FunctionCallExpr&>(*expr);
      if (IsAggregateFunction(call.name().name)) {
        out->push_back(&call);
        return;
      }
      for (const ExprPtr& arg : call.args()) CollectAggregates(arg, out);
      return;
    }
    case ExprKind::kUnary:
      CollectAggregates(static_cast<const UnaryExpr&>(*expr).operand(), out);
      return;
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(*expr);
      CollectAggregates(b.left(), out);
      CollectAggregates(b.right(), out);
      return;
    }
    case ExprKind::kIs:
      CollectAggregates(static_cast<const IsExpr&>(*expr).operand(), out);
      return;
    case ExprKind::kIn: {
      const auto& in = static_cast<const InExpr&>(*expr);
      CollectAggregates(in.operand(), out);
      for (const ExprPtr& item : in.list()) CollectAggregates(item, out);
      return;
    }
    case ExprKind::kBetween: {
      const auto& b = static_cast<const BetweenExpr&>(*expr);
      CollectAggregates(b.operand(), out);
      CollectAggregates(b.low(), out);
      CollectAggregates(b.high(), out);
      return;
    }
    case ExprKind::kLike: {
      const auto& l = static_cast<const LikeExpr&>(*expr);
      CollectAggregates(l.operand(), out);
      CollectAggregates(l.pattern(), out);
      return;
    }
    case ExprKind::kCast:
      CollectAggregates(static_cast<const CastExpr&>(*expr).operand(), out);
      return;
    case ExprKind::kCase: {
      const auto& c = static_cast<const CaseExpr&>(*expr);
      CollectAggregates(c.operand(), out);
      for (const CaseExpr::Arm& arm : c.arms()) {
        CollectAggregates(arm.when, out);
        CollectAggregates(arm.then, out);
      }
      CollectAggregates(c.otherwise(), out);
      return;
    }
    case ExprKind::kIndex: {
      const auto& i = static_cast<const IndexExpr&>(*expr);
      CollectAggregates(i.base(), out);
      CollectAggregates(i.index(), out);
      return;
    }
    case ExprKind::kSubquery:
      CollectAggregates(static_cast<const SubqueryExpr&>(*expr).operand(), out);
      return;
    default:
      return;
  }
}

std::shared_ptr<PlanNode> NewNode(PlanKind kind, std::vector<PlanPtr> inputs) {
  auto node = std::make_shared<PlanNode>();
  node->kind = kind;
  node->inputs = std::move(inputs);
  return node;
}

}  // namespace

struct Planner::Impl {
  const Catalog& catalog;
  std::shared_ptr<const std::string> script;
  PlanExecutor executor;
  int next_id = 0;
  // CTEs in scope, innermost last.
  std::vector<std::map<std::string, std::pair<const CommonTable*, std::string>>> ctes;
  // The scope of the enclosing query while planning a subquery (for messages).
  std::vector<const std::vector<ScopeColumn>*> outer_scopes;

  std::string_view source() const { return *script; }

  std::string NewField(const std::string& visible) {
    return fmt::format("{}#{}", visible, next_id++);
  }

  arrow::Status ErrorAtPos(const SourcePosition& position, const std::string& what,
                           const std::string& detail) const {
    return ErrorAt(source(), position, what, detail);
  }

  // ---- name resolution ----

  arrow::Result<ResolvedColumn> Resolve(const ColumnRefExpr& ref,
                                        const std::vector<ScopeColumn>& scope) const {
    const std::vector<Identifier>& path = ref.path();
    const ScopeColumn* found = nullptr;
    size_t consumed = 0;
    auto search = [&](const Identifier* qualifier,
                      const Identifier& name) -> arrow::Result<const ScopeColumn*> {
      const ScopeColumn* match = nullptr;
      for (int pass = 0; pass < 2 && match == nullptr; ++pass) {
        for (const ScopeColumn& column : scope) {
          if (qualifier != nullptr && !NameMatches(*qualifier, column.qualifier))
            continue;
          bool ok = pass == 0
                        ? column.name == name.name
                        : (!name.quoted && EqualsIgnoreCase(column.name, name.name));
          if (!ok) continue;
          if (match != nullptr && match->field != column.field) {
            return ErrorAtPos(
                name.position, "ambiguous column",
                fmt::format(": '{}' is a column of both {} and {}; "
                            "qualify it",
                            name.name,
                            match->qualifier.empty() ? "a subquery" : match->qualifier,
                            column.qualifier.empty() ? "a subquery" : column.qualifier));
          }
          match = &column;
        }
      }
      return match;
    };
    if (path.size() >= 2) {
      ARROW_ASSIGN_OR_RAISE(found, search(&path[0], path[1]));
      if (found != nullptr) consumed = 2;
    }
    if (found == nullptr) {
      ARROW_ASSIGN_OR_RAISE(found, search(nullptr, path[0]));
      if (found != nullptr) consumed = 1;
    }
    if (found == nullptr) {
      std::vector<std::string> names;
      for (const ScopeColumn& column : scope) names.push_back(column.name);
      for (const auto* outer : outer_scopes) {
        for (const ScopeColumn& column : *outer) {
          if (NameMatches(path.back(), column.name) ||
              (path.size() >= 2 && NameMatches(path[0], column.qualifier))) {
            return ErrorAtPos(ref.position(), "unsupported subquery",
                              fmt::format(": '{}' refers to the enclosing query; "
                                          "correlated subqueries other than EXISTS/IN "
                                          "with equality conditions are not supported "
                                          "yet",
                                          ref.DottedName()));
          }
        }
      }
      return ErrorAtPos(ref.position(),
                        fmt::format("unknown column '{}'", ref.DottedName()),
                        DidYouMean(path.back().name, names));
    }
    ResolvedColumn resolved;
    std::vector<arrow::FieldRef> refs{arrow::FieldRef(found->field)};
    TypePtr type = found->type;
    for (size_t i = consumed; i < path.size(); ++i) {
      if (type->id() != arrow::Type::STRUCT) {
        return ErrorAtPos(path[i].position, "type error",
                          fmt::format(": '{}' has no field '{}': it is of type {}",
                                      path[i - 1].name, path[i].name, type->ToString()));
      }
      const auto& st = static_cast<const arrow::StructType&>(*type);
      int index = st.GetFieldIndex(path[i].name);
      if (index < 0 && !path[i].quoted) {
        for (int f = 0; f < st.num_fields(); ++f) {
          if (EqualsIgnoreCase(st.field(f)->name(), path[i].name)) index = f;
        }
      }
      if (index < 0) {
        std::vector<std::string> names;
        for (const auto& f : st.fields()) names.push_back(f->name());
        return ErrorAtPos(
            path[i].position,
            fmt::format("unknown field '{}' of '{}'", path[i].name, path[i - 1].name),
            DidYouMean(path[i].name, names));
      }
      refs.emplace_back(st.field(index)->name());
      type = st.field(index)->type();
    }
    resolved.ref = refs.size() == 1 ? refs[0] : arrow::FieldRef(std::move(refs));
    resolved.type = type;
    return resolved;
  }

  // Binds `expr` over `rel` with subqueries supported; `extra` may add hooks.
  arrow::Result<BoundExpr> Bind(const Expr& expr, const Relation& rel,
                                BindHooks hooks = {}) {
    if (!hooks.resolve_column) {
      hooks.resolve_column = [this, &rel](const ColumnRefExpr& ref) {
        return Resolve(ref, rel.scope);
      };
    }
    if (!hooks.subquery) {
      hooks.subquery = [this, &rel](const SubqueryExpr& sub,
                                    std::optional<TypedExpr> op) {
        return BindValueSubquery(sub, std::move(op), rel);
      };
    }
    if (!hooks.unknown_function) {
      hooks.unknown_function =
          [this](
              const FunctionCallExpr& call) -> arrow::Result<std::optional<TypedExpr>> {
        if (IsAggregateFunction(call.name().name)) {
          return ErrorAtPos(call.position(), "invalid aggregate",
                            fmt::format(": aggregate function {} is not allowed here "
                                        "(only in SELECT, HAVING and ORDER BY of a "
                                        "query with GROUP BY or aggregates)",
                                        call.name().name));
        }
        return std::optional<TypedExpr>();
      };
    }
    return BindWithHooks(expr, *rel.plan->schema, source(), hooks);
  }

  // ---- subqueries used as values ----

  arrow::Result<std::shared_ptr<arrow::Table>> RunSubquery(const SubqueryExpr& sub,
                                                           const Relation& rel) {
    if (!executor) {
      return ErrorAtPos(sub.position(), "unsupported subquery",
                        ": this subquery needs values at planning time, which this "
                        "context cannot provide");
    }
    outer_scopes.push_back(&rel.scope);
    auto planned = PlanQuery(*sub.query());
    outer_scopes.pop_back();
    ARROW_RETURN_NOT_OK(planned.status());
    if (planned->plan->schema->num_fields() != 1 &&
        sub.use() != SubqueryExpr::Use::kExists) {
      return ErrorAtPos(sub.position(), "invalid subquery",
                        fmt::format(": the subquery must return one column but returns "
                                    "{}",
                                    planned->plan->schema->num_fields()));
    }
    return executor(OptimizePlan(planned->plan));
  }

  arrow::Result<TypedExpr> BindValueSubquery(const SubqueryExpr& sub,
                                             std::optional<TypedExpr> operand,
                                             const Relation& rel) {
    ARROW_ASSIGN_OR_RAISE(auto table, RunSubquery(sub, rel));
    switch (sub.use()) {
      case SubqueryExpr::Use::kExists: {
        bool exists = table->num_rows() > 0;
        return MakeConstant(
            std::make_shared<arrow::BooleanScalar>(exists != sub.negated()), &sub);
      }
      case SubqueryExpr::Use::kScalar: {
        if (table->num_rows() > 1) {
          return ErrorAtPos(sub.position(), "invalid subquery",
                            fmt::format(": a scalar subquery returned {} rows; it must "
                                        "return at most one",
                                        table->num_rows()));
        }
        std::shared_ptr<arrow::Scalar> value;
        if (table->num_rows() == 0) {
          value = arrow::MakeNullScalar(table->schema()->field(0)->type());
        } else {
          ARROW_ASSIGN_OR_RAISE(value, table->column(0)->GetScalar(0));
        }
        return MakeConstant(value, &sub);
      }
      case SubqueryExpr::Use::kIn: {
        // x IN (values): is_in over the distinct values, with SQL's NULL rules: no
        // match and a NULL among the values gives NULL.
        TypedExpr lhs = *operand;
        TypePtr target = ValueType(lhs.type);
        ARROW_ASSIGN_OR_RAISE(auto combined, table->CombineChunks());
        std::shared_ptr<arrow::Array> values = combined->column(0)->chunk(0);
        if (combined->column(0)->num_chunks() == 0) {
          ARROW_ASSIGN_OR_RAISE(values, arrow::MakeEmptyArray(target));
        }
        if (!values->type()->Equals(*target)) {
          auto common = CommonType(target, values->type());
          if (!common.ok()) {
            return ErrorAtPos(sub.position(), "type error",
                              fmt::format(": cannot compare {} with the subquery's {}",
                                          Describe(lhs), values->type()->ToString()));
          }
          ARROW_ASSIGN_OR_RAISE(auto cast, cp::Cast(values, *common));
          values = cast.make_array();
          if (!target->Equals(**common)) {
            lhs.expr = cp::call("cast", {lhs.expr}, cp::CastOptions::Safe(*common));
            lhs.type = *common;
          }
        }
        auto options = std::make_shared<cp::SetLookupOptions>(
            values, cp::SetLookupOptions::INCONCLUSIVE);
        TypedExpr result;
        result.expr = cp::call("is_in", {lhs.expr}, options);
        result.type = arrow::boolean();
        result.node = &sub;
        if (sub.negated()) {
          result.expr = cp::call("invert", {result.expr});
        }
        return result;
      }
    }
    return arrow::Status::Invalid("unknown subquery use");
  }

  // ---- FROM ----

  arrow::Result<Relation> ScanTable(std::shared_ptr<const CatalogTable> table,
                                    const std::string& qualifier) {
    auto node = NewNode(PlanKind::kScan, {});
    node->table = table;
    arrow::FieldVector fields;
    Relation rel;
    for (const CatalogColumn& column : table->columns) {
      if (column.computed) continue;
      std::string field = NewField(column.name);
      node->scan_columns.push_back(column.name);
      fields.push_back(arrow::field(field, column.type, column.nullable));
      rel.scope.push_back({qualifier, column.name, field, column.type});
    }
    node->schema = arrow::schema(fields);
    rel.plan = node;
    bool has_computed = std::any_of(table->columns.begin(), table->columns.end(),
                                    [](const CatalogColumn& c) { return c.computed; });
    if (!has_computed) return rel;
    // Computed columns: a projection over the physical ones.
    auto project = NewNode(PlanKind::kProject, {rel.plan});
    arrow::FieldVector out_fields = fields;
    std::vector<ScopeColumn> scope = rel.scope;
    for (const auto& f : fields) project->exprs.push_back(cp::field_ref(f->name()));
    for (const CatalogColumn& column : table->columns) {
      if (!column.computed) continue;
      Relation physical{rel.plan, rel.scope};
      auto bound = BindWithHooks(*column.computed, *rel.plan->schema, *table->script,
                                 BindHooks{nullptr,
                                           [this, &physical](const ColumnRefExpr& ref) {
                                             return Resolve(ref, physical.scope);
                                           },
                                           nullptr, nullptr});
      ARROW_RETURN_NOT_OK(bound.status());
      std::string field = NewField(column.name);
      project->exprs.push_back(bound->expr);
      out_fields.push_back(arrow::field(field, bound->type));
      scope.push_back({qualifier, column.name, field, bound->type});
    }
    project->schema = arrow::schema(out_fields);
    return Relation{project, scope};
  }

  arrow::Result<Relation> PlanTableRef(const TableRef& ref) {
    ARROW_ASSIGN_OR_RAISE(Relation rel, PlanTableRefUnaliased(ref));
    if (ref.column_aliases.empty()) return rel;
    if (ref.column_aliases.size() != rel.scope.size()) {
      return ErrorAtPos(ref.column_aliases.front().position, "invalid alias",
                        fmt::format(": {} column names for {} columns",
                                    ref.column_aliases.size(), rel.scope.size()));
    }
    for (size_t i = 0; i < rel.scope.size(); ++i)
      rel.scope[i].name = ref.column_aliases[i].name;
    return rel;
  }

  arrow::Result<Relation> PlanTableRefUnaliased(const TableRef& ref) {
    switch (ref.kind) {
      case TableRef::Kind::kNamed: {
        ARROW_ASSIGN_OR_RAISE(std::string name, CatalogName(ref.name));
        std::string qualifier = ref.alias ? ref.alias->name : name;
        if (ref.name.size() == 1) {
          for (auto it = ctes.rbegin(); it != ctes.rend(); ++it) {
            auto found = it->end();
            for (auto entry = it->begin(); entry != it->end(); ++entry) {
              if (EqualsIgnoreCase(entry->first, name)) found = entry;
            }
            if (found == it->end()) continue;
            const CommonTable* cte = found->second.first;
            // A CTE only sees the CTEs defined before it.
            ARROW_ASSIGN_OR_RAISE(PlannedQuery planned, PlanQuery(*cte->query));
            std::vector<std::string> names = planned.column_names;
            if (!cte->columns.empty()) {
              if (cte->columns.size() != names.size()) {
                return ErrorAtPos(cte->name.position, "invalid WITH query",
                                  fmt::format(": {} column names for {} columns",
                                              cte->columns.size(), names.size()));
              }
              for (size_t i = 0; i < names.size(); ++i) names[i] = cte->columns[i].name;
            }
            return Derived(planned.plan, names, qualifier);
          }
        }
        if (auto view = catalog.FindView(name)) {
          ARROW_ASSIGN_OR_RAISE(PlannedQuery planned, PlanViewQuery(*view));
          return Derived(planned.plan, planned.column_names, qualifier);
        }
        auto table = catalog.FindTable(name);
        if (table == nullptr) {
          std::vector<std::string> names = catalog.TableNames();
          for (const std::string& v : catalog.ViewNames()) names.push_back(v);
          for (const auto& level : ctes) {
            for (const auto& entry : level) names.push_back(entry.first);
          }
          return ErrorAtPos(ref.position, fmt::format("unknown table '{}'", name),
                            DidYouMean(name, names));
        }
        return ScanTable(table, qualifier);
      }
      case TableRef::Kind::kFunction: {
        ARROW_ASSIGN_OR_RAISE(std::shared_ptr<const CatalogTable> table,
                              ResolveTableFunction(ref, source()));
        return ScanTable(table, ref.alias ? ref.alias->name : table->name);
      }
      case TableRef::Kind::kSubquery: {
        ARROW_ASSIGN_OR_RAISE(PlannedQuery planned, PlanQuery(*ref.query));
        return Derived(planned.plan, planned.column_names,
                       ref.alias ? ref.alias->name : "");
      }
      case TableRef::Kind::kJoin:
        return PlanJoin(ref);
    }
    return arrow::Status::Invalid("unknown FROM item");
  }

  arrow::Result<PlannedQuery> PlanViewQuery(const CatalogView& view) {
    auto saved = script;
    script = view.script;
    auto planned = PlanQuery(*view.query);
    script = saved;
    ARROW_RETURN_NOT_OK(planned.status());
    if (!view.column_names.empty()) planned->column_names = view.column_names;
    return planned;
  }

  // Re-exposes a planned query's columns under a qualifier.
  Relation Derived(const PlanPtr& plan, const std::vector<std::string>& names,
                   const std::string& qualifier) {
    Relation rel;
    rel.plan = plan;
    for (int i = 0; i < plan->schema->num_fields(); ++i) {
      const auto& field = plan->schema->field(i);
      rel.scope.push_back({qualifier, names[i], field->name(), field->type()});
    }
    return rel;
  }

  // Which side of a join an expression refers to: bit 1 left, bit 2 right.
  int Sides(const cp::Expression& expr, const arrow::Schema& left,
            const arrow::Schema& right) {
    int sides = 0;
    for (const arrow::FieldRef& ref : cp::FieldsInExpression(expr)) {
      const std::string* name = ref.name();
      if (name == nullptr && ref.nested_refs() != nullptr) {
        name = ref.nested_refs()->front().name();
      }
      if (name == nullptr) continue;
      if (left.GetFieldIndex(*name) >= 0) sides |= 1;
      if (right.GetFieldIndex(*name) >= 0) sides |= 2;
    }
    return sides;
  }

  // Adds computed key columns to a side when a key is not a plain column.
  static std::string KeyField(const cp::Expression& expr) {
    if (const arrow::FieldRef* ref = expr.field_ref()) {
      if (ref->name() != nullptr) return *ref->name();
    }
    return "";
  }

  arrow::Result<Relation> PlanJoin(const TableRef& ref) {
    ARROW_ASSIGN_OR_RAISE(Relation left, PlanTableRef(*ref.left));
    ARROW_ASSIGN_OR_RAISE(Relation right, PlanTableRef(*ref.right));
    Relation both;
    both.scope = left.scope;
    both.scope.insert(both.scope.end(), right.scope.begin(), right.scope.end());
    arrow::FieldVector fields = left.plan->schema->fields();
    for (const auto& f : right.plan->schema->fields()) fields.push_back(f);
    auto combined_schema = arrow::schema(fields);
    PlanJoinType type = PlanJoinType::kInner;
    switch (ref.join) {
      case JoinKind::kLeft:
        type = PlanJoinType::kLeft;
        break;
      case JoinKind::kRight:
        type = PlanJoinType::kRight;
        break;
      case JoinKind::kFull:
        type = PlanJoinType::kFull;
        break;
      default:
        break;
    }
    std::vector<ExprPtr> conjuncts;
    std::vector<std::pair<cp::Expression, cp::Expression>> keys;
    std::vector<cp::Expression> residual;
    if (!ref.using_columns.empty()) {
      for (const Identifier& column : ref.using_columns) {
        auto l = Resolve(ColumnRefExpr({column}), left.scope);
        auto r = Resolve(ColumnRefExpr({column}), right.scope);
        if (!l.ok() || !r.ok()) {
          return ErrorAtPos(
              column.position, "invalid USING",
              fmt::format(": column '{}' must exist on both sides", column.name));
        }
        keys.emplace_back(cp::field_ref(l->ref), cp::field_ref(r->ref));
      }
    } else if (ref.condition) {
      SplitConjuncts(ref.condition, &conjuncts);
    }
    // A dummy relation to bind ON conditions over both sides.
    auto placeholder = NewNode(PlanKind::kValues, {});
    placeholder->schema = combined_schema;
    both.plan = placeholder;
    for (const ExprPtr& conjunct : conjuncts) {
      if (conjunct->kind() == ExprKind::kBinary &&
          static_cast<const BinaryExpr&>(*conjunct).op() == BinaryOp::kEqual) {
        const auto& eq = static_cast<const BinaryExpr&>(*conjunct);
        Relation left_only{both.plan, left.scope};
        Relation right_only{both.plan, right.scope};
        auto a_left = Bind(*eq.left(), left_only);
        auto b_right = Bind(*eq.right(), right_only);
        if (a_left.ok() && b_right.ok()) {
          ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*a_left, *b_right, *conjunct));
          keys.push_back(pair);
          continue;
        }
        auto a_right = Bind(*eq.left(), right_only);
        auto b_left = Bind(*eq.right(), left_only);
        if (a_right.ok() && b_left.ok()) {
          ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*b_left, *a_right, *conjunct));
          keys.push_back(pair);
          continue;
        }
      }
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*conjunct, both));
      if (bound.type->id() != arrow::Type::BOOL && bound.type->id() != arrow::Type::NA) {
        return ErrorAtPos(StartPosition(*conjunct), "type error",
                          ": a join condition must be boolean");
      }
      residual.push_back(bound.expr);
    }
    return MakeJoin(std::move(left), std::move(right), type, keys, residual, false);
  }

  arrow::Result<std::pair<cp::Expression, cp::Expression>> UnifyKeys(
      const BoundExpr& left, const BoundExpr& right, const Expr& node) {
    auto common = CommonType(left.type, right.type);
    if (!common.ok()) {
      return ErrorAtPos(node.position(), "type error",
                        fmt::format(": cannot compare {} with {} in a join",
                                    left.type->ToString(), right.type->ToString()));
    }
    auto convert = [&](const BoundExpr& side) {
      if (ValueType(side.type)->Equals(**common)) return side.expr;
      return cp::call("cast", {side.expr}, cp::CastOptions::Safe(*common));
    };
    return std::make_pair(convert(left), convert(right));
  }

  // Builds a join; non-column keys become computed columns of their side.
  arrow::Result<Relation> MakeJoin(
      Relation left, Relation right, PlanJoinType type,
      const std::vector<std::pair<cp::Expression, cp::Expression>>& keys,
      const std::vector<cp::Expression>& residual, bool null_equal) {
    std::vector<std::string> left_keys, right_keys;
    std::vector<cp::Expression> extra_left, extra_right;
    for (const auto& [l, r] : keys) {
      std::string lf = KeyField(l);
      std::string rf = KeyField(r);
      if (lf.empty()) {
        lf = NewField("key");
        extra_left.push_back(l);
      }
      if (rf.empty()) {
        rf = NewField("key");
        extra_right.push_back(r);
      }
      left_keys.push_back(lf);
      right_keys.push_back(rf);
    }
    // Without keys (cross joins, non-equi conditions) both sides get a constant key.
    if (keys.empty()) {
      left_keys.push_back(NewField("true"));
      right_keys.push_back(NewField("true"));
      extra_left.push_back(cp::literal(true));
      extra_right.push_back(cp::literal(true));
    }
    auto add_keys = [&](Relation& side, const std::vector<std::string>& key_names,
                        const std::vector<cp::Expression>& extra) -> arrow::Status {
      if (extra.empty()) return arrow::Status::OK();
      auto project = NewNode(PlanKind::kProject, {side.plan});
      arrow::FieldVector fields = side.plan->schema->fields();
      for (const auto& f : fields) project->exprs.push_back(cp::field_ref(f->name()));
      size_t e = 0;
      for (const std::string& name : key_names) {
        if (side.plan->schema->GetFieldIndex(name) >= 0) continue;
        ARROW_ASSIGN_OR_RAISE(auto bound, extra[e].Bind(*side.plan->schema));
        project->exprs.push_back(bound);
        fields.push_back(arrow::field(name, bound.type()->GetSharedPtr()));
        ++e;
      }
      project->schema = arrow::schema(fields);
      side.plan = project;
      return arrow::Status::OK();
    };
    ARROW_RETURN_NOT_OK(add_keys(left, left_keys, extra_left));
    ARROW_RETURN_NOT_OK(add_keys(right, right_keys, extra_right));
    auto join = NewNode(PlanKind::kJoin, {left.plan, right.plan});
    join->join_type = type;
    join->left_keys = left_keys;
    join->right_keys = right_keys;
    join->null_equal_keys = null_equal;
    arrow::FieldVector fields = left.plan->schema->fields();
    bool keep_right = type != PlanJoinType::kSemi && type != PlanJoinType::kAnti;
    if (keep_right) {
      for (const auto& f : right.plan->schema->fields()) fields.push_back(f);
    }
    // Outer joins make the other side's columns nullable.
    for (auto& f : fields) f = f->WithNullable(true);
    join->schema = arrow::schema(fields);
    if (!residual.empty()) {
      cp::Expression condition = cp::and_(residual);
      arrow::FieldVector all = left.plan->schema->fields();
      for (const auto& f : right.plan->schema->fields()) all.push_back(f);
      ARROW_ASSIGN_OR_RAISE(join->residual, condition.Bind(arrow::Schema(all)));
    }
    Relation rel;
    rel.plan = join;
    rel.scope = left.scope;
    if (keep_right)
      rel.scope.insert(rel.scope.end(), right.scope.begin(), right.scope.end());
    return rel;
  }

  // ---- WHERE ----

  arrow::Result<Relation> PlanWhere(Relation rel, const ExprPtr& where) {
    std::vector<ExprPtr> conjuncts;
    SplitConjuncts(where, &conjuncts);
    std::vector<cp::Expression> filters;
    for (const ExprPtr& conjunct : conjuncts) {
      // x IN (SELECT …) and EXISTS (SELECT …) as top-level conjuncts: semi joins.
      const Expr* node = conjunct.get();
      bool negated = false;
      if (node->kind() == ExprKind::kUnary &&
          static_cast<const UnaryExpr*>(node)->op() == UnaryOp::kNot &&
          static_cast<const UnaryExpr*>(node)->operand()->kind() == ExprKind::kSubquery) {
        negated = true;
        node = static_cast<const UnaryExpr*>(node)->operand().get();
      }
      if (node->kind() == ExprKind::kSubquery) {
        const auto& sub = static_cast<const SubqueryExpr&>(*node);
        bool anti = negated != sub.negated();
        if (sub.use() == SubqueryExpr::Use::kIn && !anti) {
          ARROW_ASSIGN_OR_RAISE(rel, PlanInSemiJoin(std::move(rel), sub));
          continue;
        }
        if (sub.use() == SubqueryExpr::Use::kExists) {
          auto correlated = PlanExistsJoin(rel, sub, anti);
          if (correlated.ok()) {
            rel = std::move(*correlated);
            continue;
          }
          if (!correlated.status().IsNotImplemented()) return correlated.status();
        }
      }
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*conjunct, rel));
      if (bound.type->id() != arrow::Type::BOOL && bound.type->id() != arrow::Type::NA) {
        return ErrorAtPos(StartPosition(*conjunct), "type error",
                          fmt::format(": WHERE needs a boolean condition but this is {}",
                                      bound.type->ToString()));
      }
      filters.push_back(bound.expr);
    }
    if (filters.empty()) return rel;
    auto filter = NewNode(PlanKind::kFilter, {rel.plan});
    ARROW_ASSIGN_OR_RAISE(filter->predicate, cp::and_(filters).Bind(*rel.plan->schema));
    filter->schema = rel.plan->schema;
    rel.plan = filter;
    return rel;
  }

  arrow::Result<Relation> PlanInSemiJoin(Relation rel, const SubqueryExpr& sub) {
    ARROW_ASSIGN_OR_RAISE(BoundExpr lhs, Bind(*sub.operand(), rel));
    outer_scopes.push_back(&rel.scope);
    auto planned = PlanQuery(*sub.query());
    outer_scopes.pop_back();
    ARROW_RETURN_NOT_OK(planned.status());
    if (planned->plan->schema->num_fields() != 1) {
      return ErrorAtPos(sub.position(), "invalid subquery",
                        ": the IN subquery must return one column");
    }
    Relation right = Derived(planned->plan, planned->column_names, "");
    BoundExpr rhs{cp::field_ref(planned->plan->schema->field(0)->name()),
                  planned->plan->schema->field(0)->type()};
    ARROW_ASSIGN_OR_RAISE(auto keys, UnifyKeys(lhs, rhs, sub));
    return MakeJoin(std::move(rel), std::move(right), PlanJoinType::kSemi, {keys}, {},
                    false);
  }

  // EXISTS (SELECT … FROM t WHERE t.a = outer.b AND …): a semi (anti for NOT
  // EXISTS) join on the equality conditions that refer to the outer query.
  arrow::Result<Relation> PlanExistsJoin(const Relation& outer, const SubqueryExpr& sub,
                                         bool anti) {
    const Query& query = *sub.query();
    if (query.kind != Query::Kind::kSelect || query.select.from == nullptr ||
        !query.select.group_by.empty() || query.select.having || query.limit ||
        !query.with.empty()) {
      return arrow::Status::NotImplemented("not a simple correlated EXISTS");
    }
    ARROW_ASSIGN_OR_RAISE(Relation inner, PlanTableRef(*query.select.from));
    std::vector<ExprPtr> conjuncts;
    if (query.select.where) SplitConjuncts(query.select.where, &conjuncts);
    std::vector<std::pair<cp::Expression, cp::Expression>> keys;
    std::vector<cp::Expression> residual;
    std::vector<ExprPtr> local;
    Relation outer_only{outer.plan, outer.scope};
    auto placeholder = NewNode(PlanKind::kValues, {});
    arrow::FieldVector all = outer.plan->schema->fields();
    for (const auto& f : inner.plan->schema->fields()) all.push_back(f);
    placeholder->schema = arrow::schema(all);
    Relation combined{placeholder, outer.scope};
    combined.scope.insert(combined.scope.end(), inner.scope.begin(), inner.scope.end());
    for (const ExprPtr& conjunct : conjuncts) {
      if (Bind(*conjunct, inner).ok()) {
        local.push_back(conjunct);
        continue;
      }
      if (conjunct->kind() == ExprKind::kBinary &&
          static_cast<const BinaryExpr&>(*conjunct).op() == BinaryOp::kEqual) {
        const auto& eq = static_cast<const BinaryExpr&>(*conjunct);
        auto l_outer = Bind(*eq.left(), outer_only);
        auto r_inner = Bind(*eq.right(), inner);
        if (l_outer.ok() && r_inner.ok()) {
          ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*l_outer, *r_inner, *conjunct));
          keys.push_back(pair);
          continue;
        }
        auto l_inner = Bind(*eq.left(), inner);
        auto r_outer = Bind(*eq.right(), outer_only);
        if (l_inner.ok() && r_outer.ok()) {
          ARROW_ASSIGN_OR_RAISE(auto pair, UnifyKeys(*r_outer, *l_inner, *conjunct));
          keys.push_back(pair);
          continue;
        }
      }
      auto bound = Bind(*conjunct, combined);
      if (!bound.ok()) return bound.status();
      residual.push_back(bound->expr);
    }
    if (keys.empty() && residual.empty()) {
      return arrow::Status::NotImplemented("uncorrelated EXISTS");
    }
    if (!local.empty()) {
      // Local conditions filter the inner side before the join.
      ExprPtr where = local[0];
      for (size_t i = 1; i < local.size(); ++i) {
        where = std::make_shared<BinaryExpr>(local[i]->position(), BinaryOp::kAnd, where,
                                             local[i]);
      }
      ARROW_ASSIGN_OR_RAISE(inner, PlanWhere(std::move(inner), where));
    }
    return MakeJoin(outer, std::move(inner),
                    anti ? PlanJoinType::kAnti : PlanJoinType::kSemi, keys, residual,
                    false);
  }

  // ---- SELECT ----

  struct OutputColumn {
    std::string name;
    cp::Expression expr;
    TypePtr type;
    const Expr* source = nullptr;
  };

  arrow::Result<PlannedQuery> PlanSelect(const Query& query) {
    const SelectBlock& block = query.select;
    Relation rel;
    if (block.from) {
      ARROW_ASSIGN_OR_RAISE(rel, PlanTableRef(*block.from));
    } else {
      rel.plan = OneRow();
    }
    if (block.where) {
      ARROW_ASSIGN_OR_RAISE(rel, PlanWhere(std::move(rel), block.where));
    }
    std::vector<const FunctionCallExpr*> aggregates;
    for (const SelectItem& item : block.items) CollectAggregates(item.expr, &aggregates);
    CollectAggregates(block.having, &aggregates);
    for (const OrderItem& item : query.order_by)
      CollectAggregates(item.expr, &aggregates);
    bool grouped = !block.group_by.empty() || !aggregates.empty();

    BindHooks post_hooks;
    Relation post = rel;
    if (grouped) {
      ARROW_ASSIGN_OR_RAISE(post, PlanAggregate(rel, block, aggregates, &post_hooks));
    } else if (block.having) {
      return ErrorAtPos(StartPosition(*block.having), "invalid HAVING",
                        ": HAVING needs GROUP BY or aggregates");
    }
    if (block.having) {
      ARROW_ASSIGN_OR_RAISE(BoundExpr having, Bind(*block.having, post, post_hooks));
      auto filter = NewNode(PlanKind::kFilter, {post.plan});
      filter->predicate = having.expr;
      filter->schema = post.plan->schema;
      post.plan = filter;
    }

    // The SELECT list.
    std::vector<OutputColumn> outputs;
    int expr_counter = 0;
    for (const SelectItem& item : block.items) {
      if (item.star) {
        if (grouped) {
          return ErrorAtPos(item.position, "invalid *",
                            ": SELECT * is not allowed with GROUP BY or aggregates");
        }
        bool any = false;
        for (const ScopeColumn& column : post.scope) {
          if (!item.star_qualifier.empty() &&
              !EqualsIgnoreCase(item.star_qualifier, column.qualifier)) {
            continue;
          }
          any = true;
          outputs.push_back({column.name, cp::field_ref(column.field), column.type});
        }
        if (!any) {
          return ErrorAtPos(
              item.position, "invalid *",
              fmt::format(": no table named '{}' in FROM", item.star_qualifier));
        }
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*item.expr, post, post_hooks));
      std::string name;
      if (item.alias) {
        name = item.alias->name;
      } else if (item.expr->kind() == ExprKind::kColumnRef) {
        name = static_cast<const ColumnRefExpr&>(*item.expr).path().back().name;
      } else {
        name = fmt::format("EXPR${}", expr_counter);
      }
      ++expr_counter;
      outputs.push_back({name, bound.expr, bound.type, item.expr.get()});
    }

    // ORDER BY keys: output aliases or ordinals first, then expressions over the
    // query's scope (added as hidden columns).
    std::vector<SortField> sort_fields;
    std::vector<OutputColumn> hidden;
    std::vector<std::string> output_fields;
    for (const OutputColumn& out : outputs) output_fields.push_back(NewField(out.name));
    for (const OrderItem& item : query.order_by) {
      SortField key;
      key.descending = item.descending;
      key.nulls_first = item.nulls_first.value_or(!item.descending);
      int index = -1;
      if (item.expr->kind() == ExprKind::kLiteral &&
          static_cast<const LiteralExpr&>(*item.expr).literal_kind() ==
              LiteralKind::kInteger) {
        int64_t ordinal =
            std::get<int64_t>(static_cast<const LiteralExpr&>(*item.expr).value());
        if (ordinal < 1 || ordinal > static_cast<int64_t>(outputs.size())) {
          return ErrorAtPos(
              item.expr->position(), "invalid ORDER BY",
              fmt::format(": position {} is not in the SELECT list (1 to {})", ordinal,
                          outputs.size()));
        }
        index = static_cast<int>(ordinal - 1);
      } else if (item.expr->kind() == ExprKind::kColumnRef &&
                 static_cast<const ColumnRefExpr&>(*item.expr).path().size() == 1) {
        const Identifier& id = static_cast<const ColumnRefExpr&>(*item.expr).path()[0];
        for (size_t i = 0; i < outputs.size(); ++i) {
          if (NameMatches(id, outputs[i].name) && outputs[i].source != nullptr &&
              outputs[i].source->kind() != ExprKind::kColumnRef) {
            index = static_cast<int>(i);
            break;
          }
        }
      }
      if (index < 0) {
        for (size_t i = 0; i < outputs.size(); ++i) {
          if (outputs[i].source != nullptr &&
              outputs[i].source->ToString() == item.expr->ToString()) {
            index = static_cast<int>(i);
            break;
          }
        }
      }
      if (index < 0 && item.expr->kind() == ExprKind::kColumnRef &&
          static_cast<const ColumnRefExpr&>(*item.expr).path().size() == 1) {
        const Identifier& id = static_cast<const ColumnRefExpr&>(*item.expr).path()[0];
        for (size_t i = 0; i < outputs.size(); ++i) {
          if (NameMatches(id, outputs[i].name)) {
            index = static_cast<int>(i);
            break;
          }
        }
      }
      if (index >= 0) {
        key.field = output_fields[index];
      } else {
        if (block.distinct) {
          return ErrorAtPos(StartPosition(*item.expr), "invalid ORDER BY",
                            ": with SELECT DISTINCT, ORDER BY expressions must appear "
                            "in the SELECT list");
        }
        ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*item.expr, post, post_hooks));
        std::string field = NewField("order");
        hidden.push_back({field, bound.expr, bound.type, item.expr.get()});
        key.field = field;
      }
      sort_fields.push_back(key);
    }

    auto project = NewNode(PlanKind::kProject, {post.plan});
    arrow::FieldVector fields;
    for (size_t i = 0; i < outputs.size(); ++i) {
      project->exprs.push_back(outputs[i].expr);
      fields.push_back(arrow::field(output_fields[i], outputs[i].type));
    }
    for (const OutputColumn& extra : hidden) {
      project->exprs.push_back(extra.expr);
      fields.push_back(arrow::field(extra.name, extra.type));
    }
    project->schema = arrow::schema(fields);
    for (auto& expr : project->exprs) {
      ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*post.plan->schema));
    }
    PlanPtr plan = project;
    std::vector<std::string> names;
    for (const OutputColumn& out : outputs) names.push_back(out.name);
    if (block.distinct) {
      auto distinct = NewNode(PlanKind::kAggregate, {plan});
      for (const std::string& f : output_fields) distinct->group_keys.push_back(f);
      distinct->schema = plan->schema;
      plan = distinct;
    }
    if (!sort_fields.empty()) {
      auto sort = NewNode(PlanKind::kSort, {plan});
      sort->sort_fields = sort_fields;
      sort->schema = plan->schema;
      plan = sort;
    }
    plan = ApplyLimit(plan, query);
    if (!hidden.empty()) {
      auto drop = NewNode(PlanKind::kProject, {plan});
      arrow::FieldVector kept;
      for (size_t i = 0; i < outputs.size(); ++i) {
        drop->exprs.push_back(cp::field_ref(output_fields[i]));
        kept.push_back(plan->schema->field(static_cast<int>(i)));
      }
      drop->schema = arrow::schema(kept);
      for (auto& expr : drop->exprs) {
        ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*plan->schema));
      }
      plan = drop;
    }
    return PlannedQuery{plan, names};
  }

  PlanPtr ApplyLimit(PlanPtr plan, const Query& query) {
    if (!query.limit && query.offset == 0) return plan;
    auto limit = NewNode(PlanKind::kLimit, {plan});
    limit->limit = query.limit;
    limit->offset = query.offset;
    limit->schema = plan->schema;
    return limit;
  }

  PlanPtr OneRow() {
    auto values = NewNode(PlanKind::kValues, {});
    auto schema = arrow::schema(arrow::FieldVector{});
    values->values = arrow::Table::Make(schema, arrow::ChunkedArrayVector{}, 1);
    values->schema = schema;
    return values;
  }

  arrow::Result<Relation> PlanAggregate(const Relation& rel, const SelectBlock& block,
                                        const std::vector<const FunctionCallExpr*>& calls,
                                        BindHooks* post_hooks) {
    // Pre-projection: group keys and aggregate inputs as columns.
    auto pre = NewNode(PlanKind::kProject, {rel.plan});
    arrow::FieldVector pre_fields;
    std::vector<std::string> key_fields;
    std::vector<TypePtr> key_types;
    std::vector<std::string> key_texts;
    std::vector<std::string> key_columns;  // the field a plain column key refers to
    for (const ExprPtr& key : block.group_by) {
      ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*key, rel));
      std::string visible =
          key->kind() == ExprKind::kColumnRef
              ? static_cast<const ColumnRefExpr&>(*key).path().back().name
              : "key";
      std::string field = NewField(visible);
      pre->exprs.push_back(bound.expr);
      pre_fields.push_back(arrow::field(field, bound.type));
      key_fields.push_back(field);
      key_types.push_back(bound.type);
      key_texts.push_back(key->ToString());
      key_columns.push_back(KeyField(bound.expr));
    }
    auto agg = NewNode(PlanKind::kAggregate, {});
    agg->group_keys = key_fields;
    std::map<const Expr*, std::pair<std::string, TypePtr>> agg_outputs;
    std::map<std::string, std::string> input_fields;  // bound input text -> field
    std::map<std::string, TypePtr> kernel_types;      // output -> Arrow's result type
    for (const FunctionCallExpr* call : calls) {
      if (agg_outputs.count(call) != 0) continue;
      std::optional<BoundExpr> input;
      if (!call->star()) {
        if (call->args().size() != 1) {
          return ErrorAtPos(call->position(), "invalid call",
                            fmt::format(": {} takes one argument", call->name().name));
        }
        BindHooks no_nested;
        no_nested.unknown_function = [this](const FunctionCallExpr& inner)
            -> arrow::Result<std::optional<TypedExpr>> {
          if (IsAggregateFunction(inner.name().name)) {
            return ErrorAtPos(inner.position(), "invalid aggregate",
                              ": aggregate functions cannot be nested");
          }
          return std::optional<TypedExpr>();
        };
        ARROW_ASSIGN_OR_RAISE(input, Bind(*call->args()[0], rel, no_nested));
      }
      ARROW_ASSIGN_OR_RAISE(AggregatePlan plan,
                            PlanAggregateCall(*call, input ? input->type : nullptr,
                                              source(), !key_fields.empty()));
      std::string input_field;
      if (input) {
        std::string text = input->expr.ToString();
        auto found = input_fields.find(text);
        if (found != input_fields.end()) {
          input_field = found->second;
        } else {
          input_field = NewField("arg");
          input_fields[text] = input_field;
          pre->exprs.push_back(input->expr);
          pre_fields.push_back(arrow::field(input_field, input->type));
        }
      }
      std::string output = NewField(call->name().name);
      AggregateCall agg_call;
      agg_call.function = plan.function;
      agg_call.input = input_field;
      agg_call.options = plan.options;
      agg_call.output = output;
      agg_call.result_type = plan.cast_to;
      agg_call.display = call->ToString();
      agg->aggregates.push_back(agg_call);
      agg_outputs[call] = {output, plan.cast_to ? plan.cast_to : plan.result_type};
      kernel_types[output] = plan.result_type;
    }
    pre->schema = arrow::schema(pre_fields);
    for (auto& expr : pre->exprs) {
      ARROW_ASSIGN_OR_RAISE(expr, expr.Bind(*rel.plan->schema));
    }
    agg->inputs = {pre};
    arrow::FieldVector agg_fields;
    for (size_t i = 0; i < key_fields.size(); ++i) {
      agg_fields.push_back(arrow::field(key_fields[i], key_types[i]));
    }
    for (const AggregateCall& call : agg->aggregates) {
      agg_fields.push_back(arrow::field(call.output, kernel_types[call.output]));
    }
    agg->schema = arrow::schema(agg_fields);
    Relation post;
    post.plan = agg;
    // Post-aggregation binding: keys by text or by column, aggregates by node.
    std::vector<ScopeColumn> pre_scope = rel.scope;
    post_hooks->substitute =
        [this, key_fields, key_types, key_texts, key_columns, agg_outputs,
         pre_scope](const Expr& expr) -> arrow::Result<std::optional<TypedExpr>> {
      auto as_column = [&](const std::string& field, const TypePtr& type) {
        TypedExpr typed;
        typed.expr = cp::field_ref(field);
        typed.type = type;
        return std::optional<TypedExpr>(typed);
      };
      auto found = agg_outputs.find(&expr);
      if (found != agg_outputs.end()) {
        return as_column(found->second.first, found->second.second);
      }
      std::string text = expr.ToString();
      for (size_t i = 0; i < key_texts.size(); ++i) {
        if (key_texts[i] == text) return as_column(key_fields[i], key_types[i]);
      }
      if (expr.kind() == ExprKind::kColumnRef) {
        const auto& ref = static_cast<const ColumnRefExpr&>(expr);
        ARROW_ASSIGN_OR_RAISE(ResolvedColumn column, Resolve(ref, pre_scope));
        const std::string* name = column.ref.name();
        for (size_t i = 0; i < key_columns.size(); ++i) {
          if (name != nullptr && !key_columns[i].empty() && key_columns[i] == *name) {
            return as_column(key_fields[i], key_types[i]);
          }
        }
        // A field of a grouped struct column: s.a with GROUP BY s.
        return ErrorAtPos(ref.position(), "invalid reference",
                          fmt::format(": column '{}' must appear in GROUP BY or be used "
                                      "in an aggregate function",
                                      ref.DottedName()));
      }
      return std::optional<TypedExpr>();
    };
    if (!agg->aggregates.empty() &&
        std::any_of(agg->aggregates.begin(), agg->aggregates.end(),
                    [](const AggregateCall& c) { return c.result_type != nullptr; })) {
      // Casts the aggregates whose SQL type differs from Arrow's result.
      auto cast = NewNode(PlanKind::kProject, {post.plan});
      arrow::FieldVector fields;
      for (const auto& f : agg->schema->fields()) {
        cp::Expression e = cp::field_ref(f->name());
        TypePtr type = f->type();
        for (const AggregateCall& c : agg->aggregates) {
          if (c.output == f->name() && c.result_type) {
            cp::CastOptions options = cp::CastOptions::Safe(c.result_type);
            options.allow_float_truncate = true;  // AVG of integers truncates
            e = cp::call("cast", {e}, options);
            type = c.result_type;
          }
        }
        ARROW_ASSIGN_OR_RAISE(e, e.Bind(*agg->schema));
        cast->exprs.push_back(e);
        fields.push_back(arrow::field(f->name(), type));
      }
      cast->schema = arrow::schema(fields);
      post.plan = cast;
    }
    return post;
  }

  // ---- VALUES and set operations ----

  arrow::Result<PlannedQuery> PlanValues(const Query& query) {
    size_t width = query.values.front().size();
    std::vector<std::vector<std::shared_ptr<arrow::Scalar>>> columns(width);
    Relation empty{OneRow(), {}};
    for (const auto& row : query.values) {
      for (size_t c = 0; c < width; ++c) {
        ARROW_ASSIGN_OR_RAISE(BoundExpr bound, Bind(*row[c], empty));
        if (!bound.expr.literal()) {
          return ErrorAtPos(StartPosition(*row[c]), "invalid VALUES",
                            ": VALUES takes constant expressions");
        }
        columns[c].push_back(bound.expr.literal()->scalar());
      }
    }
    arrow::FieldVector fields;
    arrow::ChunkedArrayVector arrays;
    std::vector<std::string> names;
    for (size_t c = 0; c < width; ++c) {
      TypePtr type = arrow::null();
      for (const auto& value : columns[c]) {
        auto common = CommonType(type, value->type);
        if (!common.ok()) {
          return ErrorAtPos(query.position, "type error",
                            fmt::format(": VALUES column {} mixes {} and {}", c + 1,
                                        type->ToString(), value->type->ToString()));
        }
        type = *common;
      }
      if (type->id() == arrow::Type::NA) type = arrow::null();
      ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(type));
      for (const auto& value : columns[c]) {
        std::shared_ptr<arrow::Scalar> converted = value;
        if (!value->type->Equals(*type)) {
          ARROW_ASSIGN_OR_RAISE(converted, value->CastTo(type));
        }
        ARROW_RETURN_NOT_OK(builder->AppendScalar(*converted));
      }
      ARROW_ASSIGN_OR_RAISE(auto array, builder->Finish());
      std::string name = fmt::format("EXPR${}", c);
      names.push_back(name);
      fields.push_back(arrow::field(NewField(name), type));
      arrays.push_back(std::make_shared<arrow::ChunkedArray>(array));
    }
    auto node = NewNode(PlanKind::kValues, {});
    node->schema = arrow::schema(fields);
    node->values = arrow::Table::Make(node->schema, arrays,
                                      static_cast<int64_t>(query.values.size()));
    PlanPtr plan = node;
    if (!query.order_by.empty()) {
      return ErrorAtPos(
          query.position, "unsupported",
          ": ORDER BY directly on VALUES; wrap it in SELECT * FROM (VALUES …)");
    }
    plan = ApplyLimit(plan, query);
    return PlannedQuery{plan, names};
  }

  // Casts the columns of `plan` to `types` with fresh names.
  arrow::Result<PlanPtr> CastColumns(const PlanPtr& plan,
                                     const std::vector<TypePtr>& types,
                                     const std::vector<std::string>& names) {
    auto project = NewNode(PlanKind::kProject, {plan});
    arrow::FieldVector fields;
    for (int i = 0; i < plan->schema->num_fields(); ++i) {
      cp::Expression e = cp::field_ref(plan->schema->field(i)->name());
      if (!plan->schema->field(i)->type()->Equals(*types[i])) {
        e = cp::call("cast", {e}, cp::CastOptions::Safe(types[i]));
      }
      ARROW_ASSIGN_OR_RAISE(e, e.Bind(*plan->schema));
      project->exprs.push_back(e);
      fields.push_back(arrow::field(names[i], types[i]));
    }
    project->schema = arrow::schema(fields);
    return project;
  }

  arrow::Result<PlannedQuery> PlanSetOp(const Query& query) {
    ARROW_ASSIGN_OR_RAISE(PlannedQuery left, PlanQuery(*query.left));
    ARROW_ASSIGN_OR_RAISE(PlannedQuery right, PlanQuery(*query.right));
    int width = left.plan->schema->num_fields();
    if (right.plan->schema->num_fields() != width) {
      return ErrorAtPos(query.position, "invalid set operation",
                        fmt::format(": the left query has {} columns and the right {}",
                                    width, right.plan->schema->num_fields()));
    }
    std::vector<TypePtr> types;
    std::vector<std::string> left_names, right_names;
    for (int i = 0; i < width; ++i) {
      auto common = CommonType(left.plan->schema->field(i)->type(),
                               right.plan->schema->field(i)->type());
      if (!common.ok()) {
        return ErrorAtPos(query.position, "type error",
                          fmt::format(": column {} ('{}') is {} on the left and {} on "
                                      "the right",
                                      i + 1, left.column_names[i],
                                      left.plan->schema->field(i)->type()->ToString(),
                                      right.plan->schema->field(i)->type()->ToString()));
      }
      types.push_back(*common);
      left_names.push_back(NewField(left.column_names[i]));
      right_names.push_back(left_names.back());
    }
    // Both sides get the same column names.
    ARROW_ASSIGN_OR_RAISE(PlanPtr l, CastColumns(left.plan, types, left_names));
    PlanPtr plan;
    if (query.set_op == SetOpKind::kUnion) {
      ARROW_ASSIGN_OR_RAISE(PlanPtr r, CastColumns(right.plan, types, right_names));
      auto node = NewNode(PlanKind::kUnion, {l, r});
      node->schema = l->schema;
      plan = node;
      if (!query.set_all) plan = Distinct(plan);
    } else {
      if (query.set_all) {
        return ErrorAtPos(query.position, "unsupported",
                          ": INTERSECT ALL and EXCEPT ALL are not supported yet");
      }
      std::vector<std::string> renamed;
      for (int i = 0; i < width; ++i) renamed.push_back(NewField(left.column_names[i]));
      ARROW_ASSIGN_OR_RAISE(PlanPtr r, CastColumns(right.plan, types, renamed));
      auto join = NewNode(PlanKind::kJoin, {Distinct(l), r});
      join->join_type = query.set_op == SetOpKind::kIntersect ? PlanJoinType::kSemi
                                                              : PlanJoinType::kAnti;
      join->left_keys = left_names;
      join->right_keys = renamed;
      join->null_equal_keys = true;
      join->schema = l->schema;
      plan = join;
    }
    if (!query.order_by.empty()) {
      std::vector<SortField> keys;
      for (const OrderItem& item : query.order_by) {
        int index = -1;
        if (item.expr->kind() == ExprKind::kLiteral) {
          const auto& lit = static_cast<const LiteralExpr&>(*item.expr);
          if (lit.literal_kind() == LiteralKind::kInteger) {
            index = static_cast<int>(std::get<int64_t>(lit.value())) - 1;
          }
        } else if (item.expr->kind() == ExprKind::kColumnRef) {
          const auto& ref = static_cast<const ColumnRefExpr&>(*item.expr);
          for (int i = 0; i < width; ++i) {
            if (NameMatches(ref.path().back(), left.column_names[i])) index = i;
          }
        }
        if (index < 0 || index >= width) {
          return ErrorAtPos(StartPosition(*item.expr), "invalid ORDER BY",
                            ": after a set operation, ORDER BY takes output column names "
                            "or positions");
        }
        keys.push_back({plan->schema->field(index)->name(), item.descending,
                        item.nulls_first.value_or(!item.descending)});
      }
      auto sort = NewNode(PlanKind::kSort, {plan});
      sort->sort_fields = keys;
      sort->schema = plan->schema;
      plan = sort;
    }
    plan = ApplyLimit(plan, query);
    return PlannedQuery{plan, left.column_names};
  }

  PlanPtr Distinct(const PlanPtr& plan) {
    auto distinct = NewNode(PlanKind::kAggregate, {plan});
    for (const auto& f : plan->schema->fields())
      distinct->group_keys.push_back(f->name());
    distinct->schema = plan->schema;
    return distinct;
  }

  arrow::Result<PlannedQuery> PlanQuery(const Query& query) {
    if (!query.with.empty()) {
      ctes.emplace_back();
      for (const CommonTable& cte : query.with) {
        ctes.back()[cte.name.name] = {&cte, cte.name.name};
      }
    }
    arrow::Result<PlannedQuery> result;
    switch (query.kind) {
      case Query::Kind::kSelect:
        result = PlanSelect(query);
        break;
      case Query::Kind::kValues:
        result = PlanValues(query);
        break;
      case Query::Kind::kSetOp:
        result = PlanSetOp(query);
        break;
    }
    if (!query.with.empty()) ctes.pop_back();
    return result;
  }
};

Planner::Planner(const Catalog& catalog, std::shared_ptr<const std::string> script,
                 PlanExecutor executor)
    : impl_(new Impl{catalog, std::move(script), std::move(executor), 0, {}, {}}) {}

Planner::~Planner() = default;

arrow::Result<PlannedQuery> Planner::Plan(const Query& query) {
  return impl_->PlanQuery(query);
}

}  // namespace weir::sql
