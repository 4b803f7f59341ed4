#include "weir/connectors/filesystem/bucket_assigner.h"

#include <algorithm>
#include <ctime>
#include <unordered_map>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/runtime/operators/watermark_strategy.h"
#include "weir/types/partition_value.h"

namespace weir::connectors {

namespace {

constexpr int64_t kSecond = 1'000'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Parses "+hh:mm" / "-hh:mm" / "UTC+hh:mm"; nullopt when not a fixed offset.
std::optional<int64_t> FixedOffset(const std::string& tz) {
  if (tz == "UTC" || tz == "Z" || tz == "GMT") return 0;
  std::string s = tz;
  if (s.rfind("UTC", 0) == 0 || s.rfind("GMT", 0) == 0) s = s.substr(3);
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return std::nullopt;
  auto digit = [&](int i) { return s[i] >= '0' && s[i] <= '9'; };
  if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) return std::nullopt;
  const int64_t h = (s[1] - '0') * 10 + (s[2] - '0');
  const int64_t m = (s[4] - '0') * 10 + (s[5] - '0');
  if (h > 18 || m > 59) return std::nullopt;
  const int64_t off = (h * 3600 + m * 60) * kSecond;
  return s[0] == '-' ? -off : off;
}

// Converts UTC microseconds to wall-clock microseconds in `tz`.
arrow::Result<std::vector<int64_t>> ToLocal(std::vector<int64_t> utc,
                                            const std::string& tz) {
  if (auto off = FixedOffset(tz)) {
    for (auto& t : utc) t += *off;
    return utc;
  }
  arrow::Int64Builder b;
  ARROW_RETURN_NOT_OK(b.AppendValues(utc));
  ARROW_ASSIGN_OR_RAISE(auto ints, b.Finish());
  auto type = arrow::timestamp(arrow::TimeUnit::MICRO, tz);
  ARROW_ASSIGN_OR_RAISE(auto as_ts, ints->View(type));
  auto local = arrow::compute::CallFunction("local_timestamp", {as_ts});
  if (!local.ok())
    return UserError("unknown time zone '{}': {}", tz, local.status().message());
  auto arr = local->make_array();
  const auto* values = arr->data()->GetValues<int64_t>(1);
  return std::vector<int64_t>(values, values + arr->length());
}

// Returns the row's bucket index in `out`, adding buckets by directory.
class BucketIndex {
 public:
  explicit BucketIndex(BucketAssignment* out) : out_(out) {}
  int32_t Get(const std::string& dir, std::optional<int64_t> time) {
    auto [it, inserted] =
        by_dir_.try_emplace(dir, static_cast<int32_t>(out_->buckets.size()));
    if (inserted) {
      out_->buckets.push_back(dir);
      out_->partition_times.push_back(time);
    }
    return it->second;
  }

 private:
  BucketAssignment* out_;
  std::unordered_map<std::string, int32_t> by_dir_;
};

class SingleAssigner : public BucketAssigner {
 public:
  arrow::Status Bind(const arrow::Schema&) override { return arrow::Status::OK(); }
  arrow::Result<BucketAssignment> Assign(const arrow::RecordBatch& batch,
                                         int64_t) override {
    BucketAssignment a;
    a.buckets = {""};
    a.partition_times = {std::nullopt};
    a.row_bucket.assign(static_cast<size_t>(batch.num_rows()), 0);
    return a;
  }
};

// Parses "yyyy-MM-dd[ HH[:mm[:ss]]]" as UTC microseconds.
std::optional<int64_t> ParseDateTime(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  char tail = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2d%*c%2d:%2d:%2d%c", &y, &mo, &d, &h,
                            &mi, &se, &tail);
  if (n < 3 || n == 7 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      se > 60) {
    // Also "yyyy-MM-dd HH" and "yyyy-MM-dd HH:mm".
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &mo, &d) != 3) return std::nullopt;
    h = mi = se = 0;
    if (s.size() > 10) std::sscanf(s.c_str() + 11, "%2d:%2d:%2d", &h, &mi, &se);
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return static_cast<int64_t>(timegm(&tm)) * kSecond;
}

