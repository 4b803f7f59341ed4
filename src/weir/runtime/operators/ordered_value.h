#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>
#include <arrow/type.h>

namespace weir::runtime {

/// Encodes single non-null values of one Arrow type as bytes whose order (as
/// std::string compares them) is the order of the values, and decodes such bytes
/// back into an array of the type. Keyed operators keep values this way where they
/// need ordered or countable sets of them: MIN/MAX with retraction, COUNT(DISTINCT).
///
/// Integers, dates, times, timestamps and durations order numerically; floating
/// point by IEEE total order with -0.0 and NaN canonicalised; DECIMAL128 numerically;
/// strings and binaries by their bytes (as Arrow's min/max kernels compare them).
class OrderedValueCodec {
 public:
  /// Makes the codec for `type`; a user error names a type it cannot order (nested
  /// types, DECIMAL256).
  static arrow::Result<OrderedValueCodec> Make(std::shared_ptr<arrow::DataType> type);

  /// Writes the value at `row` of `array` (of this codec's type, not null) into
  /// `out`, replacing its contents.
  void Encode(const arrow::Array& array, int64_t row, std::string* out) const;

  /// Builds an array of this codec's type from encoded values; a null pointer makes
  /// a null.
  arrow::Result<std::shared_ptr<arrow::Array>> Decode(
      const std::vector<const std::string*>& values) const;

  /// Returns whether encodings vary in length (strings and binaries); fixed-width
  /// types encode to the same number of bytes for every value.
  bool variable_length() const { return layout_ == Layout::kBytes; }

  /// Returns the type values are encoded from and decoded to.
  const std::shared_ptr<arrow::DataType>& type() const { return type_; }

 private:
  enum class Layout { kSigned, kUnsigned, kFloat, kDouble, kBool, kDecimal, kBytes };
  std::shared_ptr<arrow::DataType> type_;
  Layout layout_ = Layout::kSigned;
  int width_ = 8;  // bytes of a fixed-width value
};

}  // namespace weir::runtime
