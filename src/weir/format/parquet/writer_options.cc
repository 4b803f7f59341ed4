#include "weir/format/parquet/writer_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "weir/common/error.h"

namespace weir::format {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

arrow::Status ParseCompression(std::string_view text, WriterOptions* options) {
  std::string s = Lower(text);
  std::optional<int> level;
  auto open = s.find_first_of("(:");
  if (open != std::string::npos) {
    std::string lv = s.substr(open + 1);
    if (!lv.empty() && lv.back() == ')') lv.pop_back();
    int v = 0;
    auto [ptr, ec] = std::from_chars(lv.data(), lv.data() + lv.size(), v);
    if (ec != std::errc() || ptr != lv.data() + lv.size() || lv.empty()) {
      return UserError("invalid compression level in '{}'", text);
    }
    level = v;
    s = s.substr(0, open);
  }
  static const std::pair<const char*, arrow::Compression::type> kCodecs[] = {
      {"none", arrow::Compression::UNCOMPRESSED},
      {"uncompressed", arrow::Compression::UNCOMPRESSED},
      {"snappy", arrow::Compression::SNAPPY},
      {"gzip", arrow::Compression::GZIP},
      {"zstd", arrow::Compression::ZSTD},
      {"lz4_raw", arrow::Compression::LZ4},
      {"lz4", arrow::Compression::LZ4},
      {"brotli", arrow::Compression::BROTLI},
  };
  for (const auto& [name, codec] : kCodecs) {
    if (s != name) continue;
    if (level && (codec == arrow::Compression::UNCOMPRESSED ||
                  codec == arrow::Compression::SNAPPY)) {
      return UserError("compression '{}' takes no level", name);
    }
    if (level) {
      auto lo = arrow::util::Codec::MinimumCompressionLevel(codec);
      auto hi = arrow::util::Codec::MaximumCompressionLevel(codec);
      if (lo.ok() && hi.ok() && (*level < *lo || *level > *hi)) {
        return UserError("compression level {} for {} is outside [{}, {}]", *level, name,
                         *lo, *hi);
      }
    }
    options->compression = codec;
    options->compression_level = level;
    return arrow::Status::OK();
  }
  return UserError(
      "unknown compression '{}'; use none, snappy, gzip, zstd, lz4_raw or brotli, "
      "optionally with a level as zstd(9)",
      text);
}

arrow::Result<int64_t> ParseSize(std::string_view text) {
  std::string s = Lower(text);
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, value);
  if (i == 0 || ec != std::errc()) return UserError("invalid size '{}'", text);
  std::string unit = s.substr(i);
  int64_t mult = 1;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    mult = 1LL << 10;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    mult = 1LL << 20;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    mult = 1LL << 30;
  } else {
    return UserError("invalid size unit in '{}'; use K, M or G", text);
  }
  if (value <= 0) return UserError("size '{}' must be positive", text);
  return value * mult;
}

}  // namespace weir::format
