#include "weir/runtime/operators/group_accumulators.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

#include <arrow/array/util.h>
#include <arrow/builder.h>
#include <arrow/compute/cast.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/decimal.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/ordered_value.h"

namespace weir::runtime {

namespace {

using arrow::Decimal128;

bool Retracts(const int8_t* kinds, int64_t row) {
  return kinds != nullptr && !IsAccumulate(static_cast<RowKind>(kinds[row]));
}

template <typename T>
void PutRaw(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
arrow::Status GetRaw(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return InternalError("aggregate state is truncated");
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return arrow::Status::OK();
}

void PutBytes(std::string* out, std::string_view bytes) {
  PutRaw(out, static_cast<uint32_t>(bytes.size()));
  out->append(bytes.data(), bytes.size());
}

arrow::Status GetBytes(std::string_view* in, std::string* bytes) {
  uint32_t size = 0;
  ARROW_RETURN_NOT_OK(GetRaw(in, &size));
  if (in->size() < size) return InternalError("aggregate state is truncated");
  bytes->assign(in->data(), size);
  in->remove_prefix(size);
  return arrow::Status::OK();
}

// Casts `input` to `type` when it differs (dictionaries decode, narrow integers widen).
arrow::Result<std::shared_ptr<arrow::Array>> Normalize(
    const arrow::Array& input, const std::shared_ptr<arrow::DataType>& type) {
  if (input.type()->Equals(*type)) return arrow::MakeArray(input.data());
  return arrow::compute::Cast(input, type);
}

// COUNT(*) and COUNT(x).
class CountAccumulators : public GroupAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<CountAccumulators>(*this);
  }
  explicit CountAccumulators(bool all) : all_(all) {}
  std::shared_ptr<arrow::DataType> result_type() const override { return arrow::int64(); }
  void Resize(size_t n) override { counts_.resize(n, 0); }
  void Reset(uint32_t g) override { counts_[g] = 0; }
  arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    for (int64_t i = 0; i < n; ++i) {
      if (!all_ && input->IsNull(i)) continue;
      counts_[groups[i]] += Retracts(kinds, i) ? -1 : 1;
    }
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    arrow::Int64Builder b;
    ARROW_RETURN_NOT_OK(b.Reserve(static_cast<int64_t>(groups.size())));
    for (uint32_t g : groups) b.UnsafeAppend(counts_[g]);
    return b.Finish();
  }
  void Save(uint32_t g, std::string* out) const override { PutRaw(out, counts_[g]); }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    return GetRaw(in, &counts_[g]);
  }
  void Merge(uint32_t into, uint32_t from) override { counts_[into] += counts_[from]; }

 private:
  bool all_;
  std::vector<int64_t> counts_;
};

// How SUM, AVG and the moments add values of one physical kind.
enum class SumKind { kInt, kUInt, kDouble, kDecimal };

template <typename T>
T ReadValue(const arrow::Array& a, int64_t row) {
  return a.data()->GetValues<T>(1)[row];
}
template <>
Decimal128 ReadValue<Decimal128>(const arrow::Array& a, int64_t row) {
  return Decimal128(a.data()->GetValues<uint8_t>(1) + 16 * row);
}

