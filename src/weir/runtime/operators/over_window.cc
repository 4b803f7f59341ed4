#include "weir/runtime/operators/over_window.h"

#include <algorithm>
#include <numeric>

#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "weir/common/error.h"
#include "weir/runtime/changelog.h"
#include "weir/runtime/operators/group_accumulators.h"
#include "weir/runtime/operators/key_encoder.h"

namespace weir::runtime {

namespace cp = arrow::compute;

namespace {

// The order key as int64, with the frame's distances in its units (they are given
// in microseconds for time keys).
struct RangeKey {
  std::shared_ptr<arrow::Int64Array> values;
  int64_t preceding = 0;
  int64_t following = 0;
};

arrow::Result<RangeKey> MakeRangeKey(const std::shared_ptr<arrow::Array>& column,
                                     int64_t preceding_micros, int64_t following_micros) {
  RangeKey key;
  std::shared_ptr<arrow::Array> raw = column;
  int64_t scale = 1;  // microseconds per unit of the column
  switch (column->type_id()) {
    case arrow::Type::TIMESTAMP: {
      const auto unit = static_cast<const arrow::TimestampType&>(*column->type()).unit();
      auto copy = column->data()->Copy();
      copy->type = arrow::int64();
      raw = arrow::MakeArray(copy);
      scale = unit == arrow::TimeUnit::SECOND  ? 1'000'000
              : unit == arrow::TimeUnit::MILLI ? 1'000
                                               : 1;
      break;
    }
    case arrow::Type::DATE32: {
      auto copy = column->data()->Copy();
      copy->type = arrow::int32();
      ARROW_ASSIGN_OR_RAISE(raw, cp::Cast(*arrow::MakeArray(copy), arrow::int64()));
      scale = 86'400'000'000LL;
      break;
    }
    default:
      if (!arrow::is_integer(column->type_id())) {
        return UserError(
            "RANGE … PRECEDING/FOLLOWING needs an integer or time ORDER BY key, not {}",
            column->type()->ToString());
      }
      break;
  }
  key.preceding = preceding_micros / scale;
  key.following = following_micros / scale;
  if (raw->type_id() != arrow::Type::INT64) {
    ARROW_ASSIGN_OR_RAISE(raw, cp::Cast(*raw, arrow::int64()));
  }
  key.values = std::static_pointer_cast<arrow::Int64Array>(raw);
  return key;
}

// Computes one aggregate over the frames of the sorted rows: one result per row.
class FrameAggregator {
 public:
  FrameAggregator(const OverWindowOptions& options, const std::vector<int64_t>& starts,
                  const std::vector<std::string>& order_keys, const RangeKey* range,
                  bool descending)
      : options_(options),
        starts_(starts),
        order_keys_(order_keys),
        range_(range),
        descending_(descending) {}

  arrow::Result<std::shared_ptr<arrow::Array>> Run(
      const OverFunction& function, const std::shared_ptr<arrow::Array>& input) {
    const bool bounded = options_.preceding.has_value() && !options_.whole_partition;
    GroupAggregateCall call{function.function, function.input, function.output};
    call.user_function = function.user_function;
    ARROW_ASSIGN_OR_RAISE(
        accumulators_,
        GroupAccumulators::Make(call, input ? input->type() : nullptr, bounded));
    accumulators_->Resize(1);
    input_ = input;
    pieces_.clear();
    take_.clear();
    for (size_t p = 0; p + 1 < starts_.size(); ++p) {
      ARROW_RETURN_NOT_OK(Partition(starts_[p], starts_[p + 1]));
    }
    if (pieces_.empty()) {
      return arrow::MakeEmptyArray(accumulators_->result_type());
    }
    ARROW_ASSIGN_OR_RAISE(auto results, arrow::Concatenate(pieces_));
    arrow::Int64Builder indices;
    ARROW_RETURN_NOT_OK(indices.AppendValues(take_));
    ARROW_ASSIGN_OR_RAISE(auto index_array, indices.Finish());
    ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, cp::Take(results, index_array));
    return taken.make_array();
  }