class ColumnsAssigner : public BucketAssigner {
 public:
  ColumnsAssigner(std::vector<std::string> columns, std::string time_pattern)
      : columns_(std::move(columns)), time_pattern_(std::move(time_pattern)) {}

  arrow::Status Bind(const arrow::Schema& schema) override {
    indices_.clear();
    for (const auto& c : columns_) {
      const int i = schema.GetFieldIndex(c);
      if (i < 0)
        return UserError("partition column '{}' is not in the input schema {}", c,
                         schema.ToString());
      if (schema.field(i)->type()->num_fields() > 0)
        return UserError("partition column '{}' has nested type {}", c,
                         schema.field(i)->type()->ToString());
      indices_.push_back(i);
    }
    if (indices_.size() == static_cast<size_t>(schema.num_fields()))
      return UserError("every column is a partition column; no data left to write");
    return arrow::Status::OK();
  }

  std::vector<int> dropped_columns() const override { return indices_; }

  arrow::Result<BucketAssignment> Assign(const arrow::RecordBatch& batch,
                                         int64_t) override {
    BucketAssignment out;
    const int64_t n = batch.num_rows();
    // Dictionary-encode each column; the combined code of a row picks its bucket.
    std::vector<std::shared_ptr<arrow::Int32Array>> codes;
    std::vector<std::shared_ptr<arrow::StringArray>> dicts;
    uint64_t combos = 1;
    for (int i : indices_) {
      ARROW_ASSIGN_OR_RAISE(auto enc, arrow::compute::DictionaryEncode(batch.column(i)));
      auto dict_array =
          std::static_pointer_cast<arrow::DictionaryArray>(enc.make_array());
      ARROW_ASSIGN_OR_RAISE(auto idx,
                            arrow::compute::Cast(*dict_array->indices(), arrow::int32()));
      ARROW_ASSIGN_OR_RAISE(
          auto text, arrow::compute::Cast(*dict_array->dictionary(), arrow::utf8()));
      codes.push_back(std::static_pointer_cast<arrow::Int32Array>(idx));
      dicts.push_back(std::static_pointer_cast<arrow::StringArray>(text));
      combos *= static_cast<uint64_t>(dicts.back()->length() + 1);  // +1: null
    }
    BucketIndex index(&out);
    std::unordered_map<uint64_t, int32_t> by_code;
    out.row_bucket.resize(static_cast<size_t>(n));
    std::vector<uint64_t> radix(codes.size());
    uint64_t r = 1;
    for (size_t k = codes.size(); k-- > 0;) {
      radix[k] = r;
      r *= static_cast<uint64_t>(dicts[k]->length() + 1);
    }
    (void)combos;
    for (int64_t row = 0; row < n; ++row) {
      uint64_t code = 0;
      for (size_t k = 0; k < codes.size(); ++k) {
        const uint64_t c = codes[k]->IsNull(row)
                               ? static_cast<uint64_t>(dicts[k]->length())
                               : static_cast<uint64_t>(codes[k]->Value(row));
        code += c * radix[k];
      }
      auto [it, inserted] = by_code.try_emplace(code, 0);
      if (inserted) {
        std::string dir;
        std::vector<std::string> values;
        for (size_t k = 0; k < codes.size(); ++k) {
          if (k) dir += '/';
          dir += types::EscapePartitionKey(columns_[k]);
          dir += '=';
          if (codes[k]->IsNull(row)) {
            dir += types::kHiveDefaultPartition;
            values.emplace_back();
          } else {
            const auto v = dicts[k]->GetView(codes[k]->Value(row));
            dir += types::EscapePartitionValue(v);
            values.emplace_back(v);
          }
        }
        it->second = index.Get(dir, ExtractTime(values));
      }
      out.row_bucket[static_cast<size_t>(row)] = it->second;
    }
    return out;
  }