// SUM and AVG: a running sum and the number of non-null values per group. T is the
// sum's type (int64_t and uint64_t wrap around as Java's long does).
template <typename T>
class SumAccumulators : public GroupAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<SumAccumulators>(*this);
  }
  SumAccumulators(std::shared_ptr<arrow::DataType> input_type,
                  std::shared_ptr<arrow::DataType> result_type, bool mean)
      : input_type_(std::move(input_type)),
        result_type_(std::move(result_type)),
        mean_(mean) {}
  std::shared_ptr<arrow::DataType> result_type() const override { return result_type_; }
  void Resize(size_t n) override {
    sums_.resize(n, T{});
    counts_.resize(n, 0);
  }
  void Reset(uint32_t g) override {
    sums_[g] = T{};
    counts_[g] = 0;
  }
  arrow::Status Update(const arrow::Array* raw, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto input, Normalize(*raw, input_type_));
    const bool nulls = input->null_count() > 0;
    for (int64_t i = 0; i < n; ++i) {
      if (nulls && input->IsNull(i)) continue;
      const T v = ReadValue<T>(*input, i);
      const uint32_t g = groups[i];
      if (Retracts(kinds, i)) {
        sums_[g] = Sub(sums_[g], v);
        --counts_[g];
      } else {
        sums_[g] = Add(sums_[g], v);
        ++counts_[g];
      }
    }
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(result_type_));
    ARROW_RETURN_NOT_OK(builder->Reserve(static_cast<int64_t>(groups.size())));
    for (uint32_t g : groups) {
      if (counts_[g] <= 0) {
        ARROW_RETURN_NOT_OK(builder->AppendNull());
        continue;
      }
      ARROW_RETURN_NOT_OK(AppendResult(builder.get(), sums_[g], counts_[g]));
    }
    return builder->Finish();
  }
  void Save(uint32_t g, std::string* out) const override {
    PutRaw(out, sums_[g]);
    PutRaw(out, counts_[g]);
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    ARROW_RETURN_NOT_OK(GetRaw(in, &sums_[g]));
    return GetRaw(in, &counts_[g]);
  }
  void Merge(uint32_t into, uint32_t from) override {
    sums_[into] = Add(sums_[into], sums_[from]);
    counts_[into] += counts_[from];
  }

 private:
  static T Add(T a, T b) {
    if constexpr (std::is_same_v<T, int64_t>) {
      return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    } else {
      return a + b;
    }
  }
  static T Sub(T a, T b) {
    if constexpr (std::is_same_v<T, int64_t>) {
      return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
    } else {
      return a - b;
    }
  }
  arrow::Status AppendResult(arrow::ArrayBuilder* builder, T sum, int64_t count) const {
    if constexpr (std::is_same_v<T, Decimal128>) {
      auto* b = static_cast<arrow::Decimal128Builder*>(builder);
      if (!mean_) return b->Append(sum);
      // Round half away from zero, at the input's scale (Flink's HALF_UP).
      ARROW_ASSIGN_OR_RAISE(auto division, sum.Divide(Decimal128(count)));
      auto& [quotient, remainder] = division;
      Decimal128 twice = remainder.Abs() * Decimal128(2);
      if (twice >= Decimal128(count)) {
        quotient += sum.Sign() < 0 ? Decimal128(-1) : Decimal128(1);
      }
      return b->Append(quotient);
    } else if (mean_) {
      return static_cast<arrow::DoubleBuilder*>(builder)->Append(
          static_cast<double>(sum) / static_cast<double>(count));
    } else if constexpr (std::is_same_v<T, double>) {
      return static_cast<arrow::DoubleBuilder*>(builder)->Append(sum);
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      return static_cast<arrow::UInt64Builder*>(builder)->Append(sum);
    } else {
      return static_cast<arrow::Int64Builder*>(builder)->Append(sum);
    }
  }

  std::shared_ptr<arrow::DataType> input_type_;
  std::shared_ptr<arrow::DataType> result_type_;
  bool mean_;
  std::vector<T> sums_;
  std::vector<int64_t> counts_;
};

// STDDEV/VARIANCE from the count, sum and sum of squares (the form Flink reduces
// them to, which retracts exactly).
class MomentAccumulators : public GroupAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<MomentAccumulators>(*this);
  }
  MomentAccumulators(bool stddev, int ddof) : stddev_(stddev), ddof_(ddof) {}
  std::shared_ptr<arrow::DataType> result_type() const override {
    return arrow::float64();
  }
  void Resize(size_t n) override { moments_.resize(n); }
  void Reset(uint32_t g) override { moments_[g] = {}; }
  arrow::Status Update(const arrow::Array* raw, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto input, Normalize(*raw, arrow::float64()));
    const double* values = input->data()->GetValues<double>(1);
    for (int64_t i = 0; i < n; ++i) {
      if (input->IsNull(i)) continue;
      Moments& m = moments_[groups[i]];
      const double sign = Retracts(kinds, i) ? -1 : 1;
      m.count += static_cast<int64_t>(sign);
      m.sum += sign * values[i];
      m.sum_squares += sign * values[i] * values[i];
    }
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    arrow::DoubleBuilder b;
    ARROW_RETURN_NOT_OK(b.Reserve(static_cast<int64_t>(groups.size())));
    for (uint32_t g : groups) {
      const Moments& m = moments_[g];
      if (m.count <= ddof_ || m.count <= 0) {
        b.UnsafeAppendNull();
        continue;
      }
      const double n = static_cast<double>(m.count);
      double variance = (m.sum_squares - m.sum * m.sum / n) / (n - ddof_);
      if (variance < 0) variance = 0;  // rounding
      b.UnsafeAppend(stddev_ ? std::sqrt(variance) : variance);
    }
    return b.Finish();
  }
  void Save(uint32_t g, std::string* out) const override { PutRaw(out, moments_[g]); }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    return GetRaw(in, &moments_[g]);
  }
  void Merge(uint32_t into, uint32_t from) override {
    moments_[into].count += moments_[from].count;
    moments_[into].sum += moments_[from].sum;
    moments_[into].sum_squares += moments_[from].sum_squares;
  }

 private:
  struct Moments {
    int64_t count = 0;
    double sum = 0;
    double sum_squares = 0;
  };
  bool stddev_;
  int ddof_;
  std::vector<Moments> moments_;
};

