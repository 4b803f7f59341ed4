#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "weir/sql/parse/ast.h"

namespace weir::sql {

/// Returns the SQL spelling of an Arrow type: BIGINT, DECIMAL(10, 2), TIMESTAMP(6),
/// TIMESTAMP_LTZ(3), ARRAY<STRING>, MAP<K, V>, ROW<a INT, …>.
std::string SqlTypeName(const std::shared_ptr<arrow::DataType>& type);

/// Maps a SQL type as written in CAST to an Arrow type:
/// BOOLEAN; TINYINT, SMALLINT, INT/INTEGER, BIGINT; FLOAT/REAL (float32), DOUBLE
/// [PRECISION]; DECIMAL/DEC/NUMERIC[(p[, s])] (default (10, 0), p <= 38);
/// STRING, VARCHAR[(n)], CHAR[(n)] (utf8, length ignored); BYTES, BINARY[(n)],
/// VARBINARY[(n)]; DATE (date32); TIMESTAMP[(p)] (p 0..9, default 6; seconds,
/// milliseconds, microseconds or nanoseconds) and TIMESTAMP[(p)] WITH LOCAL TIME ZONE
/// or TIMESTAMP_LTZ[(p)] (time zone UTC). Errors point at the type in `source`.
arrow::Result<std::shared_ptr<arrow::DataType>> ResolveType(const TypeSpec& spec,
                                                            std::string_view source);

/// Returns how many decimal digits the widest value of an integer type has (3 for
/// int8, 5 for int16, 10 for int32, 19 for int64, 20 for uint64), or 0 for other types.
int32_t IntegerDigits(const arrow::DataType& type);

}  // namespace weir::sql
