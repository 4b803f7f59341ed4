#include "weir/connectors/datagen/source.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include <fmt/format.h>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/builder.h>
#include <arrow/util/bit_util.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/runtime/checkpoint/state_entry.h"

namespace weir::connectors {

namespace {

// Counter-based randomness: the value of row `ordinal` in field `field` depends on
// nothing else, so data does not change with batch size or parallelism.
inline uint64_t RandomBits(uint64_t seed, int field, int64_t ordinal) {
  return expr::Mix64(seed + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(field) + 1) +
                     0xd1b54a32d192ed03ULL * static_cast<uint64_t>(ordinal));
}

inline double Unit(uint64_t bits) {  // [0, 1)
  return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}

bool Supported(const arrow::DataType& t) {
  return arrow::is_integer(t.id()) || arrow::is_floating(t.id()) ||
         t.id() == arrow::Type::BOOL || t.id() == arrow::Type::STRING ||
         t.id() == arrow::Type::LARGE_STRING || t.id() == arrow::Type::TIMESTAMP ||
         t.id() == arrow::Type::DATE32;
}

// The default range of random integers of a type, clamped to what a double holds.
void IntegerRange(const arrow::DataType& t, double* lo, double* hi) {
  const int bits = arrow::bit_width(t.id());
  if (arrow::is_unsigned_integer(t.id())) {
    *lo = 0;
    *hi = bits >= 53 ? 9007199254740991.0 : std::ldexp(1.0, bits) - 1;
  } else {
    *lo = bits >= 53 ? -9007199254740991.0 : -std::ldexp(1.0, bits - 1);
    *hi = bits >= 53 ? 9007199254740991.0 : std::ldexp(1.0, bits - 1) - 1;
  }
}

}  // namespace

DatagenSource::DatagenSource(DatagenOptions options, const runtime::SubtaskInfo& info)
    : options_(std::move(options)), info_(info) {}