 private:
  arrow::Status Fold(int64_t row, int8_t kind) {
    static const uint32_t kGroup = 0;
    if (input_ == nullptr) return accumulators_->Update(nullptr, &kGroup, &kind, 1);
    auto one = input_->Slice(row, 1);
    return accumulators_->Update(one.get(), &kGroup, &kind, 1);
  }

  // Records the current result for `count` rows.
  arrow::Status Emit(int64_t count) {
    ARROW_ASSIGN_OR_RAISE(auto result, accumulators_->Results({0}));
    const int64_t piece = static_cast<int64_t>(pieces_.size());
    pieces_.push_back(std::move(result));
    take_.insert(take_.end(), static_cast<size_t>(count), piece);
    return arrow::Status::OK();
  }

  // The distance in the order key from row `from` to row `to`, along the window
  // order; nullopt when one key is NULL and the other is not (never in one frame).
  std::optional<int64_t> Distance(int64_t from, int64_t to) const {
    const arrow::Int64Array& v = *range_->values;
    if (v.IsNull(from) || v.IsNull(to)) {
      if (v.IsNull(from) != v.IsNull(to)) return std::nullopt;
      return 0;
    }
    return descending_ ? v.Value(from) - v.Value(to) : v.Value(to) - v.Value(from);
  }

  arrow::Status Partition(int64_t begin, int64_t end) {
    accumulators_->Reset(0);
    constexpr auto kInsert = static_cast<int8_t>(RowKind::kInsert);
    constexpr auto kDelete = static_cast<int8_t>(RowKind::kDelete);
    if (options_.whole_partition) {
      for (int64_t i = begin; i < end; ++i) ARROW_RETURN_NOT_OK(Fold(i, kInsert));
      return Emit(end - begin);
    }
    // The folded rows are [lo, hi); both ends only move forward.
    int64_t lo = begin;
    int64_t hi = begin;
    auto move_to = [&](int64_t want_lo, int64_t want_hi) -> arrow::Status {
      if (want_lo >= hi) {
        // The frame starts past every folded row: drop them all and skip ahead.
        while (lo < hi) ARROW_RETURN_NOT_OK(Fold(lo++, kDelete));
        lo = hi = want_lo;
      }
      while (hi < want_hi) ARROW_RETURN_NOT_OK(Fold(hi++, kInsert));
      while (lo < want_lo) ARROW_RETURN_NOT_OK(Fold(lo++, kDelete));
      return arrow::Status::OK();
    };
    const std::optional<int64_t>& preceding = options_.preceding;
    const std::optional<int64_t>& following = options_.following;
    if (options_.rows) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t want_hi = following ? std::min(end, i + *following + 1) : end;
        const int64_t want_lo =
            preceding ? std::clamp(i - *preceding, begin, end) : begin;
        ARROW_RETURN_NOT_OK(move_to(want_lo, want_hi));
        ARROW_RETURN_NOT_OK(Emit(1));
      }
      return arrow::Status::OK();
    }
    // RANGE: peers (equal order keys) share a frame and a result.
    for (int64_t i = begin; i < end;) {
      int64_t j = i + 1;
      while (j < end && order_keys_[j] == order_keys_[i]) ++j;
      int64_t want_hi = end;
      if (following && *following == 0) {
        want_hi = j;
      } else if (following) {
        want_hi = std::max(hi, j);
        while (want_hi < end) {
          std::optional<int64_t> d = Distance(i, want_hi);
          if (!d || *d > range_->following) break;
          ++want_hi;
        }
      }
      int64_t want_lo = begin;
      if (preceding) {
        want_lo = lo;
        while (want_lo < i) {
          std::optional<int64_t> d = Distance(want_lo, i);
          if (d && *d <= range_->preceding) break;
          ++want_lo;
        }
      }
      ARROW_RETURN_NOT_OK(move_to(want_lo, want_hi));
      ARROW_RETURN_NOT_OK(Emit(j - i));
      i = j;
    }
    return arrow::Status::OK();
  }

  const OverWindowOptions& options_;
  const std::vector<int64_t>& starts_;
  const std::vector<std::string>& order_keys_;
  const RangeKey* range_;
  bool descending_;
  std::unique_ptr<GroupAccumulators> accumulators_;
  std::shared_ptr<arrow::Array> input_;
  arrow::ArrayVector pieces_;
  std::vector<int64_t> take_;
};