// Accumulators that keep values in OrderedValueCodec bytes.
class ValueAccumulators : public GroupAccumulators {
 public:
  explicit ValueAccumulators(OrderedValueCodec codec) : codec_(std::move(codec)) {}
  std::shared_ptr<arrow::DataType> result_type() const override { return codec_.type(); }

 protected:
  // Calls fn(group, encoded value, retract) for every non-null row.
  template <typename Fn>
  arrow::Status ForEachValue(const arrow::Array& raw, const uint32_t* groups,
                             const int8_t* kinds, int64_t n, Fn&& fn) {
    ARROW_ASSIGN_OR_RAISE(auto input, Normalize(raw, codec_.type()));
    for (int64_t i = 0; i < n; ++i) {
      if (input->IsNull(i)) continue;
      codec_.Encode(*input, i, &scratch_);
      fn(groups[i], scratch_, Retracts(kinds, i));
    }
    return arrow::Status::OK();
  }

  OrderedValueCodec codec_;
  std::string scratch_;
};

using ValueCounts = std::map<std::string, int64_t>;

// A unique_ptr whose copy copies the value (so accumulators holding one per group
// can be cloned for a checkpoint).
template <typename T>
struct DeepPtr : std::unique_ptr<T> {
  DeepPtr() = default;
  DeepPtr(const DeepPtr& o) : std::unique_ptr<T>(o ? std::make_unique<T>(*o) : nullptr) {}
  DeepPtr(DeepPtr&&) noexcept = default;
  DeepPtr& operator=(const DeepPtr& o) {
    if (this != &o) this->reset(o ? new T(*o) : nullptr);
    return *this;
  }
  DeepPtr& operator=(DeepPtr&&) noexcept = default;
  using std::unique_ptr<T>::operator=;
};

void SaveCounts(const std::unique_ptr<ValueCounts>& counts, std::string* out) {
  PutRaw(out, static_cast<uint32_t>(counts ? counts->size() : 0));
  if (!counts) return;
  for (const auto& [value, count] : *counts) {
    PutBytes(out, value);
    PutRaw(out, count);
  }
}

arrow::Status LoadCounts(std::string_view* in, std::unique_ptr<ValueCounts>* counts) {
  uint32_t size = 0;
  ARROW_RETURN_NOT_OK(GetRaw(in, &size));
  counts->reset();
  if (size == 0) return arrow::Status::OK();
  *counts = std::make_unique<ValueCounts>();
  for (uint32_t i = 0; i < size; ++i) {
    std::string value;
    int64_t count = 0;
    ARROW_RETURN_NOT_OK(GetBytes(in, &value));
    ARROW_RETURN_NOT_OK(GetRaw(in, &count));
    (**counts)[value] = count;
  }
  return arrow::Status::OK();
}

void AddCount(std::unique_ptr<ValueCounts>* counts, const std::string& value,
              bool retract) {
  if (!*counts) *counts = std::make_unique<ValueCounts>();
  auto [it, inserted] = (*counts)->try_emplace(value, 0);
  it->second += retract ? -1 : 1;
  if (it->second <= 0) (*counts)->erase(it);
}

void MergeCounts(std::unique_ptr<ValueCounts>* into, const ValueCounts* from) {
  if (from == nullptr || from->empty()) return;
  if (!*into) *into = std::make_unique<ValueCounts>();
  for (const auto& [value, count] : *from) (**into)[value] += count;
}

