// Join ordering by estimated cardinality (docs/design/join-order.md).
#include "weir/sql/plan/join_order.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>

#include <arrow/compute/api_scalar.h>
#include <arrow/type.h>

#include "weir/sql/plan/plan_expressions.h"

namespace weir::sql {

namespace {

namespace cp = arrow::compute;
using Mask = uint64_t;

// Exhaustive search up to this many inputs (3^10 splits), greedy above.
constexpr size_t kMaxExhaustive = 10;
constexpr size_t kMaxInputs = 64;

bool IsReorderable(const PlanNode& node) {
  return node.kind == PlanKind::kJoin && node.join_type == PlanJoinType::kInner &&
         !node.null_equal_keys;
}

Mask Bit(size_t i) { return Mask{1} << i; }

// Orders joins of one plan; see OrderJoins.
class JoinOrderer {
 public:
  JoinOrderer(CardinalityEstimator* estimator, bool reorder)
      : estimator_(*estimator), reorder_(reorder) {}

  PlanPtr Visit(const PlanPtr& plan) {
    if (reorder_ && IsReorderable(*plan)) {
      // OrderRegion fails only for shapes it does not handle (more than 64 inputs, a
      // column name twice, a condition over unknown columns): those keep the
      // written order below, which is always a valid plan.
      auto ordered = OrderRegion(plan);
      if (ordered.ok()) return *ordered;
    }
    auto copy = Keep(std::make_shared<PlanNode>(*plan));
    copy->inputs.clear();
    for (const PlanPtr& input : plan->inputs) copy->inputs.push_back(Visit(input));
    if (copy->kind == PlanKind::kJoin && copy->join_type != PlanJoinType::kSemi &&
        copy->join_type != PlanJoinType::kAnti) {
      copy->build_left =
          estimator_.Rows(*copy->inputs[0]) < estimator_.Rows(*copy->inputs[1]);
    }
    copy->estimated_rows = estimator_.Rows(*copy);
    return copy;
  }

 private:
  // One equivalence class of columns equated by join keys, as (input, column).
  struct EqualColumns {
    std::vector<std::pair<size_t, std::string>> members;
    std::vector<double> distinct;  // per input: distinct values (0: not a member)
  };
  // A condition over several inputs, with the inputs it reads.
  struct Condition {
    cp::Expression expr;
    Mask inputs = 0;
    double selectivity = 1;
  };
  // The best plan found for a set of inputs: its rows, its cost (the rows of every
  // join in it) and the split of the set into the two sides of its last join.
  struct Entry {
    double rows = 0;
    double cost = 0;
    Mask side = 0;
  };
  // The state of one tree of inner joins being reordered.
  struct Region {
    std::vector<PlanPtr> inputs;
    std::vector<EqualColumns> classes;
    std::vector<Condition> conditions;
    std::map<Mask, Entry> entries;
  };

  std::shared_ptr<PlanNode> Keep(std::shared_ptr<PlanNode> node) {
    // The estimator memoises by address: nodes must outlive it.
    keep_alive_.push_back(node);
    return node;
  }

  void Collect(const PlanPtr& node, std::vector<PlanPtr>* inputs,
               std::vector<std::pair<std::string, std::string>>* equalities,
               std::vector<cp::Expression>* conditions) {
    if (!IsReorderable(*node)) {
      inputs->push_back(Visit(node));
      return;
    }
    Collect(node->inputs[0], inputs, equalities, conditions);
    Collect(node->inputs[1], inputs, equalities, conditions);
    for (size_t i = 0; i < node->left_keys.size(); ++i)
      equalities->emplace_back(node->left_keys[i], node->right_keys[i]);
    Conjuncts(node->residual, conditions);
  }

  arrow::Result<PlanPtr> Filtered(const PlanPtr& input,
                                  const std::vector<cp::Expression>& conditions) {
    if (conditions.empty()) return input;
    auto filter = Keep(std::make_shared<PlanNode>());
    filter->kind = PlanKind::kFilter;
    filter->inputs = {input};
    filter->schema = input->schema;
    ARROW_ASSIGN_OR_RAISE(filter->predicate, cp::and_(conditions).Bind(*input->schema));
    return filter;
  }

  // Distinct values of a class's columns in the join of `set`, 0 when no input of
  // the set has one of them.
  double DistinctIn(const Region& region, const EqualColumns& columns, Mask set) {
    double distinct = 0;
    for (size_t i = 0; i < region.inputs.size(); ++i) {
      if ((set & Bit(i)) == 0 || columns.distinct[i] == 0) continue;
      distinct =
          distinct == 0 ? columns.distinct[i] : std::min(distinct, columns.distinct[i]);
    }
    if (distinct == 0) return 0;
    return std::min(distinct, region.entries.at(set).rows);
  }

