#include "weir/types/scalar_number.h"

#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>

namespace weir::types {

std::optional<double> ScalarToDouble(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return std::nullopt;
  switch (scalar.type->id()) {
    case arrow::Type::INT8:
      return static_cast<const arrow::Int8Scalar&>(scalar).value;
    case arrow::Type::INT16:
      return static_cast<const arrow::Int16Scalar&>(scalar).value;
    case arrow::Type::INT32:
      return static_cast<const arrow::Int32Scalar&>(scalar).value;
    case arrow::Type::INT64:
      return static_cast<double>(static_cast<const arrow::Int64Scalar&>(scalar).value);
    case arrow::Type::UINT8:
      return static_cast<const arrow::UInt8Scalar&>(scalar).value;
    case arrow::Type::UINT16:
      return static_cast<const arrow::UInt16Scalar&>(scalar).value;
    case arrow::Type::UINT32:
      return static_cast<const arrow::UInt32Scalar&>(scalar).value;
    case arrow::Type::UINT64:
      return static_cast<double>(static_cast<const arrow::UInt64Scalar&>(scalar).value);
    case arrow::Type::FLOAT:
      return static_cast<const arrow::FloatScalar&>(scalar).value;
    case arrow::Type::DOUBLE:
      return static_cast<const arrow::DoubleScalar&>(scalar).value;
    case arrow::Type::DECIMAL128: {
      const auto& type = static_cast<const arrow::Decimal128Type&>(*scalar.type);
      return static_cast<const arrow::Decimal128Scalar&>(scalar).value.ToDouble(
          type.scale());
    }
    case arrow::Type::DECIMAL256: {
      const auto& type = static_cast<const arrow::Decimal256Type&>(*scalar.type);
      return static_cast<const arrow::Decimal256Scalar&>(scalar).value.ToDouble(
          type.scale());
    }
    case arrow::Type::DATE32:
      return static_cast<const arrow::Date32Scalar&>(scalar).value;
    case arrow::Type::DATE64:
      // Milliseconds on the wire, days on the number line (like DATE32).
      return static_cast<double>(static_cast<const arrow::Date64Scalar&>(scalar).value) /
             86400000.0;
    case arrow::Type::TIME32:
      return static_cast<const arrow::Time32Scalar&>(scalar).value;
    case arrow::Type::TIME64:
      return static_cast<double>(static_cast<const arrow::Time64Scalar&>(scalar).value);
    case arrow::Type::TIMESTAMP:
      return static_cast<double>(
          static_cast<const arrow::TimestampScalar&>(scalar).value);
    default:
      return std::nullopt;
  }
}

}  // namespace weir::types