arrow::Status DatagenSource::Open(runtime::OperatorContext* context) {
  context_ = context;
  const int64_t p = info_.parallelism, i = info_.index;
  // Bounded length: number-of-rows and every sequence's length.
  std::optional<int64_t> total = options_.number_of_rows;
  for (const auto& [name, f] : options_.fields) {
    if (f.kind != DatagenFieldOptions::Kind::kSequence) continue;
    const int64_t n = f.end - f.start + 1;
    total = total ? std::min(*total, n) : n;
  }
  if (total) {
    first_ = *total * i / p;
    end_ = *total * (i + 1) / p;
  } else {
    first_ = 0;
    end_ = std::numeric_limits<int64_t>::max();
  }
  next_ = first_;
  if (options_.rows_per_second) {
    const int64_t r = *options_.rows_per_second;
    rate_ = static_cast<double>(r / p + (i < r % p ? 1 : 0));
  }
  started_micros_ = context->ProcessingTime();
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Array>> DatagenSource::Generate(int field,
                                                                     int64_t first_row,
                                                                     int64_t rows) {
  const auto& f = options_.schema->field(field);
  const auto& type = f->type();
  DatagenFieldOptions spec;
  if (auto it = options_.fields.find(f->name()); it != options_.fields.end())
    spec = it->second;
  const bool bounded = end_ != std::numeric_limits<int64_t>::max();
  // Global ordinal of the k-th row of this batch: contiguous when bounded,
  // interleaved between subtasks when not.
  auto ordinal = [&](int64_t k) {
    return bounded ? first_row + k : (first_row + k) * info_.parallelism + info_.index;
  };
  const uint64_t seed = options_.seed;

  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  if (spec.null_rate > 0) {
    ARROW_ASSIGN_OR_RAISE(validity, arrow::AllocateBitmap(rows));
    uint8_t* bits = validity->mutable_data();
    for (int64_t k = 0; k < rows; ++k) {
      const bool valid =
          Unit(RandomBits(seed ^ 0x5bd1e995, field, ordinal(k))) >= spec.null_rate;
      arrow::bit_util::SetBitTo(bits, k, valid);
      null_count += !valid;
    }
  }

  if (type->id() == arrow::Type::STRING || type->id() == arrow::Type::LARGE_STRING) {
    arrow::StringBuilder b;
    ARROW_RETURN_NOT_OK(b.Reserve(rows));
    std::string s;
    for (int64_t k = 0; k < rows; ++k) {
      if (validity && !arrow::bit_util::GetBit(validity->data(), k)) {
        ARROW_RETURN_NOT_OK(b.AppendNull());
        continue;
      }
      if (spec.kind == DatagenFieldOptions::Kind::kSequence) {
        s = std::to_string(spec.start + ordinal(k));
      } else {
        s.resize(static_cast<size_t>(spec.length));
        uint64_t bitsrc = 0;
        for (int c = 0; c < spec.length; ++c) {
          if (c % 10 == 0)
            bitsrc = RandomBits(seed, field, ordinal(k) * 1315423911LL + c);
          s[c] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[bitsrc %
                                                                                  62];
          bitsrc /= 62;
        }
      }
      ARROW_RETURN_NOT_OK(b.Append(s));
    }
    ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
    if (type->id() == arrow::Type::LARGE_STRING) {
      arrow::LargeStringBuilder lb;
      for (int64_t k = 0; k < rows; ++k) {
        if (arr->IsNull(k)) {
          ARROW_RETURN_NOT_OK(lb.AppendNull());
        } else {
          ARROW_RETURN_NOT_OK(
              lb.Append(static_cast<const arrow::StringArray&>(*arr).GetView(k)));
        }
      }
      return lb.Finish();
    }
    return arr;
  }

  if (type->id() == arrow::Type::BOOL) {
    ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateBitmap(rows));
    for (int64_t k = 0; k < rows; ++k)
      arrow::bit_util::SetBitTo(values->mutable_data(), k,
                                RandomBits(seed, field, ordinal(k)) & 1);
    return std::make_shared<arrow::BooleanArray>(rows, values, validity, null_count);
  }

  // Fixed-width numbers, dates and timestamps: fill a buffer directly.
  const int width = arrow::bit_width(type->id()) / 8;
  ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(rows * width));
  uint8_t* out = values->mutable_data();
  const bool floating = arrow::is_floating(type->id());
  double lo, hi;
  if (floating) {
    lo = spec.min.value_or(0.0);
    hi = spec.max.value_or(1.0);
  } else if (type->id() == arrow::Type::TIMESTAMP) {
    const double now = static_cast<double>(context_->ProcessingTime());
    lo = spec.min.value_or(now);
    hi = spec.max.value_or(now);
  } else if (type->id() == arrow::Type::DATE32) {
    lo = spec.min.value_or(0);
    hi = spec.max.value_or(20000);
  } else {
    IntegerRange(*type, &lo, &hi);
    if (spec.min) lo = *spec.min;
    if (spec.max) hi = *spec.max;
  }
  int64_t ts_div = 1;  // timestamps: options are in microseconds
  if (type->id() == arrow::Type::TIMESTAMP) {
    switch (static_cast<const arrow::TimestampType&>(*type).unit()) {
      case arrow::TimeUnit::SECOND:
        ts_div = 1000000;
        break;
      case arrow::TimeUnit::MILLI:
        ts_div = 1000;
        break;
      case arrow::TimeUnit::MICRO:
        break;
      case arrow::TimeUnit::NANO:
        ts_div = -1000;  // multiply
        break;
    }
  }
  const double ilo = std::ceil(lo), ihi = std::floor(hi);
  const uint64_t span = ihi >= ilo ? static_cast<uint64_t>(ihi - ilo) + 1 : 1;
  for (int64_t k = 0; k < rows; ++k) {
    const int64_t ord = ordinal(k);
    if (floating) {
      const double v = lo + (hi - lo) * Unit(RandomBits(seed, field, ord));
      if (width == 8) {
        reinterpret_cast<double*>(out)[k] = v;
      } else {
        reinterpret_cast<float*>(out)[k] = static_cast<float>(v);
      }
      continue;
    }
    int64_t v = spec.kind == DatagenFieldOptions::Kind::kSequence
                    ? spec.start + ord
                    : static_cast<int64_t>(ilo) +
                          static_cast<int64_t>(RandomBits(seed, field, ord) % span);
    if (ts_div > 1) v /= ts_div;
    if (ts_div < 0) v *= -ts_div;
    switch (width) {
      case 1:
        reinterpret_cast<int8_t*>(out)[k] = static_cast<int8_t>(v);
        break;
      case 2:
        reinterpret_cast<int16_t*>(out)[k] = static_cast<int16_t>(v);
        break;
      case 4:
        reinterpret_cast<int32_t*>(out)[k] = static_cast<int32_t>(v);
        break;
      default:
        reinterpret_cast<int64_t*>(out)[k] = v;
    }
  }
  auto data =
      arrow::ArrayData::Make(type, rows, {validity, std::move(values)}, null_count);
  return arrow::MakeArray(data);
}