  double NewConditions(const Region& region, Mask a, Mask b) {
    double selectivity = 1;
    for (const Condition& c : region.conditions) {
      Mask both = a | b;
      if ((c.inputs & both) == c.inputs && (c.inputs & a) != c.inputs &&
          (c.inputs & b) != c.inputs) {
        selectivity *= c.selectivity;
      }
    }
    return selectivity;
  }

  // Rows of joining the plans of `a` and `b`; false when no key connects them.
  bool JoinRows(const Region& region, Mask a, Mask b, double* rows) {
    std::vector<double> da, db;
    for (const EqualColumns& columns : region.classes) {
      double x = DistinctIn(region, columns, a);
      double y = DistinctIn(region, columns, b);
      if (x > 0 && y > 0) {
        da.push_back(x);
        db.push_back(y);
      }
    }
    if (da.empty()) return false;
    *rows = CardinalityEstimator::EquiJoinRows(region.entries.at(a).rows,
                                               region.entries.at(b).rows, da, db) *
            NewConditions(region, a, b);
    return true;
  }

  double CrossRows(const Region& region, Mask a, Mask b) {
    return region.entries.at(a).rows * region.entries.at(b).rows *
           NewConditions(region, a, b);
  }

  void Exhaustive(Region* region) {
    size_t n = region->inputs.size();
    Mask full = Bit(n) - 1;
    // Subsets in increasing order: every proper subset comes before its superset.
    for (Mask set = 1; set <= full; ++set) {
      if (std::popcount(set) < 2) continue;
      Mask lowest = set & (~set + 1);
      double best_cost = std::numeric_limits<double>::infinity();
      double rows = 0;
      Mask best_side = 0;
      for (Mask a = (set - 1) & set; a != 0; a = (a - 1) & set) {
        if ((a & lowest) == 0) continue;
        Mask b = set ^ a;
        if (!region->entries.count(a) || !region->entries.count(b)) continue;
        double joined;
        if (!JoinRows(*region, a, b, &joined)) continue;
        const Entry& ea = region->entries.at(a);
        const Entry& eb = region->entries.at(b);
        double cost = ea.cost + eb.cost + std::min(ea.rows, eb.rows);
        // Estimates of one set differ by split; the largest is the safest.
        rows = std::max(rows, joined);
        if (cost < best_cost) {
          best_cost = cost;
          best_side = a;
        }
      }
      if (best_side != 0) region->entries[set] = Entry{rows, best_cost + rows, best_side};
    }
  }

  // Joins `trees` pairwise, the connected pair with the fewest rows first, until
  // one is left; unconnected trees are joined last, smallest first.
  void Greedy(Region* region, std::vector<Mask> trees) {
    while (trees.size() > 1) {
      size_t best_a = 0;
      size_t best_b = 0;
      double best_rows = std::numeric_limits<double>::infinity();
      bool connected = false;
      for (size_t i = 0; i < trees.size(); ++i) {
        for (size_t j = i + 1; j < trees.size(); ++j) {
          double rows;
          if (!JoinRows(*region, trees[i], trees[j], &rows) || rows >= best_rows)
            continue;
          best_rows = rows;
          best_a = i;
          best_b = j;
          connected = true;
        }
      }
      if (!connected) {
        std::sort(trees.begin(), trees.end(), [&](Mask x, Mask y) {
          return region->entries.at(x).rows < region->entries.at(y).rows;
        });
        best_a = 0;
        best_b = 1;
        best_rows = CrossRows(*region, trees[0], trees[1]);
      }
      Mask a = trees[best_a];
      Mask b = trees[best_b];
      const Entry& ea = region->entries.at(a);
      const Entry& eb = region->entries.at(b);
      double cost = ea.cost + eb.cost + std::min(ea.rows, eb.rows) + best_rows;
      region->entries[a | b] = Entry{best_rows, cost, a};
      trees[best_a] = a | b;
      trees.erase(trees.begin() + static_cast<std::ptrdiff_t>(best_b));
    }
  }