// MIN/MAX. Insert-only input keeps the best value; updating input a multiset.
class MinMaxAccumulators : public ValueAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<MinMaxAccumulators>(*this);
  }
  MinMaxAccumulators(OrderedValueCodec codec, bool max, bool retractions)
      : ValueAccumulators(std::move(codec)), max_(max), retractions_(retractions) {}
  void Resize(size_t n) override {
    if (retractions_) {
      multisets_.resize(n);
    } else {
      best_.resize(n);
      has_.resize(n, false);
    }
  }
  void Reset(uint32_t g) override {
    if (retractions_) {
      multisets_[g].reset();
    } else {
      best_[g].clear();
      has_[g] = false;
    }
  }
  arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    return ForEachValue(*input, groups, kinds, n,
                        [&](uint32_t g, const std::string& v, bool retract) {
                          if (retractions_) {
                            AddCount(&multisets_[g], v, retract);
                          } else if (!has_[g] || (max_ ? v > best_[g] : v < best_[g])) {
                            best_[g] = v;
                            has_[g] = true;
                          }
                        });
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    std::vector<const std::string*> values;
    values.reserve(groups.size());
    for (uint32_t g : groups) {
      if (retractions_) {
        const auto& set = multisets_[g];
        if (!set || set->empty()) {
          values.push_back(nullptr);
        } else {
          values.push_back(max_ ? &set->rbegin()->first : &set->begin()->first);
        }
      } else {
        values.push_back(has_[g] ? &best_[g] : nullptr);
      }
    }
    return codec_.Decode(values);
  }
  void Save(uint32_t g, std::string* out) const override {
    if (retractions_) {
      SaveCounts(multisets_[g], out);
    } else {
      out->push_back(has_[g] ? '\1' : '\0');
      PutBytes(out, best_[g]);
    }
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    if (retractions_) return LoadCounts(in, &multisets_[g]);
    if (in->empty()) return InternalError("aggregate state is truncated");
    has_[g] = in->front() != '\0';
    in->remove_prefix(1);
    return GetBytes(in, &best_[g]);
  }
  void Merge(uint32_t into, uint32_t from) override {
    if (retractions_) {
      MergeCounts(&multisets_[into], multisets_[from].get());
    } else if (has_[from] && (!has_[into] || (max_ ? best_[from] > best_[into]
                                                   : best_[from] < best_[into]))) {
      best_[into] = best_[from];
      has_[into] = true;
    }
  }

 private:
  bool max_;
  bool retractions_;
  std::vector<std::string> best_;
  std::vector<bool> has_;
  std::vector<DeepPtr<ValueCounts>> multisets_;
};

// MIN/MAX of an integer or integer-backed temporal column (DATE, TIME, TIMESTAMP,
// DURATION) over insert-only input: the best value per group in its physical C type,
// compared as numbers (no encoding per row).
template <typename T>
class FixedMinMaxAccumulators : public GroupAccumulators {
 public:
  FixedMinMaxAccumulators(std::shared_ptr<arrow::DataType> type, bool max)
      : type_(std::move(type)), max_(max) {}
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<FixedMinMaxAccumulators>(*this);
  }
  std::shared_ptr<arrow::DataType> result_type() const override { return type_; }
  void Resize(size_t n) override {
    best_.resize(n, T{});
    has_.resize(n, 0);
  }
  void Reset(uint32_t g) override {
    best_[g] = T{};
    has_[g] = 0;
  }
  arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    (void)kinds;  // insert-only: the planner picks the multiset form for updates
    ARROW_ASSIGN_OR_RAISE(auto normalized, Normalize(*input, type_));
    const arrow::ArrayData& data = *normalized->data();
    const T* values = data.GetValues<T>(1);
    const bool nulls = data.MayHaveNulls();
    for (int64_t i = 0; i < n; ++i) {
      if (nulls && normalized->IsNull(i)) continue;
      const uint32_t g = groups[i];
      const T v = values[i];
      if (!has_[g] || (max_ ? v > best_[g] : v < best_[g])) {
        best_[g] = v;
        has_[g] = 1;
      }
    }
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    const auto n = static_cast<int64_t>(groups.size());
    ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * sizeof(T)));
    ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateEmptyBitmap(n));
    T* out = reinterpret_cast<T*>(values->mutable_data());
    int64_t null_count = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint32_t g = groups[static_cast<size_t>(i)];
      out[i] = best_[g];
      if (has_[g]) {
        arrow::bit_util::SetBit(validity->mutable_data(), i);
      } else {
        ++null_count;
      }
    }
    return arrow::MakeArray(arrow::ArrayData::Make(
        type_, n, {null_count > 0 ? std::move(validity) : nullptr, std::move(values)},
        null_count));
  }
  void Save(uint32_t g, std::string* out) const override {
    out->push_back(static_cast<char>(has_[g]));
    PutRaw(out, best_[g]);
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    if (in->empty()) return InternalError("aggregate state is truncated");
    has_[g] = in->front() != '\0';
    in->remove_prefix(1);
    return GetRaw(in, &best_[g]);
  }
  void Merge(uint32_t into, uint32_t from) override {
    if (has_[from] &&
        (!has_[into] || (max_ ? best_[from] > best_[into] : best_[from] < best_[into]))) {
      best_[into] = best_[from];
      has_[into] = 1;
    }
  }

 private:
  std::shared_ptr<arrow::DataType> type_;
  bool max_;
  std::vector<T> best_;
  std::vector<uint8_t> has_;
};