  std::optional<int64_t> PartitionTimeOf(const std::string& bucket) const override {
    std::vector<std::string> values;
    size_t start = 0;
    for (size_t k = 0; k < columns_.size(); ++k) {
      const size_t end = bucket.find('/', start);
      const std::string part = bucket.substr(start, end - start);
      const size_t eq = part.find('=');
      if (eq == std::string::npos) return std::nullopt;
      values.push_back(types::UnescapePartitionValue(part.substr(eq + 1)));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (values.size() != columns_.size()) return std::nullopt;
    return ExtractTime(values);
  }

 private:
  std::optional<int64_t> ExtractTime(const std::vector<std::string>& values) const {
    if (values.empty()) return std::nullopt;
    if (time_pattern_.empty()) return ParseDateTime(values[0]);
    std::string s = time_pattern_;
    // Longest names first so `$dt` does not eat `$dth`.
    std::vector<size_t> order(columns_.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return columns_[a].size() > columns_[b].size();
    });
    for (size_t k : order) {
      const std::string key = "$" + columns_[k];
      for (size_t pos; (pos = s.find(key)) != std::string::npos;)
        s.replace(pos, key.size(), values[k]);
    }
    return ParseDateTime(s);
  }

  std::vector<std::string> columns_;
  std::string time_pattern_;
  std::vector<int> indices_;
};

class TimeAssigner : public BucketAssigner {
 public:
  TimeAssigner(std::string column, std::string pattern, std::string tz,
               int64_t granularity)
      : column_(std::move(column)),
        pattern_(std::move(pattern)),
        tz_(std::move(tz)),
        granularity_(granularity) {}

  arrow::Status Bind(const arrow::Schema& schema) override {
    ARROW_RETURN_NOT_OK(PatternGranularityMicros(pattern_).status());
    ARROW_RETURN_NOT_OK(ZoneOffsetMicros(tz_, 0).status());
    if (column_.empty()) return arrow::Status::OK();
    index_ = schema.GetFieldIndex(column_);
    if (index_ < 0)
      return UserError("time column '{}' is not in the input schema", column_);
    return arrow::Status::OK();
  }

  arrow::Result<BucketAssignment> Assign(const arrow::RecordBatch& batch,
                                         int64_t now_micros) override {
    std::vector<int64_t> utc;
    if (column_.empty()) {
      utc.assign(1, now_micros);
    } else {
      ARROW_ASSIGN_OR_RAISE(utc,
                            runtime::EventTimesMicros(*batch.column(index_), column_));
    }
    ARROW_ASSIGN_OR_RAISE(auto local, ToLocal(utc, tz_));
    BucketAssignment out;
    BucketIndex index(&out);
    out.row_bucket.resize(static_cast<size_t>(batch.num_rows()));
    int64_t last_slot = INT64_MIN;
    int32_t last_bucket = -1;
    for (size_t r = 0; r < out.row_bucket.size(); ++r) {
      const size_t i = column_.empty() ? 0 : r;
      const int64_t slot = FloorDiv(local[i], granularity_);
      if (slot != last_slot || last_bucket < 0) {
        const int64_t start_local = slot * granularity_;
        last_bucket = index.Get(FormatLocalTime(pattern_, start_local),
                                start_local - (local[i] - utc[i]));
        last_slot = slot;
      }
      out.row_bucket[r] = last_bucket;
    }
    return out;
  }

 private:
  std::string column_;
  std::string pattern_;
  std::string tz_;
  int64_t granularity_;
  int index_ = -1;
};

class FunctionAssigner : public BucketAssigner {
 public:
  explicit FunctionAssigner(std::function<arrow::Result<std::shared_ptr<arrow::Array>>(
                                const arrow::RecordBatch&)>
                                fn)
      : fn_(std::move(fn)) {}
  arrow::Status Bind(const arrow::Schema&) override { return arrow::Status::OK(); }
  arrow::Result<BucketAssignment> Assign(const arrow::RecordBatch& batch,
                                         int64_t) override {
    ARROW_ASSIGN_OR_RAISE(auto dirs, fn_(batch));
    if (!dirs || dirs->type_id() != arrow::Type::STRING ||
        dirs->length() != batch.num_rows())
      return UserError("the bucket function must return one string per row");
    auto text = std::static_pointer_cast<arrow::StringArray>(dirs);
    BucketAssignment out;
    BucketIndex index(&out);
    out.row_bucket.resize(static_cast<size_t>(batch.num_rows()));
    for (int64_t r = 0; r < text->length(); ++r) {
      if (text->IsNull(r))
        return UserError("the bucket function returned null at row {}", r);
      std::string dir(text->GetView(r));
      if (!dir.empty() &&
          (dir[0] == '/' || dir == ".." || dir.rfind("../", 0) == 0 ||
           dir.find("/../") != std::string::npos ||
           (dir.size() >= 3 && dir.compare(dir.size() - 3, 3, "/..") == 0))) {
        return UserError("bucket directory '{}' must be relative without '..'", dir);
      }
      out.row_bucket[static_cast<size_t>(r)] = index.Get(dir, std::nullopt);
    }
    return out;
  }

