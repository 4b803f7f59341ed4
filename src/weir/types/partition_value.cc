#include "weir/types/partition_value.h"

#include <charconv>
#include <limits>

#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "weir/common/error.h"

namespace weir::types {
namespace {

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool LooksLikeDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::shared_ptr<arrow::DataType> InferPartitionType(
    const std::vector<std::string>& values) {
  bool all_int = true, all_date = true, any = false;
  int64_t lo = 0, hi = 0;
  for (const auto& v : values) {
    if (v == kHiveDefaultPartition) continue;
    int64_t x;
    if (ParseInt64(v, &x)) {
      lo = any ? std::min(lo, x) : x;
      hi = any ? std::max(hi, x) : x;
    } else {
      all_int = false;
    }
    if (!LooksLikeDate(v)) all_date = false;
    any = true;
  }
  if (!any) return arrow::utf8();
  if (all_int) {
    if (lo >= std::numeric_limits<int32_t>::min() &&
        hi <= std::numeric_limits<int32_t>::max()) {
      return arrow::int32();
    }
    return arrow::int64();
  }
  if (all_date) return arrow::date32();
  return arrow::utf8();
}

arrow::Result<std::shared_ptr<arrow::Scalar>> ParsePartitionValue(
    std::string_view raw, const std::shared_ptr<arrow::DataType>& type) {
  if (raw == kHiveDefaultPartition) return arrow::MakeNullScalar(type);
  std::shared_ptr<arrow::Scalar> text = arrow::MakeScalar(std::string(raw));
  if (type->id() == arrow::Type::STRING) return text;
  auto cast = arrow::compute::Cast(text, type);
  if (!cast.ok()) {
    return UserError("partition value '{}' is not a valid {}", raw, type->ToString());
  }
  return cast->scalar();
}

std::string UnescapePartitionValue(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '%' && i + 2 < escaped.size()) {
      int a = HexDigit(escaped[i + 1]), b = HexDigit(escaped[i + 2]);
      if (a >= 0 && b >= 0) {
        out.push_back(static_cast<char>(a * 16 + b));
        i += 2;
        continue;
      }
    }
    out.push_back(escaped[i]);
  }
  return out;
}

std::string EscapePartitionValue(std::string_view value) {
  static constexpr std::string_view kUnsafe = "\"#%'*/:=?\\\x7f{}[]^";
  std::string out;
  for (unsigned char c : value) {
    if (c < 0x20 || kUnsafe.find(static_cast<char>(c)) != std::string_view::npos) {
      out += fmt::format("%{:02X}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string EscapePartitionKey(std::string_view key) {
  if (!key.empty() && (key[0] == '.' || key[0] == '_')) {
    return fmt::format("%{:02X}", key[0]) + EscapePartitionValue(key.substr(1));
  }
  return EscapePartitionValue(key);
}

}  // namespace weir::types