// Returns MIN/MAX accumulators in a fixed-width C type for integer and
// integer-backed temporal types, or null for others.
std::unique_ptr<GroupAccumulators> MakeFixedMinMax(
    const std::shared_ptr<arrow::DataType>& type, bool max) {
  switch (type->id()) {
    case arrow::Type::INT8:
      return std::make_unique<FixedMinMaxAccumulators<int8_t>>(type, max);
    case arrow::Type::INT16:
      return std::make_unique<FixedMinMaxAccumulators<int16_t>>(type, max);
    case arrow::Type::INT32:
    case arrow::Type::DATE32:
    case arrow::Type::TIME32:
      return std::make_unique<FixedMinMaxAccumulators<int32_t>>(type, max);
    case arrow::Type::INT64:
    case arrow::Type::DATE64:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
      return std::make_unique<FixedMinMaxAccumulators<int64_t>>(type, max);
    case arrow::Type::UINT8:
      return std::make_unique<FixedMinMaxAccumulators<uint8_t>>(type, max);
    case arrow::Type::UINT16:
      return std::make_unique<FixedMinMaxAccumulators<uint16_t>>(type, max);
    case arrow::Type::UINT32:
      return std::make_unique<FixedMinMaxAccumulators<uint32_t>>(type, max);
    case arrow::Type::UINT64:
      return std::make_unique<FixedMinMaxAccumulators<uint64_t>>(type, max);
    default:
      return nullptr;
  }
}

// COUNT(DISTINCT x): a multiset of the values per group.
class CountDistinctAccumulators : public ValueAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<CountDistinctAccumulators>(*this);
  }
  using ValueAccumulators::ValueAccumulators;
  std::shared_ptr<arrow::DataType> result_type() const override { return arrow::int64(); }
  void Resize(size_t n) override { multisets_.resize(n); }
  void Reset(uint32_t g) override { multisets_[g].reset(); }
  arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    return ForEachValue(*input, groups, kinds, n,
                        [&](uint32_t g, const std::string& v, bool retract) {
                          AddCount(&multisets_[g], v, retract);
                        });
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    arrow::Int64Builder b;
    ARROW_RETURN_NOT_OK(b.Reserve(static_cast<int64_t>(groups.size())));
    for (uint32_t g : groups) {
      b.UnsafeAppend(multisets_[g] ? static_cast<int64_t>(multisets_[g]->size()) : 0);
    }
    return b.Finish();
  }
  void Save(uint32_t g, std::string* out) const override {
    SaveCounts(multisets_[g], out);
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    return LoadCounts(in, &multisets_[g]);
  }
  void Merge(uint32_t into, uint32_t from) override {
    MergeCounts(&multisets_[into], multisets_[from].get());
  }

 private:
  std::vector<DeepPtr<ValueCounts>> multisets_;
};

