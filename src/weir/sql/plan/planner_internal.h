#pragma once

#include <array>
// Internals of the planner, shared by its source files (planner*.cc). Not a public
// header: nothing outside src/weir/sql/planner*.cc includes it.

#include <algorithm>
#include <functional>
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

#include "weir/sql/bind/expression_binder.h"
#include "weir/sql/bind/type_unify.h"
#include "weir/sql/functions/aggregate_functions.h"
#include "weir/sql/functions/table_functions.h"
#include "weir/sql/parse/diagnostic.h"
#include "weir/sql/plan/planner.h"
#include "weir/sql/suggest.h"

namespace weir::sql {

namespace cp = arrow::compute;
using TypePtr = std::shared_ptr<arrow::DataType>;

/// A column visible in a FROM scope.
struct ScopeColumn {
  std::string qualifier;  // table name or alias (empty for derived columns)
  std::string name;       // visible name
  std::string field;      // internal unique name in the plan
  TypePtr type;
  /// Reachable only qualified (t.col) and not part of an unqualified `*`: the
  /// sides' copies of a JOIN … USING column, which is visible once, merged.
  bool hidden = false;
};

/// A planned FROM item: its plan and the columns it makes visible.
struct Relation {
  PlanPtr plan;
  std::vector<ScopeColumn> scope;
};

/// Returns true when `id` names `name` (exactly when back-quoted, else ignoring case).
bool NameMatches(const Identifier& id, const std::string& name);
/// Appends the AND-ed terms of `expr` to `out`; terms shared by every branch of an
/// OR become terms of their own ((a AND b) OR (a AND c) gives a, b OR c).
void SplitConjuncts(const ExprPtr& expr, std::vector<ExprPtr>* out);
/// Joins `terms` (at least one) with `op` (AND, OR), left to right.
ExprPtr CombineTerms(BinaryOp op, const std::vector<ExprPtr>& terms);
/// Says whether CollectCalls wants a call.
using CallPredicate = std::function<bool(const FunctionCallExpr&)>;
/// Appends the calls in `expr` that `wanted` accepts (not inside subqueries or
/// inside calls it accepted).
void CollectCalls(const ExprPtr& expr, const CallPredicate& wanted,
                  std::vector<const FunctionCallExpr*>* out);
/// Appends the aggregate calls in `expr` (not inside subqueries or other aggregates;
/// not window functions with OVER).
void CollectAggregates(const ExprPtr& expr, std::vector<const FunctionCallExpr*>* out,
                       const Catalog* catalog = nullptr);
/// Returns the registered aggregate function a call of `name` means, or null (a
/// built-in aggregate wins over a non-system function of the same name).
std::shared_ptr<const CatalogFunction> UserAggregate(const Catalog& catalog,
                                                     const std::string& name);
/// Appends the window function calls (`f(…) OVER …`) in `expr`.
void CollectOverCalls(const ExprPtr& expr, std::vector<const FunctionCallExpr*>* out);
/// Makes a plan node of `kind` over `inputs`.
std::shared_ptr<PlanNode> NewNode(PlanKind kind, std::vector<PlanPtr> inputs);

/// The planner's state and steps; see planner.h.
struct Planner::Impl {
  const Catalog& catalog;
  std::shared_ptr<const std::string> script;
  PlanExecutor executor;
  int next_id = 0;
  // CTEs in scope, innermost last.
  std::vector<std::vector<const CommonTable*>> ctes;
  // The scope of the enclosing query while planning a subquery (for messages).
  std::vector<const std::vector<ScopeColumn>*> outer_scopes;
  std::string_view source() const { return *script; }
  std::string NewField(const std::string& visible);
  arrow::Status ErrorAtPos(const SourcePosition& position, const std::string& what,
                           const std::string& detail) const;
  // ---- name resolution ----
  arrow::Result<ResolvedColumn> Resolve(const ColumnRefExpr& ref,
                                        const std::vector<ScopeColumn>& scope) const;
  // Binds `expr` over `rel` with subqueries supported; `extra` may add hooks.
  arrow::Result<BoundExpr> Bind(const Expr& expr, const Relation& rel,
                                BindHooks hooks = {});
  // ---- subqueries used as values ----
  arrow::Result<std::shared_ptr<arrow::Table>> RunSubquery(const SubqueryExpr& sub,
                                                           const Relation& rel);
  arrow::Result<TypedExpr> BindValueSubquery(const SubqueryExpr& sub,
                                             std::optional<TypedExpr> operand,
                                             const Relation& rel);
  // ---- FROM ----
  arrow::Result<Relation> ScanTable(std::shared_ptr<const CatalogTable> table,
                                    const std::string& qualifier);
  arrow::Result<Relation> PlanTableRef(const TableRef& ref);
  arrow::Result<Relation> PlanTableRefUnaliased(const TableRef& ref);
  arrow::Result<PlannedQuery> PlanViewQuery(const CatalogView& view);
  // Re-exposes a planned query's columns under a qualifier.
  Relation Derived(const PlanPtr& plan, const std::vector<std::string>& names,
                   const std::string& qualifier);
  // Which side of a join an expression refers to: bit 1 left, bit 2 right.
  // Adds computed key columns to a side when a key is not a plain column.
  static std::string KeyField(const cp::Expression& expr);
  arrow::Result<Relation> PlanJoin(const TableRef& ref);
  // A call of a registered aggregate function in a GROUP BY query: its argument
  // (a struct of them when several) becomes a column of the pre-projection `pre`.
  arrow::Result<AggregateCall> PlanUserAggregate(
      const FunctionCallExpr& call, const CatalogFunction& function, const Relation& rel,
      std::map<std::string, std::string>* input_fields, PlanNode* pre,
      arrow::FieldVector* pre_fields);
  // `left` joined laterally with a table function (LATERAL TABLE(f(…)), UNNEST):
  // left's columns then the function's; `kind` CROSS/INNER or LEFT (ON TRUE only).
  arrow::Result<Relation> PlanCorrelate(Relation left, const TableRef& function,
                                        JoinKind kind, const ExprPtr& condition);
  // TABLE(TUMBLE|HOP|CUMULATE(TABLE t, DESCRIPTOR(ts), …)): t's columns plus
  // window_start, window_end and window_time.
  arrow::Result<Relation> PlanWindowTvf(const TableRef& ref);
  // `input` with window_start, window_end and window_time appended under `names`.
  arrow::Result<Relation> WindowRelation(Relation input, const WindowFunctionCall& call,
                                         const std::string& qualifier, bool requalify,
                                         const std::array<std::string, 3>& names);
  // The window of a legacy group window key (TUMBLE(ts, size), HOP(ts, slide,
  // size), SESSION(ts, gap)), or nullopt for other keys.
  static std::optional<WindowFunctionCall> GroupWindowCall(const Expr& key);
  // Puts the window of group key `key` under `rel`; appends its start, end and
  // rowtime keys to `keys` and the texts naming them (TUMBLE_START(…), …) to
  // `texts`.
  arrow::Result<Relation> PlanGroupWindow(Relation rel, const FunctionCallExpr& key,
                                          std::vector<ExprPtr>* keys,
                                          std::vector<std::string>* texts);
  arrow::Result<std::pair<cp::Expression, cp::Expression>> UnifyKeys(
      const BoundExpr& left, const BoundExpr& right, const Expr& node);
  // Builds a join; non-column keys become computed columns of their side.
  arrow::Result<Relation> MakeJoin(
      Relation left, Relation right, PlanJoinType type,
      const std::vector<std::pair<cp::Expression, cp::Expression>>& keys,
      const std::vector<cp::Expression>& residual, bool null_equal);
  // ---- WHERE ----
  arrow::Result<Relation> PlanWhere(Relation rel, const ExprPtr& where);
  arrow::Result<Relation> PlanInSemiJoin(Relation rel, const SubqueryExpr& sub);
  // EXISTS (SELECT … FROM t WHERE t.a = outer.b AND …): a semi (anti for NOT
  // EXISTS) join on the equality conditions that refer to the outer query.
  arrow::Result<Relation> PlanExistsJoin(const Relation& outer, const SubqueryExpr& sub,
                                         bool anti);
  // A correlated scalar subquery `(SELECT agg(…) FROM … WHERE inner = outer AND …)`
  // becomes a LEFT join with the subquery grouped by its inner correlation keys.
  // Returns the relation with the value column appended (hidden from the scope) and
  // sets `value` to a reference to it; NotImplemented for other shapes.
  arrow::Result<Relation> PlanScalarSubqueryJoin(Relation rel, const SubqueryExpr& sub,
                                                 TypedExpr* value);
  // Joins the correlated scalar subqueries of `expr` that PlanScalarSubqueryJoin
  // can decorrelate to `rel`, recording each one's value in `joined`.
  arrow::Result<Relation> JoinScalarSubqueries(Relation rel, const Expr& expr,
                                               std::map<const Expr*, TypedExpr>* joined);
  // A bind hook that replaces the subqueries in `joined` by their values.
  static std::function<arrow::Result<std::optional<TypedExpr>>(const Expr&)>
  SubstituteJoined(const std::map<const Expr*, TypedExpr>* joined);
  // Queries the planner wrote itself (decorrelation), kept alive with the plan.
  std::vector<std::shared_ptr<const Query>> synthesized;
  // ---- SELECT ----
  struct OutputColumn {
    std::string name;
    cp::Expression expr;
    TypePtr type;
    const Expr* source = nullptr;
  };
  arrow::Result<PlannedQuery> PlanSelect(const Query& query);
  PlanPtr ApplyLimit(PlanPtr plan, const Query& query);
  PlanPtr OneRow();
  // Window functions (`f(…) OVER (…)`) of a SELECT list: `rel` with one Over node
  // per distinct window below it; `hooks` then binds each call to its column.
  arrow::Result<Relation> PlanOver(Relation rel, const SelectBlock& block,
                                   const std::vector<const FunctionCallExpr*>& calls,
                                   BindHooks* hooks);
  // GROUPING SETS / ROLLUP / CUBE: a UNION ALL of one aggregation per set, keys
  // outside a set NULL, plus a grouping id for GROUPING()/GROUPING_ID().
  arrow::Result<Relation> PlanGroupingSets(
      const Relation& rel, const SelectBlock& block,
      const std::vector<const FunctionCallExpr*>& calls, BindHooks* post_hooks);
  arrow::Result<Relation> PlanAggregate(const Relation& rel, const SelectBlock& block,
                                        const std::vector<const FunctionCallExpr*>& calls,
                                        BindHooks* post_hooks);
  // ---- VALUES and set operations ----
  arrow::Result<PlannedQuery> PlanValues(const Query& query);
  // Casts the columns of `plan` to `types` with fresh names.
  arrow::Result<PlanPtr> CastColumns(const PlanPtr& plan,
                                     const std::vector<TypePtr>& types,
                                     const std::vector<std::string>& names);
  arrow::Result<PlannedQuery> PlanSetOp(const Query& query);
  PlanPtr Distinct(const PlanPtr& plan);
  arrow::Result<PlannedQuery> PlanQuery(const Query& query);
};

}  // namespace weir::sql
