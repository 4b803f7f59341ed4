// Runtime filters: a hash join's build side prunes its probe side's Parquet scan
// (docs/design/join-order.md).
#include "weir/planner/runtime_filter.h"

#include <arrow/compute/api_aggregate.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/api_vector.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

#include "weir/planner/key_bloom_filter.h"
#include "weir/types/scalar_number.h"

namespace weir::planner {

namespace cp = arrow::compute;

std::optional<ProbeScanColumn> FindProbeScanColumn(const sql::PlanNode& node,
                                                   const std::string& field) {
  switch (node.kind) {
    case sql::PlanKind::kScan: {
      auto factory = node.table->Factory();
      int index = node.schema->GetFieldIndex(field);
      if (!factory.ok() || index < 0 ||
          !(*factory)->SupportsFilterPushdown(node.table->Descriptor())) {
        return std::nullopt;
      }
      return ProbeScanColumn{&node, node.scan_columns[static_cast<size_t>(index)]};
    }
    case sql::PlanKind::kFilter:
      return FindProbeScanColumn(*node.inputs[0], field);
    case sql::PlanKind::kProject: {
      int index = node.schema->GetFieldIndex(field);
      if (index < 0) return std::nullopt;
      const arrow::FieldRef* ref = node.exprs[static_cast<size_t>(index)].field_ref();
      if (ref == nullptr || ref->name() == nullptr) return std::nullopt;
      return FindProbeScanColumn(*node.inputs[0], *ref->name());
    }
    case sql::PlanKind::kJoin: {
      if (node.join_type != sql::PlanJoinType::kInner || node.null_equal_keys)
        return std::nullopt;
      for (const sql::PlanPtr& input : node.inputs) {
        if (input->schema->GetFieldIndex(field) >= 0)
          return FindProbeScanColumn(*input, field);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

arrow::Result<std::optional<cp::Expression>> RuntimeFilterFor(
    const std::shared_ptr<arrow::ChunkedArray>& build_keys, const std::string& column,
    const std::function<std::optional<sql::TableStatistics>()>& probe_statistics) {
  const arrow::DataType& type = *build_keys->type();
  if (arrow::is_nested(type.id()) || type.id() == arrow::Type::DICTIONARY ||
      type.id() == arrow::Type::BOOL) {
    return std::nullopt;
  }
  if (build_keys->length() == build_keys->null_count()) {
    return cp::literal(false);  // no key can match: the scan reads nothing
  }
  arrow::Result<arrow::Datum> min_max = cp::MinMax(arrow::Datum(build_keys));
  if (!min_max.ok()) return std::nullopt;  // a type without min/max kernels
  const auto& bounds = min_max->scalar_as<arrow::StructScalar>();
  cp::Expression key = cp::field_ref(column);
  std::vector<cp::Expression> terms = {
      cp::greater_equal(key, cp::literal(bounds.value[0])),
      cp::less_equal(key, cp::literal(bounds.value[1]))};
  ARROW_ASSIGN_OR_RAISE(auto unique, cp::Unique(arrow::Datum(build_keys)));
  const int64_t distinct = unique->length() - unique->null_count();
  if (distinct <= kMaxRuntimeInListValues) {
    ARROW_ASSIGN_OR_RAISE(auto values, cp::DropNull(arrow::Datum(unique)));
    terms.push_back(cp::call("is_in", {key}, cp::SetLookupOptions(values.make_array())));
    return cp::and_(terms);
  }
  // Many keys: the range when it is narrow next to the probe column's, and a bloom
  // filter when the keys are few next to the probe column's distinct values.
  bool narrow_range = true;
  std::optional<double> probe_distinct;
  if (auto probe = probe_statistics ? probe_statistics() : std::nullopt) {
    auto it = probe->columns.find(column);
    if (it != probe->columns.end()) {
      const sql::ColumnStatistics& stats = it->second;
      auto low = types::ScalarToDouble(*bounds.value[0]);
      auto high = types::ScalarToDouble(*bounds.value[1]);
      if (stats.min && stats.max && low && high) {
        double whole = *stats.max - *stats.min;
        double kept = std::min(*high, *stats.max) - std::max(*low, *stats.min);
        if (whole > 0 && kept > whole / 2) narrow_range = false;
        if (arrow::is_integer(type.id()) || type.id() == arrow::Type::DATE32) {
          probe_distinct = std::min(probe->row_count, whole + 1);
        }
      }
      if (stats.distinct_count) probe_distinct = *stats.distinct_count;
    }
  }
  if (!narrow_range) terms.clear();
  if (KeyBloomFilter::Supports(type) && distinct <= kMaxRuntimeBloomFilterKeys &&
      probe_distinct && static_cast<double>(distinct) < *probe_distinct / 2) {
    ARROW_ASSIGN_OR_RAISE(auto bloom, KeyBloomFilter::Make(*build_keys, distinct));
    ARROW_ASSIGN_OR_RAISE(auto test, KeyBloomFilterExpression(std::move(bloom), column));
    terms.push_back(std::move(test));
  }
  if (terms.empty()) return std::nullopt;
  return cp::and_(terms);
}

}  // namespace weir::planner
