#include "weir/expr/key_hash.h"

#include <cmath>
#include <cstring>

#include <arrow/array.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>
#include <arrow/util/bit_util.h>

#include "weir/common/error.h"

namespace weir::expr {

namespace {

constexpr uint64_t kNullHash = 0x6a09e667f3bcc909ULL;
constexpr uint64_t kSeed = 0x9e3779b97f4a7c15ULL;

// Consecutive integers land in unrelated key groups.
inline uint64_t Mix(uint64_t x) { return Mix64(x); }

inline uint64_t Combine(uint64_t seed, uint64_t h) {
  return Mix(seed ^ (h + kSeed + (seed << 6) + (seed >> 2)));
}

inline uint64_t HashDouble(double d) {
  if (d == 0.0) d = 0.0;  // -0.0 == 0.0
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return Mix(bits ^ 0x3c6ef372fe94f82bULL);
}

template <typename ArrayType, typename F>
void ForEach(const ArrayType& a, uint64_t* out, F&& value_hash) {
  const int64_t n = a.length();
  if (a.null_count() == 0) {
    for (int64_t i = 0; i < n; ++i) out[i] = Combine(out[i], value_hash(i));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      out[i] = Combine(out[i], a.IsNull(i) ? kNullHash : value_hash(i));
    }
  }
}

// Sign- or zero-extends to 64 bits so equal values of different widths hash alike.
template <typename CType>
void HashIntegers(const arrow::Array& array, uint64_t* out) {
  const CType* v = array.data()->GetValues<CType>(1);
  ForEach(array, out, [&](int64_t i) {
    return Mix(static_cast<uint64_t>(static_cast<int64_t>(v[i])));
  });
}

template <typename ArrayType>
void HashBinary(const arrow::Array& array, uint64_t* out) {
  const auto& a = static_cast<const ArrayType&>(array);
  ForEach(a, out, [&](int64_t i) {
    auto view = a.GetView(i);
    return HashBytes(view.data(), static_cast<int64_t>(view.size()));
  });
}

arrow::Status HashColumn(const arrow::Array& array, const std::string& name,
                         uint64_t* out) {
  using arrow::Type;
  switch (array.type_id()) {
    case Type::BOOL: {
      const auto& a = static_cast<const arrow::BooleanArray&>(array);
      ForEach(a, out, [&](int64_t i) { return Mix(a.Value(i) ? 1 : 2); });
      return arrow::Status::OK();
    }
    case Type::INT8:
      HashIntegers<int8_t>(array, out);
      return arrow::Status::OK();
    case Type::INT16:
      HashIntegers<int16_t>(array, out);
      return arrow::Status::OK();
    case Type::INT32:
    case Type::DATE32:
    case Type::TIME32:
      HashIntegers<int32_t>(array, out);
      return arrow::Status::OK();
    case Type::INT64:
    case Type::DATE64:
    case Type::TIME64:
    case Type::TIMESTAMP:
    case Type::DURATION:
      HashIntegers<int64_t>(array, out);
      return arrow::Status::OK();
    case Type::UINT8:
      HashIntegers<uint8_t>(array, out);
      return arrow::Status::OK();
    case Type::UINT16:
      HashIntegers<uint16_t>(array, out);
      return arrow::Status::OK();
    case Type::UINT32:
      HashIntegers<uint32_t>(array, out);
      return arrow::Status::OK();
    case Type::UINT64:
      HashIntegers<uint64_t>(array, out);
      return arrow::Status::OK();
    case Type::FLOAT: {
      const auto& a = static_cast<const arrow::FloatArray&>(array);
      ForEach(a, out, [&](int64_t i) { return HashDouble(a.Value(i)); });
      return arrow::Status::OK();
    }
    case Type::DOUBLE: {
      const auto& a = static_cast<const arrow::DoubleArray&>(array);
      ForEach(a, out, [&](int64_t i) { return HashDouble(a.Value(i)); });
      return arrow::Status::OK();
    }
    case Type::STRING:
    case Type::BINARY:
      HashBinary<arrow::BinaryArray>(array, out);
      return arrow::Status::OK();
    case Type::LARGE_STRING:
    case Type::LARGE_BINARY:
      HashBinary<arrow::LargeBinaryArray>(array, out);
      return arrow::Status::OK();
    case Type::STRING_VIEW:
    case Type::BINARY_VIEW:
      HashBinary<arrow::BinaryViewArray>(array, out);
      return arrow::Status::OK();
    case Type::FIXED_SIZE_BINARY:
    case Type::DECIMAL32:
    case Type::DECIMAL64:
    case Type::DECIMAL128:
    case Type::DECIMAL256:
      HashBinary<arrow::FixedSizeBinaryArray>(array, out);
      return arrow::Status::OK();
    case Type::DICTIONARY: {
      const auto& dict_type = static_cast<const arrow::DictionaryType&>(*array.type());
      ARROW_ASSIGN_OR_RAISE(auto dense,
                            arrow::compute::Cast(array, dict_type.value_type()));
      return HashColumn(*dense, name, out);
    }
    case Type::NA:
      for (int64_t i = 0; i < array.length(); ++i) out[i] = Combine(out[i], kNullHash);
      return arrow::Status::OK();
    default:
      return UserError("column '{}' of type {} cannot be used as a key", name,
                       array.type()->ToString());
  }
}

}  // namespace

uint64_t HashBytes(const void* data, int64_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = Mix(static_cast<uint64_t>(len) ^ kSeed);
  while (len >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = Mix(h ^ word) * 0x9fb21c651e98df25ULL;
    p += 8;
    len -= 8;
  }
  if (len > 0) {
    uint64_t word = 0;
    std::memcpy(&word, p, static_cast<size_t>(len));
    h = Mix(h ^ word ^ (static_cast<uint64_t>(len) << 56));
  }
  return Mix(h);
}

arrow::Result<std::vector<uint64_t>> HashKeyColumns(const arrow::RecordBatch& batch,
                                                    const std::vector<int>& key_indices) {
  std::vector<uint64_t> out(static_cast<size_t>(batch.num_rows()), kSeed);
  for (int index : key_indices) {
    if (index < 0 || index >= batch.num_columns()) {
      return arrow::Status::IndexError("key column index ", index, " out of range");
    }
    ARROW_RETURN_NOT_OK(HashColumn(*batch.column(index),
                                   batch.schema()->field(index)->name(), out.data()));
  }
  return out;
}

}  // namespace weir::expr