arrow::Status DatagenSource::SnapshotOperatorState(runtime::CheckpointId,
                                                   std::vector<std::string>* entries) {
  if (end_ == std::numeric_limits<int64_t>::max()) {
    entries->push_back(runtime::StateEntry("datagen/unbounded")
                           .Add("next", next_)
                           .Add("subtask", info_.index)
                           .Add("parallelism", info_.parallelism)
                           .Encode());
    return arrow::Status::OK();
  }
  auto range = [](int64_t from, int64_t to) {
    return runtime::StateEntry("datagen/range").Add("from", from).Add("to", to).Encode();
  };
  if (next_ < end_) entries->push_back(range(next_, end_));
  for (const auto& [a, b] : queued_) entries->push_back(range(a, b));
  return arrow::Status::OK();
}

arrow::Status DatagenSource::RestoreOperatorState(
    const std::vector<std::string>& entries) {
  const bool unbounded = end_ == std::numeric_limits<int64_t>::max();
  queued_.clear();
  next_ = end_ = 0;
  for (const auto& bytes : entries) {
    ARROW_ASSIGN_OR_RAISE(auto entry, runtime::StateEntry::Decode(bytes, "datagen"));
    if (entry.kind() == "datagen/unbounded") {
      ARROW_ASSIGN_OR_RAISE(int64_t next, entry.Int("next"));
      ARROW_ASSIGN_OR_RAISE(int64_t subtask, entry.Int("subtask"));
      ARROW_ASSIGN_OR_RAISE(int64_t parallelism, entry.Int("parallelism"));
      if (!unbounded || subtask != info_.index || parallelism != info_.parallelism) {
        return UserError(
            "an unbounded datagen source cannot be restored at another parallelism "
            "(checkpoint has {}, job has {})",
            parallelism, info_.parallelism);
      }
      next_ = next;
      end_ = std::numeric_limits<int64_t>::max();
      continue;
    }
    if (entry.kind() != "datagen/range" || unbounded) {
      return UserError("datagen: unreadable checkpoint entry of kind '{}'", entry.kind());
    }
    ARROW_ASSIGN_OR_RAISE(int64_t from, entry.Int("from"));
    ARROW_ASSIGN_OR_RAISE(int64_t to, entry.Int("to"));
    if (from > to) return UserError("datagen: unreadable checkpoint entry (range)");
    queued_.emplace_back(from, to);
  }
  if (unbounded && end_ == 0) {
    return UserError(
        "an unbounded datagen source cannot be restored at another "
        "parallelism (subtask {} has no state)",
        info_.index);
  }
  std::reverse(queued_.begin(), queued_.end());  // popped from the back
  started_micros_ = context_->ProcessingTime();
  emitted_ = 0;
  return arrow::Status::OK();
}