  // The sets of inputs connected by keys.
  std::vector<Mask> Components(const Region& region) {
    size_t n = region.inputs.size();
    std::vector<size_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    std::function<size_t(size_t)> find = [&](size_t i) {
      return parent[i] == i ? i : parent[i] = find(parent[i]);
    };
    for (const EqualColumns& columns : region.classes) {
      for (const auto& [input, name] : columns.members)
        parent[find(input)] = find(columns.members.front().first);
    }
    std::map<size_t, Mask> components;
    for (size_t i = 0; i < n; ++i) components[find(i)] |= Bit(i);
    std::vector<Mask> out;
    for (const auto& [root, mask] : components) out.push_back(mask);
    return out;
  }

  arrow::Result<PlanPtr> Build(Region* region, Mask set) {
    if (std::popcount(set) == 1) return region->inputs[std::countr_zero(set)];
    const Entry entry = region->entries.at(set);
    Mask a = entry.side;
    Mask b = set ^ a;
    // The smaller side is the build side (right).
    if (region->entries.at(a).rows < region->entries.at(b).rows) std::swap(a, b);
    ARROW_ASSIGN_OR_RAISE(PlanPtr left, Build(region, a));
    ARROW_ASSIGN_OR_RAISE(PlanPtr right, Build(region, b));
    std::vector<std::string> left_keys, right_keys;
    std::vector<cp::Expression> residual;
    for (const EqualColumns& columns : region->classes) {
      const std::string* x = nullptr;
      const std::string* y = nullptr;
      for (const auto& [input, name] : columns.members) {
        if ((a & Bit(input)) != 0 && x == nullptr) x = &name;
        if ((b & Bit(input)) != 0 && y == nullptr) y = &name;
      }
      if (x == nullptr || y == nullptr) continue;
      auto tx = left->schema->GetFieldByName(*x)->type();
      auto ty = right->schema->GetFieldByName(*y)->type();
      if (tx->Equals(*ty)) {
        left_keys.push_back(*x);
        right_keys.push_back(*y);
      } else {
        residual.push_back(cp::equal(cp::field_ref(*x), cp::field_ref(*y)));
      }
    }
    for (const Condition& c : region->conditions) {
      if ((c.inputs & set) == c.inputs && (c.inputs & a) != c.inputs &&
          (c.inputs & b) != c.inputs) {
        residual.push_back(c.expr);
      }
    }
    auto join = Keep(std::make_shared<PlanNode>());
    join->kind = PlanKind::kJoin;
    join->join_type = PlanJoinType::kInner;
    join->inputs = {left, right};
    join->left_keys = left_keys;
    join->right_keys = right_keys;
    arrow::FieldVector fields = left->schema->fields();
    for (const auto& f : right->schema->fields()) fields.push_back(f);
    for (auto& f : fields) f = f->WithNullable(true);
    join->schema = arrow::schema(fields);
    if (!residual.empty()) {
      ARROW_ASSIGN_OR_RAISE(join->residual, cp::and_(residual).Bind(*join->schema));
    }
    join->estimated_rows = entry.rows;
    return join;
  }