// FIRST_VALUE/LAST_VALUE: the values in arrival order (a retraction removes the
// latest equal value, as Flink's *WithRetract functions do); insert-only input keeps
// just the one value.
class FirstLastAccumulators : public ValueAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<FirstLastAccumulators>(*this);
  }
  FirstLastAccumulators(OrderedValueCodec codec, bool last, bool retractions)
      : ValueAccumulators(std::move(codec)), last_(last), retractions_(retractions) {}
  void Resize(size_t n) override { values_.resize(n); }
  void Reset(uint32_t g) override { values_[g].clear(); }
  arrow::Status Update(const arrow::Array* input, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    return ForEachValue(*input, groups, kinds, n,
                        [&](uint32_t g, const std::string& v, bool retract) {
                          auto& list = values_[g];
                          if (retract) {
                            for (size_t i = list.size(); i-- > 0;) {
                              if (list[i] == v) {
                                list.erase(list.begin() + static_cast<ptrdiff_t>(i));
                                break;
                              }
                            }
                          } else if (retractions_) {
                            list.push_back(v);
                          } else if (list.empty()) {
                            list.push_back(v);
                          } else if (last_) {
                            list[0] = v;
                          }
                        });
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    std::vector<const std::string*> values;
    values.reserve(groups.size());
    for (uint32_t g : groups) {
      const auto& list = values_[g];
      values.push_back(list.empty() ? nullptr : last_ ? &list.back() : &list.front());
    }
    return codec_.Decode(values);
  }
  void Save(uint32_t g, std::string* out) const override {
    PutRaw(out, static_cast<uint32_t>(values_[g].size()));
    for (const std::string& v : values_[g]) PutBytes(out, v);
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    uint32_t size = 0;
    ARROW_RETURN_NOT_OK(GetRaw(in, &size));
    values_[g].resize(size);
    for (auto& v : values_[g]) ARROW_RETURN_NOT_OK(GetBytes(in, &v));
    return arrow::Status::OK();
  }

 private:
  bool last_;
  bool retractions_;
  std::vector<std::vector<std::string>> values_;
};

// LAG(x, offset, default) in a streaming OVER aggregation (Flink's LagAggFunction):
// per group the last offset + 1 values in arrival order, nulls included; the result
// is the oldest of them once there are offset + 1, else the default. Retractions
// (rows leaving a bounded frame) do not change it: LAG reads rows, not the frame.
class LagAccumulators : public ValueAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<LagAccumulators>(*this);
  }
  LagAccumulators(OrderedValueCodec codec, int64_t offset,
                  std::optional<std::string> default_value)
      : ValueAccumulators(std::move(codec)),
        offset_(static_cast<size_t>(offset)),
        default_(std::move(default_value)) {}
  void Resize(size_t n) override { history_.resize(n); }
  void Reset(uint32_t g) override { history_[g].clear(); }
  arrow::Status Update(const arrow::Array* raw, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto input, Normalize(*raw, codec_.type()));
    for (int64_t i = 0; i < n; ++i) {
      if (Retracts(kinds, i)) continue;
      auto& history = history_[groups[i]];
      if (input->IsNull(i)) {
        history.emplace_back(std::nullopt);
      } else {
        codec_.Encode(*input, i, &scratch_);
        history.emplace_back(scratch_);
      }
      while (history.size() > offset_ + 1) history.pop_front();
    }
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    std::vector<const std::string*> values;
    values.reserve(groups.size());
    for (uint32_t g : groups) {
      const auto& history = history_[g];
      if (history.size() < offset_ + 1) {
        values.push_back(default_ ? &*default_ : nullptr);
      } else {
        const auto& value = history.front();
        values.push_back(value ? &*value : nullptr);
      }
    }
    return codec_.Decode(values);
  }
  void Save(uint32_t g, std::string* out) const override {
    PutRaw(out, static_cast<uint32_t>(history_[g].size()));
    for (const auto& value : history_[g]) {
      out->push_back(value ? '\1' : '\0');
      if (value) PutBytes(out, *value);
    }
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    uint32_t size = 0;
    ARROW_RETURN_NOT_OK(GetRaw(in, &size));
    auto& history = history_[g];
    history.clear();
    for (uint32_t i = 0; i < size; ++i) {
      if (in->empty()) return InternalError("aggregate state is truncated");
      const bool present = in->front() != '\0';
      in->remove_prefix(1);
      if (!present) {
        history.emplace_back(std::nullopt);
        continue;
      }
      std::string value;
      ARROW_RETURN_NOT_OK(GetBytes(in, &value));
      history.emplace_back(std::move(value));
    }
    return arrow::Status::OK();
  }

 private:
  size_t offset_;
  std::optional<std::string> default_;  // encoded
  std::vector<std::deque<std::optional<std::string>>> history_;
};