arrow::Result<runtime::PollResult> DatagenSource::Poll(runtime::Output* out) {
  while (next_ >= end_ && !queued_.empty()) {
    std::tie(next_, end_) = queued_.back();
    queued_.pop_back();
  }
  if (next_ >= end_) return runtime::PollResult::End();
  int64_t rows = std::min(options_.batch_size, end_ - next_);
  if (rate_ > 0) {
    // Emit in small slices (20 per second) so the rate is smooth, and wait when ahead.
    rows =
        std::min<int64_t>(rows, std::max<int64_t>(1, static_cast<int64_t>(rate_ / 20)));
    const int64_t done = emitted_;
    const int64_t now = context_->ProcessingTime();
    const double allowed = static_cast<double>(now - started_micros_) * rate_ / 1e6;
    if (static_cast<double>(done) >= allowed) {
      const int64_t at =
          started_micros_ +
          static_cast<int64_t>(static_cast<double>(done + rows) * 1e6 / rate_);
      return runtime::PollResult::WaitUntil(at);
    }
  }
  arrow::ArrayVector columns;
  for (int f = 0; f < options_.schema->num_fields(); ++f) {
    ARROW_ASSIGN_OR_RAISE(auto column, Generate(f, next_, rows));
    columns.push_back(std::move(column));
  }
  next_ += rows;
  emitted_ += rows;
  ARROW_RETURN_NOT_OK(
      out->Emit(arrow::RecordBatch::Make(options_.schema, rows, std::move(columns))));
  return runtime::PollResult::More();
}

arrow::Result<runtime::SourceFactory> MakeDatagenSource(DatagenOptions options) {
  if (!options.schema || options.schema->num_fields() == 0) {
    return UserError("datagen needs at least one field");
  }
  if (options.batch_size <= 0) return UserError("datagen batch size must be positive");
  if (options.rows_per_second && *options.rows_per_second <= 0) {
    return UserError("datagen 'rows-per-second' must be positive, got {}",
                     *options.rows_per_second);
  }
  if (options.number_of_rows && *options.number_of_rows < 0) {
    return UserError("datagen 'number-of-rows' must not be negative, got {}",
                     *options.number_of_rows);
  }
  for (const auto& f : options.schema->fields()) {
    if (!Supported(*f->type())) {
      return UserError("datagen cannot generate field '{}' of type {}", f->name(),
                       f->type()->ToString());
    }
  }
  for (const auto& [name, spec] : options.fields) {
    auto field = options.schema->GetFieldByName(name);
    if (!field) return UserError("datagen options name unknown field '{}'", name);
    if (spec.kind == DatagenFieldOptions::Kind::kSequence) {
      if (spec.end < spec.start) {
        return UserError("datagen field '{}': sequence end {} is before start {}", name,
                         spec.end, spec.start);
      }
      if (arrow::is_floating(field->type()->id()) ||
          field->type()->id() == arrow::Type::BOOL) {
        return UserError("datagen field '{}' of type {} cannot be a sequence", name,
                         field->type()->ToString());
      }
    }
    if (spec.min && spec.max && *spec.min > *spec.max) {
      return UserError("datagen field '{}': min {} is above max {}", name, *spec.min,
                       *spec.max);
    }
    if (spec.length < 0) return UserError("datagen field '{}': negative length", name);
    if (spec.null_rate < 0 || spec.null_rate > 1) {
      return UserError("datagen field '{}': null rate must be within 0 … 1", name);
    }
  }
  return runtime::SourceFactory(
      [options](const runtime::SubtaskInfo& info)
          -> arrow::Result<std::unique_ptr<runtime::SourceReader>> {
        return std::make_unique<DatagenSource>(options, info);
      });
}

}  // namespace weir::connectors
