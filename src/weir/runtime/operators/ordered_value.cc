#include "weir/runtime/operators/ordered_value.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <arrow/builder.h>
#include <arrow/compute/cast.h>

#include "weir/common/error.h"

namespace weir::runtime {

namespace {

// Big-endian bytes of `v`: memcmp order equals unsigned numeric order.
void PutBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t GetBigEndian(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

uint64_t OrderedDouble(double d) {
  if (d == 0.0) d = 0.0;  // -0.0 and 0.0 are one value
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  // Negative numbers: flip every bit; positive ones: flip the sign bit.
  return (bits & kSignBit) ? ~bits : bits | kSignBit;
}

double DoubleFromOrdered(uint64_t v) {
  uint64_t bits = (v & kSignBit) ? v & ~kSignBit : ~v;
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

std::string_view BinaryView(const arrow::Array& a, int64_t row) {
  switch (a.type_id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      return static_cast<const arrow::BinaryArray&>(a).GetView(row);
    case arrow::Type::LARGE_STRING:
    case arrow::Type::LARGE_BINARY:
      return static_cast<const arrow::LargeBinaryArray&>(a).GetView(row);
    default:
      return static_cast<const arrow::BinaryViewArray&>(a).GetView(row);
  }
}

}  // namespace

arrow::Result<OrderedValueCodec> OrderedValueCodec::Make(
    std::shared_ptr<arrow::DataType> type) {
  using arrow::Type;
  OrderedValueCodec codec;
  switch (type->id()) {
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64:
    case Type::DATE32:
    case Type::DATE64:
    case Type::TIME32:
    case Type::TIME64:
    case Type::TIMESTAMP:
    case Type::DURATION:
      codec.layout_ = Layout::kSigned;
      codec.width_ = arrow::bit_width(type->id()) / 8;
      break;
    case Type::UINT8:
    case Type::UINT16:
    case Type::UINT32:
    case Type::UINT64:
      codec.layout_ = Layout::kUnsigned;
      codec.width_ = arrow::bit_width(type->id()) / 8;
      break;
    case Type::FLOAT:
      codec.layout_ = Layout::kFloat;
      codec.width_ = 4;
      break;
    case Type::DOUBLE:
      codec.layout_ = Layout::kDouble;
      break;
    case Type::BOOL:
      codec.layout_ = Layout::kBool;
      break;
    case Type::DECIMAL128:
      codec.layout_ = Layout::kDecimal;
      codec.width_ = 16;
      break;
    case Type::STRING:
    case Type::BINARY:
    case Type::LARGE_STRING:
    case Type::LARGE_BINARY:
    case Type::STRING_VIEW:
    case Type::BINARY_VIEW:
      codec.layout_ = Layout::kBytes;
      break;
    default:
      return UserError("values of type {} cannot be ordered or counted here",
                       type->ToString());
  }
  codec.type_ = std::move(type);
  return codec;
}

void OrderedValueCodec::Encode(const arrow::Array& a, int64_t row,
                               std::string* out) const {
  out->clear();
  const arrow::ArrayData& data = *a.data();
  switch (layout_) {
    case Layout::kSigned: {
      int64_t v = 0;
      switch (width_) {
        case 1:
          v = data.GetValues<int8_t>(1)[row];
          break;
        case 2:
          v = data.GetValues<int16_t>(1)[row];
          break;
        case 4:
          v = data.GetValues<int32_t>(1)[row];
          break;
        default:
          v = data.GetValues<int64_t>(1)[row];
      }
      PutBigEndian(static_cast<uint64_t>(v) ^ kSignBit, out);
      break;
    }
    case Layout::kUnsigned: {
      uint64_t v = 0;
      switch (width_) {
        case 1:
          v = data.GetValues<uint8_t>(1)[row];
          break;
        case 2:
          v = data.GetValues<uint16_t>(1)[row];
          break;
        case 4:
          v = data.GetValues<uint32_t>(1)[row];
          break;
        default:
          v = data.GetValues<uint64_t>(1)[row];
      }
      PutBigEndian(v, out);
      break;
    }
    case Layout::kFloat:
      PutBigEndian(OrderedDouble(data.GetValues<float>(1)[row]), out);
      break;
    case Layout::kDouble:
      PutBigEndian(OrderedDouble(data.GetValues<double>(1)[row]), out);
      break;
    case Layout::kBool:
      out->push_back(static_cast<const arrow::BooleanArray&>(a).Value(row) ? '\1' : '\0');
      break;
    case Layout::kDecimal: {
      const uint64_t* words = data.GetValues<uint64_t>(1) + 2 * row;  // little-endian
      PutBigEndian(words[1] ^ kSignBit, out);
      PutBigEndian(words[0], out);
      break;
    }
    case Layout::kBytes: {
      std::string_view v = BinaryView(a, row);
      out->assign(v.data(), v.size());
      break;
    }
  }
}

arrow::Result<std::shared_ptr<arrow::Array>> OrderedValueCodec::Decode(
    const std::vector<const std::string*>& values) const {
  const int64_t n = static_cast<int64_t>(values.size());
  if (layout_ == Layout::kBytes) {
    arrow::BinaryBuilder builder;
    ARROW_RETURN_NOT_OK(builder.Reserve(n));
    for (const std::string* v : values) {
      if (v == nullptr) {
        ARROW_RETURN_NOT_OK(builder.AppendNull());
      } else {
        ARROW_RETURN_NOT_OK(builder.Append(*v));
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto binary, builder.Finish());
    // Same layout as utf8 and binary; other string types by a cast.
    auto data = binary->data()->Copy();
    const bool is_string = type_->id() == arrow::Type::STRING ||
                           type_->id() == arrow::Type::LARGE_STRING ||
                           type_->id() == arrow::Type::STRING_VIEW;
    data->type = is_string ? arrow::utf8() : arrow::binary();
    auto plain = arrow::MakeArray(data);
    if (plain->type()->Equals(*type_)) return plain;
    return arrow::compute::Cast(*plain, type_);
  }
  if (layout_ == Layout::kBool) {
    arrow::BooleanBuilder builder;
    ARROW_RETURN_NOT_OK(builder.Reserve(n));
    for (const std::string* v : values) {
      if (v == nullptr) {
        builder.UnsafeAppendNull();
      } else {
        builder.UnsafeAppend((*v)[0] != '\0');
      }
    }
    return builder.Finish();
  }
  ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBuffer(n * width_));
  ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateEmptyBitmap(n));
  uint8_t* out = buffer->mutable_data();
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; ++i) {
    const std::string* v = values[static_cast<size_t>(i)];
    uint8_t* slot = out + i * width_;
    if (v == nullptr) {
      std::memset(slot, 0, static_cast<size_t>(width_));
      ++nulls;
      continue;
    }
    arrow::bit_util::SetBit(validity->mutable_data(), i);
    const uint64_t word = GetBigEndian(v->data());
    switch (layout_) {
      case Layout::kSigned: {
        const int64_t x = static_cast<int64_t>(word ^ kSignBit);
        if (width_ == 1) {
          int8_t y = static_cast<int8_t>(x);
          std::memcpy(slot, &y, 1);
        } else if (width_ == 2) {
          int16_t y = static_cast<int16_t>(x);
          std::memcpy(slot, &y, 2);
        } else if (width_ == 4) {
          int32_t y = static_cast<int32_t>(x);
          std::memcpy(slot, &y, 4);
        } else {
          std::memcpy(slot, &x, 8);
        }
        break;
      }
      case Layout::kUnsigned:
        if (width_ == 1) {
          uint8_t y = static_cast<uint8_t>(word);
          std::memcpy(slot, &y, 1);
        } else if (width_ == 2) {
          uint16_t y = static_cast<uint16_t>(word);
          std::memcpy(slot, &y, 2);
        } else if (width_ == 4) {
          uint32_t y = static_cast<uint32_t>(word);
          std::memcpy(slot, &y, 4);
        } else {
          std::memcpy(slot, &word, 8);
        }
        break;
      case Layout::kFloat: {
        float f = static_cast<float>(DoubleFromOrdered(word));
        std::memcpy(slot, &f, 4);
        break;
      }
      case Layout::kDouble: {
        double d = DoubleFromOrdered(word);
        std::memcpy(slot, &d, 8);
        break;
      }
      case Layout::kDecimal: {
        const uint64_t words[2] = {GetBigEndian(v->data() + 8), word ^ kSignBit};
        std::memcpy(slot, words, 16);
        break;
      }
      default:
        break;
    }
  }
  std::shared_ptr<arrow::Buffer> validity_buffer = std::move(validity);
  if (nulls == 0) validity_buffer = nullptr;
  return arrow::MakeArray(
      arrow::ArrayData::Make(type_, n, {validity_buffer, std::move(buffer)}, nulls));
}

}  // namespace weir::runtime