// LISTAGG(x, separator): every value in arrival order.
class ListAggAccumulators : public GroupAccumulators {
 public:
  std::unique_ptr<GroupAccumulators> Clone() const override {
    return std::make_unique<ListAggAccumulators>(*this);
  }
  explicit ListAggAccumulators(std::string separator)
      : separator_(std::move(separator)) {}
  std::shared_ptr<arrow::DataType> result_type() const override { return arrow::utf8(); }
  void Resize(size_t n) override { values_.resize(n); }
  void Reset(uint32_t g) override { values_[g].clear(); }
  arrow::Status Update(const arrow::Array* raw, const uint32_t* groups,
                       const int8_t* kinds, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto input, Normalize(*raw, arrow::utf8()));
    const auto& strings = static_cast<const arrow::StringArray&>(*input);
    for (int64_t i = 0; i < n; ++i) {
      if (strings.IsNull(i)) continue;
      auto& list = values_[groups[i]];
      const std::string_view v = strings.GetView(i);
      if (kinds != nullptr && !IsAccumulate(static_cast<RowKind>(kinds[i]))) {
        for (size_t j = list.size(); j-- > 0;) {
          if (list[j] == v) {
            list.erase(list.begin() + static_cast<ptrdiff_t>(j));
            break;
          }
        }
      } else {
        list.emplace_back(v);
      }
    }
    return arrow::Status::OK();
  }
  arrow::Result<std::shared_ptr<arrow::Array>> Results(
      const std::vector<uint32_t>& groups) const override {
    arrow::StringBuilder builder;
    std::string joined;
    for (uint32_t g : groups) {
      const auto& list = values_[g];
      if (list.empty()) {
        ARROW_RETURN_NOT_OK(builder.AppendNull());
        continue;
      }
      joined.clear();
      for (size_t j = 0; j < list.size(); ++j) {
        if (j > 0) joined += separator_;
        joined += list[j];
      }
      ARROW_RETURN_NOT_OK(builder.Append(joined));
    }
    return builder.Finish();
  }
  void Save(uint32_t g, std::string* out) const override {
    PutRaw(out, static_cast<uint32_t>(values_[g].size()));
    for (const std::string& v : values_[g]) PutBytes(out, v);
  }
  arrow::Status Load(uint32_t g, std::string_view* in) override {
    uint32_t size = 0;
    ARROW_RETURN_NOT_OK(GetRaw(in, &size));
    values_[g].resize(size);
    for (auto& v : values_[g]) ARROW_RETURN_NOT_OK(GetBytes(in, &v));
    return arrow::Status::OK();
  }
  // Appends `from`'s values after `into`'s (Flink's ListAggFunction.merge).
  void Merge(uint32_t into, uint32_t from) override {
    auto& list = values_[into];
    list.insert(list.end(), values_[from].begin(), values_[from].end());
  }

 private:
  std::string separator_;
  std::vector<std::vector<std::string>> values_;
};

std::shared_ptr<arrow::DataType> ValueType(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() == arrow::Type::DICTIONARY) {
    return static_cast<const arrow::DictionaryType&>(*type).value_type();
  }
  return type;
}

}  // namespace

bool MergeableAggregate(const std::string& f) {
  return f == "count_all" || f == "count" || f == "sum" || f == "mean" || f == "min" ||
         f == "max" || f == "count_distinct" || f == "stddev" || f == "variance" ||
         f == "listagg";
}