  arrow::Result<PlanPtr> OrderRegion(const PlanPtr& root) {
    Region region;
    std::vector<std::pair<std::string, std::string>> equalities;
    std::vector<cp::Expression> conditions;
    Collect(root, &region.inputs, &equalities, &conditions);
    size_t n = region.inputs.size();
    if (n > kMaxInputs) return arrow::Status::NotImplemented("too many join inputs");
    std::map<std::string, size_t> owner;
    for (size_t i = 0; i < n; ++i) {
      for (const auto& f : region.inputs[i]->schema->fields()) {
        if (!owner.emplace(f->name(), i).second)
          return arrow::Status::NotImplemented("a column name appears twice");
      }
    }
    // Equal keys, closed transitively: a = b and b = c puts a, b, c in one class.
    std::map<std::string, std::string> parent;
    std::function<std::string(const std::string&)> find = [&](const std::string& x) {
      auto it = parent.find(x);
      if (it == parent.end() || it->second == x) return x;
      return it->second = find(it->second);
    };
    for (const auto& [x, y] : equalities) {
      if (!owner.count(x) || !owner.count(y)) {
        conditions.push_back(cp::equal(cp::field_ref(x), cp::field_ref(y)));
        continue;
      }
      parent.emplace(x, x);
      parent.emplace(y, y);
      parent[find(x)] = find(y);
    }
    std::map<std::string, std::vector<std::pair<size_t, std::string>>> classes;
    for (const auto& [name, unused] : parent)
      classes[find(name)].emplace_back(owner[name], name);
    std::vector<std::vector<cp::Expression>> local(n);
    for (auto& [root_name, members] : classes) {
      std::sort(members.begin(), members.end());
      // Columns of one input equal to each other: a filter on that input.
      std::map<size_t, std::string> first;
      for (const auto& [input, name] : members) {
        auto [it, inserted] = first.emplace(input, name);
        if (!inserted)
          local[input].push_back(
              cp::equal(cp::field_ref(it->second), cp::field_ref(name)));
      }
      if (first.size() < 2) continue;
      EqualColumns columns;
      for (const auto& [input, name] : first) columns.members.emplace_back(input, name);
      region.classes.push_back(std::move(columns));
    }
    std::vector<cp::Expression> top;
    for (const cp::Expression& condition : conditions) {
      Mask inputs = 0;
      for (const std::string& name : FieldsOf(condition)) {
        auto it = owner.find(name);
        if (it == owner.end())
          return arrow::Status::NotImplemented("a condition reads an unknown column");
        inputs |= Bit(it->second);
      }
      if (inputs == 0) {
        top.push_back(condition);
      } else if (std::popcount(inputs) == 1) {
        local[std::countr_zero(inputs)].push_back(condition);
      } else {
        region.conditions.push_back(Condition{condition, inputs, 1});
      }
    }
    for (size_t i = 0; i < n; ++i) {
      ARROW_ASSIGN_OR_RAISE(region.inputs[i], Filtered(region.inputs[i], local[i]));
    }
    // Estimates of the inputs, their key columns and the conditions between them.
    for (size_t i = 0; i < n; ++i)
      region.entries[Bit(i)] = Entry{estimator_.Rows(*region.inputs[i]), 0, 0};
    for (EqualColumns& columns : region.classes) {
      columns.distinct.assign(n, 0);
      for (const auto& [input, name] : columns.members)
        columns.distinct[input] = estimator_.Distinct(*region.inputs[input], name);
    }
    for (Condition& c : region.conditions) {
      std::vector<const PlanNode*> inputs;
      for (size_t i = 0; i < n; ++i) {
        if ((c.inputs & Bit(i)) != 0) inputs.push_back(region.inputs[i].get());
      }
      c.selectivity = estimator_.Selectivity(c.expr, inputs);
    }
    Mask full = n == kMaxInputs ? ~Mask{0} : Bit(n) - 1;
    if (n <= kMaxExhaustive) {
      Exhaustive(&region);
      if (!region.entries.count(full)) Greedy(&region, Components(region));
    } else {
      std::vector<Mask> singles;
      for (size_t i = 0; i < n; ++i) singles.push_back(Bit(i));
      Greedy(&region, singles);
    }
    ARROW_ASSIGN_OR_RAISE(PlanPtr joined, Build(&region, full));
    ARROW_ASSIGN_OR_RAISE(joined, Filtered(joined, top));
    // The columns in the order the query wrote them.
    auto project = Keep(std::make_shared<PlanNode>());
    project->kind = PlanKind::kProject;
    project->inputs = {joined};
    for (const auto& f : root->schema->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto ref, cp::field_ref(f->name()).Bind(*joined->schema));
      project->exprs.push_back(ref);
    }
    project->schema = root->schema;
    project->estimated_rows = region.entries.at(full).rows;
    return project;
  }

  CardinalityEstimator& estimator_;
  bool reorder_;
  std::vector<PlanPtr> keep_alive_;
};

}  // namespace

PlanPtr PlanRuntimeFilters(const PlanPtr& plan) {
  auto copy = std::make_shared<PlanNode>(*plan);
  copy->inputs.clear();
  for (const PlanPtr& input : plan->inputs)
    copy->inputs.push_back(PlanRuntimeFilters(input));
  if (copy->kind == PlanKind::kJoin && !copy->null_equal_keys &&
      !copy->left_keys.empty() &&
      (copy->join_type == PlanJoinType::kInner ||
       copy->join_type == PlanJoinType::kSemi)) {
    bool left_builds = copy->build_left && copy->join_type == PlanJoinType::kInner;
    const PlanNode& build = *copy->inputs[left_builds ? 0 : 1];
    const PlanNode& probe = *copy->inputs[left_builds ? 1 : 0];
    double build_rows = build.estimated_rows.value_or(kMaxRuntimeFilterBuildRows + 1);
    double probe_rows = probe.estimated_rows.value_or(0);
    copy->runtime_filter = build_rows <= kMaxRuntimeFilterBuildRows &&
                           probe_rows >= kMinRuntimeFilterProbeRatio * build_rows;
  }
  return copy;
}

PlanPtr OrderJoins(const PlanPtr& plan, CardinalityEstimator* estimator, bool reorder) {
  JoinOrderer orderer(estimator, reorder);
  return orderer.Visit(plan);
}

}  // namespace weir::sql
