#include "weir/runtime/operators/aggregate_set.h"

#include <algorithm>
#include <cstring>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "weir/common/error.h"

namespace weir::runtime {

namespace {

bool IsIntegerLike(arrow::Type::type id) {
  return arrow::is_integer(id) || id == arrow::Type::TIMESTAMP ||
         id == arrow::Type::DATE32 || id == arrow::Type::DATE64 ||
         id == arrow::Type::DURATION || id == arrow::Type::TIME32 ||
         id == arrow::Type::TIME64;
}

}  // namespace

void AppendAccumulators(const Accumulator* accs, size_t n, std::string* out) {
  for (size_t a = 0; a < n; ++a) {
    const Accumulator& x = accs[a];
    for (int64_t v : {x.count, x.isum, x.imin, x.imax})
      out->append(reinterpret_cast<const char*>(&v), 8);
    for (double v : {x.dsum, x.dmin, x.dmax})
      out->append(reinterpret_cast<const char*>(&v), 8);
    const auto len = static_cast<uint32_t>(x.user.size());
    out->append(reinterpret_cast<const char*>(&len), 4);
    out->append(x.user);
  }
}

arrow::Status ReadAccumulators(std::string_view in, size_t n, Accumulator* accs) {
  size_t pos = 0;
  auto take = [&](void* dst, size_t len) {
    if (pos + len > in.size()) return false;
    std::memcpy(dst, in.data() + pos, len);
    pos += len;
    return true;
  };
  for (size_t a = 0; a < n; ++a) {
    Accumulator& x = accs[a];
    uint32_t len = 0;
    if (!take(&x.count, 8) || !take(&x.isum, 8) || !take(&x.imin, 8) ||
        !take(&x.imax, 8) || !take(&x.dsum, 8) || !take(&x.dmin, 8) ||
        !take(&x.dmax, 8) || !take(&len, 4) || pos + len > in.size()) {
      return InternalError("aggregate state is corrupt: accumulators truncated");
    }
    x.user.assign(in.data() + pos, len);
    pos += len;
  }
  return arrow::Status::OK();
}

arrow::Status AggregateSet::Merge(Accumulator* into, const Accumulator* from) const {
  for (size_t a = 0; a < specs_.size(); ++a) {
    Accumulator& x = into[a];
    const Accumulator& o = from[a];
    if (specs_[a].kind == AggregateSpec::Kind::kUser) {
      if (o.user.empty()) continue;
      if (x.user.empty()) {
        x.user = o.user;
      } else {
        ARROW_RETURN_NOT_OK(specs_[a].function->Merge(&x.user, o.user));
      }
      continue;
    }
    if (o.count == 0) continue;
    if (x.count == 0) {
      x = o;
      continue;
    }
    x.count += o.count;
    x.isum += o.isum;
    x.dsum += o.dsum;
    x.imin = std::min(x.imin, o.imin);
    x.imax = std::max(x.imax, o.imax);
    x.dmin = std::min(x.dmin, o.dmin);
    x.dmax = std::max(x.dmax, o.dmax);
  }
  return arrow::Status::OK();
}

arrow::Result<AggregateSet> AggregateSet::Make(const arrow::Schema& schema,
                                               std::vector<AggregateSpec> specs) {
  if (specs.empty()) return UserError("an aggregation needs at least one aggregate");
  AggregateSet set;
  for (const auto& a : specs) {
    int index = -1;
    bool floating = false;
    if (a.kind == AggregateSpec::Kind::kUser) {
      if (!a.function) return UserError("user aggregate '{}' has no function", a.name);
      set.index_.push_back(-1);
      set.floating_.push_back(false);
      set.fields_.push_back(arrow::field(a.name, a.function->result_type()));
      set.has_user_ = true;
      continue;
    }
    if (!a.column.empty()) {
      index = schema.GetFieldIndex(a.column);
      if (index < 0) {
        return UserError("aggregate column '{}' is not in {}", a.column,
                         schema.ToString());
      }
      const auto id = schema.field(index)->type()->id();
      floating = arrow::is_floating(id);
      if (a.kind != AggregateSpec::Kind::kCount && !floating && !IsIntegerLike(id)) {
        return UserError("cannot aggregate column '{}' of type {}", a.column,
                         schema.field(index)->type()->ToString());
      }
    } else if (a.kind != AggregateSpec::Kind::kCount) {
      return UserError("aggregate '{}' needs a column", a.name);
    }
    set.index_.push_back(index);
    set.floating_.push_back(floating);
    std::shared_ptr<arrow::DataType> type;
    switch (a.kind) {
      case AggregateSpec::Kind::kCount:
        type = arrow::int64();
        break;
      case AggregateSpec::Kind::kAvg:
        type = arrow::float64();
        break;
      default:
        type = floating ? arrow::float64() : arrow::int64();
    }
    set.fields_.push_back(arrow::field(a.name, type));
  }
  set.specs_ = std::move(specs);
  return set;
}

arrow::Status AggregateSet::Bind(const arrow::RecordBatch& batch) {
  batch_ = &batch;
  const size_t na = specs_.size();
  inputs_.assign(na, nullptr);
  ivals_.assign(na, nullptr);
  dvals_.assign(na, nullptr);
  for (size_t a = 0; a < na; ++a) {
    if (index_[a] < 0) continue;
    auto column = batch.column(index_[a]);
    if (specs_[a].kind == AggregateSpec::Kind::kCount) {
      inputs_[a] = column;
      continue;
    }
    auto target = floating_[a] ? arrow::float64() : arrow::int64();
    if (!column->type()->Equals(*target)) {
      ARROW_ASSIGN_OR_RAISE(
          column,
          arrow::compute::Cast(*column, target, arrow::compute::CastOptions::Unsafe()));
    }
    inputs_[a] = column;
    if (floating_[a]) {
      dvals_[a] = column->data()->GetValues<double>(1);
    } else {
      ivals_[a] = column->data()->GetValues<int64_t>(1);
    }
  }
  return arrow::Status::OK();
}

arrow::Status AggregateSet::Update(Accumulator* acc, int64_t r) const {
  for (size_t a = 0; a < specs_.size(); ++a) {
    Accumulator& x = acc[a];
    if (has_user_ && specs_[a].kind == AggregateSpec::Kind::kUser) {
      if (x.user.empty()) x.user = specs_[a].function->CreateAccumulator();
      ARROW_RETURN_NOT_OK(specs_[a].function->Add(RowView(batch_, r), &x.user));
      ++x.count;
      continue;
    }
    if (index_[a] < 0) {
      ++x.count;
      continue;
    }
    if (inputs_[a]->IsNull(r)) continue;
    ++x.count;
    if (dvals_[a]) {
      const double v = dvals_[a][r];
      if (x.count == 1) x.dmin = x.dmax = v;
      x.dsum += v;
      x.dmin = std::min(x.dmin, v);
      x.dmax = std::max(x.dmax, v);
    } else if (ivals_[a]) {
      const int64_t v = ivals_[a][r];
      x.isum += v;
      x.imin = std::min(x.imin, v);
      x.imax = std::max(x.imax, v);
    }
  }
  return arrow::Status::OK();
}

arrow::Result<arrow::ArrayVector> AggregateSet::Build(
    const std::vector<const Accumulator*>& groups) const {
  const int64_t rows = static_cast<int64_t>(groups.size());
  arrow::ArrayVector columns;
  for (size_t a = 0; a < specs_.size(); ++a) {
    const auto kind = specs_[a].kind;
    const bool floating = floating_[a];
    if (kind == AggregateSpec::Kind::kUser) {
      ARROW_ASSIGN_OR_RAISE(auto collector,
                            RowCollector::Make(arrow::schema({fields_[a]})));
      for (int64_t r = 0; r < rows; ++r) {
        const Accumulator& x = groups[r][a];
        const std::string acc =
            x.user.empty() ? specs_[a].function->CreateAccumulator() : x.user;
        ARROW_ASSIGN_OR_RAISE(RowValue v, specs_[a].function->GetResult(acc));
        ARROW_RETURN_NOT_OK(collector->Collect({std::move(v)}));
      }
      ARROW_ASSIGN_OR_RAISE(auto batch, collector->Flush());
      columns.push_back(batch ? batch->column(0) : nullptr);
      continue;
    }
    if (kind == AggregateSpec::Kind::kCount) {
      arrow::Int64Builder b;
      ARROW_RETURN_NOT_OK(b.Reserve(rows));
      for (int64_t r = 0; r < rows; ++r) b.UnsafeAppend(groups[r][a].count);
      ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
      columns.push_back(arr);
      continue;
    }
    if (kind == AggregateSpec::Kind::kAvg || floating) {
      arrow::DoubleBuilder b;
      ARROW_RETURN_NOT_OK(b.Reserve(rows));
      for (int64_t r = 0; r < rows; ++r) {
        const Accumulator& x = groups[r][a];
        if (x.count == 0) {
          b.UnsafeAppendNull();
          continue;
        }
        const double sum = floating ? x.dsum : static_cast<double>(x.isum);
        switch (kind) {
          case AggregateSpec::Kind::kAvg:
            b.UnsafeAppend(sum / static_cast<double>(x.count));
            break;
          case AggregateSpec::Kind::kSum:
            b.UnsafeAppend(sum);
            break;
          case AggregateSpec::Kind::kMin:
            b.UnsafeAppend(x.dmin);
            break;
          default:
            b.UnsafeAppend(x.dmax);
        }
      }
      ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
      columns.push_back(arr);
      continue;
    }
    arrow::Int64Builder b;
    ARROW_RETURN_NOT_OK(b.Reserve(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const Accumulator& x = groups[r][a];
      if (x.count == 0) {
        b.UnsafeAppendNull();
        continue;
      }
      b.UnsafeAppend(kind == AggregateSpec::Kind::kSum   ? x.isum
                     : kind == AggregateSpec::Kind::kMin ? x.imin
                                                         : x.imax);
    }
    ARROW_ASSIGN_OR_RAISE(auto arr, b.Finish());
    columns.push_back(arr);
  }
  return columns;
}

arrow::Status PrepareKeyedAggregate(const std::vector<std::string>& keys,
                                    const std::vector<AggregateSpec>& specs,
                                    const std::shared_ptr<arrow::Schema>& schema,
                                    std::optional<KeyEncoder>* encoder,
                                    std::optional<AggregateSet>* aggregates,
                                    std::shared_ptr<arrow::Schema>* output_schema) {
  std::vector<int> key_indices;
  for (const auto& k : keys) {
    const int i = schema->GetFieldIndex(k);
    if (i < 0) return UserError("key column '{}' is not in {}", k, schema->ToString());
    key_indices.push_back(i);
  }
  ARROW_ASSIGN_OR_RAISE(auto enc, KeyEncoder::Make(schema, key_indices));
  encoder->emplace(std::move(enc));
  ARROW_ASSIGN_OR_RAISE(auto aggs, AggregateSet::Make(*schema, specs));
  aggregates->emplace(std::move(aggs));
  arrow::FieldVector fields = (*encoder)->fields();
  for (const auto& f : (*aggregates)->output_fields()) fields.push_back(f);
  *output_schema = arrow::schema(fields);
  return arrow::Status::OK();
}

}  // namespace weir::runtime