 private:
  std::function<arrow::Result<std::shared_ptr<arrow::Array>>(const arrow::RecordBatch&)>
      fn_;
};

}  // namespace

arrow::Result<int64_t> PatternGranularityMicros(const std::string& pattern) {
  int64_t finest = 0;
  bool quoted = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\'') {
      quoted = !quoted;
      continue;
    }
    if (quoted) continue;
    int64_t unit = 0;
    switch (c) {
      case 'y':
      case 'M':
      case 'd':
        unit = 86400 * kSecond;
        break;
      case 'H':
        unit = 3600 * kSecond;
        break;
      case 'm':
        unit = 60 * kSecond;
        break;
      case 's':
        unit = kSecond;
        break;
      default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
          return UserError(
              "date pattern '{}': unsupported letter '{}' (use yyyy MM dd HH mm ss, "
              "quote literals)",
              pattern, c);
        continue;
    }
    if (finest == 0 || unit < finest) finest = unit;
  }
  if (quoted) return UserError("date pattern '{}' has an unclosed quote", pattern);
  if (finest == 0)
    return UserError("date pattern '{}' has no date or time field", pattern);
  return finest;
}

std::string FormatLocalTime(const std::string& pattern, int64_t local_micros) {
  const std::time_t secs = static_cast<std::time_t>(FloorDiv(local_micros, kSecond));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      quoted = !quoted;
      ++i;
      continue;
    }
    size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    if (quoted) {
      out.append(pattern, i, run);
      i += run;
      continue;
    }
    auto num = [&](int v, size_t width) { out += fmt::format("{:0{}d}", v, width); };
    switch (c) {
      case 'y':
        if (run == 2)
          num((tm.tm_year + 1900) % 100, 2);
        else
          num(tm.tm_year + 1900, run);
        break;
      case 'M':
        num(tm.tm_mon + 1, run);
        break;
      case 'd':
        num(tm.tm_mday, run);
        break;
      case 'H':
        num(tm.tm_hour, run);
        break;
      case 'm':
        num(tm.tm_min, run);
        break;
      case 's':
        num(tm.tm_sec, run);
        break;
      default:
        out.append(pattern, i, run);
    }
    i += run;
  }
  return out;
}

arrow::Result<int64_t> ZoneOffsetMicros(const std::string& time_zone,
                                        int64_t utc_micros) {
  ARROW_ASSIGN_OR_RAISE(auto local, ToLocal({utc_micros}, time_zone));
  return local[0] - utc_micros;
}

BucketAssignerFactory SingleBucket() {
  return [] { return std::make_unique<SingleAssigner>(); };
}

BucketAssignerFactory PartitionColumns(std::vector<std::string> columns,
                                       std::string time_pattern) {
  return [columns, time_pattern] {
    return std::make_unique<ColumnsAssigner>(columns, time_pattern);
  };
}

BucketAssignerFactory EventTimeBuckets(std::string column, std::string pattern,
                                       std::string time_zone) {
  auto granularity = PatternGranularityMicros(pattern);
  const int64_t g = granularity.ok() ? *granularity : 3600 * kSecond;
  return [=] { return std::make_unique<TimeAssigner>(column, pattern, time_zone, g); };
}

BucketAssignerFactory ProcessingTimeBuckets(std::string pattern, std::string time_zone) {
  return EventTimeBuckets("", std::move(pattern), std::move(time_zone));
}

BucketAssignerFactory FunctionBuckets(
    std::function<arrow::Result<std::shared_ptr<arrow::Array>>(const arrow::RecordBatch&)>
        fn) {
  return [fn] { return std::make_unique<FunctionAssigner>(fn); };
}

}  // namespace weir::connectors
