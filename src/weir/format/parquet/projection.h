#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>
#include <parquet/arrow/schema.h>

namespace weir::format {

/// Which parts of one top-level column to read: all of it, or only some struct
/// children (recursively).
struct ColumnSelection {
  bool whole = false;
  std::map<std::string, ColumnSelection> children;

  /// Adds the path `parts[i:]` to this selection.
  void Add(const std::vector<std::string>& parts, size_t i);
};

/// A resolved projection: output columns in request order, and per top-level
/// column name what to read of it.
struct Projection {
  /// Top-level column names in output order.
  std::vector<std::string> output_columns;
  /// What of each top-level column the output needs.
  std::map<std::string, ColumnSelection> selections;
};

/// Resolves dotted column paths against `schema`. Empty `paths` selects every
/// column. Fails with a user error naming the path for unknown columns or paths
/// that descend into something other than a struct.
arrow::Result<Projection> ResolveProjection(const std::vector<std::string>& paths,
                                            const arrow::Schema& schema);

/// Returns `type` keeping only the struct children `selection` names.
std::shared_ptr<arrow::DataType> PruneType(const std::shared_ptr<arrow::DataType>& type,
                                           const ColumnSelection& selection);

/// Returns `array` (of the unpruned type) keeping only the selected struct children.
arrow::Result<std::shared_ptr<arrow::Array>> PruneArray(
    const std::shared_ptr<arrow::Array>& array, const ColumnSelection& selection);

/// Appends the Parquet leaf column indices under `field` that `selection` needs.
void CollectLeaves(const parquet::arrow::SchemaField& field,
                   const ColumnSelection& selection, std::vector<int>* leaves);

}  // namespace weir::format