arrow::Result<std::unique_ptr<GroupAccumulators>> GroupAccumulators::Make(
    const GroupAggregateCall& call, const std::shared_ptr<arrow::DataType>& raw_type,
    bool retractions) {
  const std::string& f = call.function;
  if (call.user_function != nullptr) {
    if (retractions && !call.user_function->retracts()) {
      return UserError(
          "{} does not implement retract(), but rows leave its aggregate here (an "
          "update stream below it: a GROUP BY, Top-N or changelog source; or an OVER "
          "frame with a PRECEDING bound); implement retract()",
          call.user_function->name());
    }
    return call.user_function->MakeAccumulators(raw_type);
  }
  if (f == "count_all") return std::make_unique<CountAccumulators>(true);
  if (raw_type == nullptr) {
    return UserError("aggregate {} needs an input column", call.output);
  }
  const auto type = ValueType(raw_type);
  if (f == "count") return std::make_unique<CountAccumulators>(false);
  if (f == "listagg") {
    if (type->id() != arrow::Type::STRING && type->id() != arrow::Type::LARGE_STRING &&
        type->id() != arrow::Type::STRING_VIEW) {
      return UserError("LISTAGG needs a string input, got {}", type->ToString());
    }
    return std::make_unique<ListAggAccumulators>(call.separator);
  }
  if (f == "count_distinct") {
    ARROW_ASSIGN_OR_RAISE(auto codec, OrderedValueCodec::Make(type));
    return std::make_unique<CountDistinctAccumulators>(std::move(codec));
  }
  if (f == "min" || f == "max") {
    if (!retractions) {
      if (auto fixed = MakeFixedMinMax(type, f == "max")) return fixed;
    }
    ARROW_ASSIGN_OR_RAISE(auto codec, OrderedValueCodec::Make(type));
    return std::make_unique<MinMaxAccumulators>(std::move(codec), f == "max",
                                                retractions);
  }
  if (f == "lag") {
    if (call.offset < 0) {
      return UserError("LAG offset must not be negative, got {}", call.offset);
    }
    ARROW_ASSIGN_OR_RAISE(auto codec, OrderedValueCodec::Make(type));
    std::optional<std::string> default_value;
    if (call.default_value != nullptr && call.default_value->is_valid) {
      ARROW_ASSIGN_OR_RAISE(auto array,
                            arrow::MakeArrayFromScalar(*call.default_value, 1));
      ARROW_ASSIGN_OR_RAISE(auto typed, Normalize(*array, type));
      std::string encoded;
      codec.Encode(*typed, 0, &encoded);
      default_value = std::move(encoded);
    }
    return std::make_unique<LagAccumulators>(std::move(codec), call.offset,
                                             std::move(default_value));
  }
  if (f == "first" || f == "last") {
    ARROW_ASSIGN_OR_RAISE(auto codec, OrderedValueCodec::Make(type));
    return std::make_unique<FirstLastAccumulators>(std::move(codec), f == "last",
                                                   retractions);
  }
  if (f == "stddev" || f == "variance") {
    if (!arrow::is_numeric(type->id()) && !arrow::is_decimal(type->id())) {
      return UserError("{} needs a numeric input, got {}", f, type->ToString());
    }
    return std::make_unique<MomentAccumulators>(f == "stddev", call.ddof);
  }
  if (f == "sum" || f == "mean") {
    const bool mean = f == "mean";
    if (arrow::is_signed_integer(type->id())) {
      return std::make_unique<SumAccumulators<int64_t>>(
          arrow::int64(), mean ? arrow::float64() : arrow::int64(), mean);
    }
    if (arrow::is_unsigned_integer(type->id())) {
      return std::make_unique<SumAccumulators<uint64_t>>(
          arrow::uint64(), mean ? arrow::float64() : arrow::uint64(), mean);
    }
    if (arrow::is_floating(type->id())) {
      return std::make_unique<SumAccumulators<double>>(arrow::float64(), arrow::float64(),
                                                       mean);
    }
    if (type->id() == arrow::Type::DECIMAL128 || type->id() == arrow::Type::DECIMAL64 ||
        type->id() == arrow::Type::DECIMAL32) {
      const auto& decimal = static_cast<const arrow::DecimalType&>(*type);
      auto wide = arrow::decimal128(38, decimal.scale());
      // AVG keeps the input's type (the planner cast it to Flink's result type).
      auto result = mean ? arrow::decimal128(decimal.precision(), decimal.scale()) : wide;
      return std::make_unique<SumAccumulators<Decimal128>>(wide, result, mean);
    }
    return UserError("{} of {} is not supported in a streaming aggregation", f,
                     type->ToString());
  }
  return UserError("aggregate function {} is not supported in a streaming aggregation",
                   f);
}

}  // namespace weir::runtime