arrow::Result<std::shared_ptr<arrow::Array>> Decoded(std::shared_ptr<arrow::Array> a) {
  if (a->type_id() != arrow::Type::DICTIONARY) return a;
  return cp::Cast(*a, static_cast<const arrow::DictionaryType&>(*a->type()).value_type());
}

// LAG and LEAD over rows sorted by partition and window order (`starts`: the
// partitions' first rows, then the row count): row i takes the input of row
// i ∓ offset when that row is in i's partition, else the default.
arrow::Result<std::shared_ptr<arrow::Array>> Shifted(const arrow::Array& input,
                                                     const OverFunction& function,
                                                     const std::vector<int64_t>& starts) {
  const int64_t direction = function.function == "lag" ? -1 : 1;
  arrow::Int64Builder indices;
  ARROW_RETURN_NOT_OK(indices.Reserve(input.length()));
  for (size_t p = 0; p + 1 < starts.size(); ++p) {
    for (int64_t i = starts[p]; i < starts[p + 1]; ++i) {
      const int64_t j = i + direction * function.offset;
      if (j >= starts[p] && j < starts[p + 1]) {
        indices.UnsafeAppend(j);
      } else {
        indices.UnsafeAppendNull();
      }
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto index_array, indices.Finish());
  ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, cp::Take(input, *index_array));
  if (function.default_value == nullptr || !function.default_value->is_valid) {
    return taken.make_array();
  }
  // Where no row was taken (a NULL index), the default; a NULL value taken stays.
  ARROW_ASSIGN_OR_RAISE(auto fallback, function.default_value->CastTo(input.type()));
  ARROW_ASSIGN_OR_RAISE(arrow::Datum missing,
                        cp::CallFunction("is_null", {arrow::Datum(index_array)}));
  ARROW_ASSIGN_OR_RAISE(
      arrow::Datum filled,
      cp::CallFunction("if_else", {missing, arrow::Datum(fallback), taken}));
  return filled.make_array();
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatch>> EvaluateOver(
    const std::shared_ptr<arrow::RecordBatch>& input, const OverWindowOptions& options) {
  const arrow::Schema& schema = *input->schema();
  const int64_t n = input->num_rows();
  // Partition and order keys of every row.
  std::vector<std::string> partitions(static_cast<size_t>(n));
  if (!options.partition_keys.empty()) {
    std::vector<int> indices;
    for (const std::string& key : options.partition_keys) {
      int index = schema.GetFieldIndex(key);
      if (index < 0)
        return UserError("PARTITION BY column '{}' is not in the input", key);
      indices.push_back(index);
    }
    ARROW_ASSIGN_OR_RAISE(KeyEncoder encoder, KeyEncoder::Make(input->schema(), indices));
    const auto columns = encoder.Columns(*input);
    for (int64_t i = 0; i < n; ++i) encoder.Encode(columns, i, &partitions[i]);
  }
  std::vector<std::string> orders(static_cast<size_t>(n));
  ARROW_ASSIGN_OR_RAISE(SortKeyEncoder order,
                        SortKeyEncoder::Make(schema, options.order));
  ARROW_ASSIGN_OR_RAISE(arrow::ArrayVector order_columns, order.Columns(*input));
  for (int64_t i = 0; i < n; ++i) order.Encode(order_columns, i, &orders[i]);

  std::vector<int64_t> permutation(static_cast<size_t>(n));
  std::iota(permutation.begin(), permutation.end(), 0);
  std::stable_sort(permutation.begin(), permutation.end(), [&](int64_t a, int64_t b) {
    int c = partitions[a].compare(partitions[b]);
    return c != 0 ? c < 0 : orders[a] < orders[b];
  });
  arrow::Int64Builder permutation_builder;
  ARROW_RETURN_NOT_OK(permutation_builder.AppendValues(permutation));
  ARROW_ASSIGN_OR_RAISE(auto permutation_array, permutation_builder.Finish());
  ARROW_ASSIGN_OR_RAISE(arrow::Datum sorted_datum,
                        cp::Take(arrow::Datum(input), arrow::Datum(permutation_array)));
  std::shared_ptr<arrow::RecordBatch> sorted = sorted_datum.record_batch();
  std::vector<std::string> sorted_orders(static_cast<size_t>(n));
  std::vector<int64_t> starts;
  for (int64_t i = 0; i < n; ++i) {
    sorted_orders[i] = std::move(orders[permutation[i]]);
    if (i == 0 || partitions[permutation[i]] != partitions[permutation[i - 1]]) {
      starts.push_back(i);
    }
  }
  starts.push_back(n);

  std::optional<RangeKey> range;
  const bool range_distances =
      options.preceding || (options.following && *options.following > 0);
  if (!options.rows && range_distances && !options.whole_partition) {
    if (options.order.size() != 1) {
      return UserError("RANGE … PRECEDING/FOLLOWING needs exactly one ORDER BY key");
    }
    ARROW_ASSIGN_OR_RAISE(auto column,
                          Decoded(sorted->GetColumnByName(options.order[0].column)));
    ARROW_ASSIGN_OR_RAISE(range, MakeRangeKey(column, options.preceding.value_or(0),
                                              options.following.value_or(0)));
  }
  FrameAggregator aggregator(options, starts, sorted_orders, range ? &*range : nullptr,
                             !options.order.empty() && options.order[0].descending);

  arrow::FieldVector fields = sorted->schema()->fields();
  arrow::ArrayVector columns = sorted->columns();
  for (const OverFunction& function : options.functions) {
    std::shared_ptr<arrow::Array> result;
    if (function.function == "row_number" || function.function == "rank" ||
        function.function == "dense_rank") {
      arrow::Int64Builder builder;
      ARROW_RETURN_NOT_OK(builder.Reserve(n));
      for (size_t p = 0; p + 1 < starts.size(); ++p) {
        int64_t rank = 0;
        int64_t dense = 0;
        for (int64_t i = starts[p]; i < starts[p + 1]; ++i) {
          const bool new_peer =
              i == starts[p] || sorted_orders[i] != sorted_orders[i - 1];
          if (new_peer) {
            rank = i - starts[p] + 1;
            ++dense;
          }
          builder.UnsafeAppend(function.function == "row_number" ? i - starts[p] + 1
                               : function.function == "rank"     ? rank
                                                                 : dense);
        }
      }
      ARROW_ASSIGN_OR_RAISE(result, builder.Finish());
      fields.push_back(arrow::field(function.output, arrow::int64(), false));
    } else if (function.function == "lag" || function.function == "lead") {
      std::shared_ptr<arrow::Array> in = sorted->GetColumnByName(function.input);
      if (in == nullptr) {
        return UserError("window function input '{}' is not in the input",
                         function.input);
      }
      ARROW_ASSIGN_OR_RAISE(in, Decoded(in));
      ARROW_ASSIGN_OR_RAISE(result, Shifted(*in, function, starts));
      fields.push_back(arrow::field(function.output, result->type()));
    } else {
      std::shared_ptr<arrow::Array> in;
      if (!function.input.empty()) {
        in = sorted->GetColumnByName(function.input);
        if (in == nullptr) {
          return UserError("window function input '{}' is not in the input",
                           function.input);
        }
        ARROW_ASSIGN_OR_RAISE(in, Decoded(in));
      }
      ARROW_ASSIGN_OR_RAISE(result, aggregator.Run(function, in));
      fields.push_back(arrow::field(function.output, result->type()));
    }
    columns.push_back(std::move(result));
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), n, std::move(columns));
}

}  // namespace weir::runtime
