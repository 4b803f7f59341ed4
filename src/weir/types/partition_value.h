#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/scalar.h>
#include <arrow/type_fwd.h>

namespace weir::types {

/// The text Hive writes for a null partition value.
inline constexpr std::string_view kHiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__";

/// Infers the narrowest type for a partition column from its raw directory values:
/// int32 or int64 when all parse as integers, date32 when all are `YYYY-MM-DD`,
/// otherwise utf8. Null markers are ignored.
std::shared_ptr<arrow::DataType> InferPartitionType(
    const std::vector<std::string>& values);

/// Converts a raw (already unescaped) partition value to a scalar of `type`;
/// the Hive null marker becomes a null scalar.
arrow::Result<std::shared_ptr<arrow::Scalar>> ParsePartitionValue(
    std::string_view raw, const std::shared_ptr<arrow::DataType>& type);

/// Decodes `%XX` escapes as Hive writes them in directory names.
std::string UnescapePartitionValue(std::string_view escaped);

/// Encodes characters that are unsafe in a directory name as `%XX` (Hive style).
std::string EscapePartitionValue(std::string_view value);

/// Escapes a partition column name for a `key=value` directory name: like a value,
/// and also a leading `.` or `_`, which would hide the directory from readers.
std::string EscapePartitionKey(std::string_view key);

}  // namespace weir::types
