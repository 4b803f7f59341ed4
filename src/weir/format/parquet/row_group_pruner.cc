#include "weir/format/parquet/row_group_pruner.h"

#include <algorithm>
#include <map>
#include <set>

#include <arrow/compute/cast.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <parquet/arrow/reader.h>
#include <parquet/bloom_filter.h>
#include <parquet/bloom_filter_reader.h>
#include <parquet/metadata.h>
#include <parquet/page_index.h>
#include <parquet/schema.h>
#include <parquet/statistics.h>

#include "weir/expr/pruning.h"

namespace weir::format {

namespace cp = arrow::compute;

namespace {

// Converts statistics to a ColumnRange typed like the Arrow column, or an unknown
// range when the statistics cannot be trusted or converted.
expr::ColumnRange RangeFromStatistics(const parquet::Statistics* stats,
                                      int64_t num_values,
                                      const std::shared_ptr<arrow::DataType>& type) {
  expr::ColumnRange range;
  if (stats == nullptr) return range;
  if (stats->HasNullCount()) {
    range.may_have_nulls = stats->null_count() > 0;
    range.all_null = stats->null_count() >= num_values && num_values > 0;
  }
  if (!stats->HasMinMax()) return range;
  std::shared_ptr<arrow::Scalar> min, max;
  if (!parquet::arrow::StatisticsAsScalars(*stats, &min, &max).ok() || !min || !max) {
    return range;
  }
  auto conform = [&](std::shared_ptr<arrow::Scalar> s) -> std::shared_ptr<arrow::Scalar> {
    if (s->type->Equals(*type)) return s;
    // Only order-preserving casts keep min/max meaningful (uint64 → int64 wraps).
    if (!expr::IsMonotonicCast(*s->type, *type)) return nullptr;
    auto cast = cp::Cast(s, type);
    return cast.ok() ? cast->scalar() : nullptr;
  };
  range.min = conform(min);
  range.max = conform(max);
  if (!range.min || !range.max) range.min = range.max = nullptr;
  return range;
}

bool IsPrunableType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::DICTIONARY:
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::MAP:
    case arrow::Type::STRUCT:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::HALF_FLOAT:
    case arrow::Type::EXTENSION:
      return false;
    default:
      return true;
  }
}

// Hashes `value` the way the writer hashed the column's physical values, or
// returns false when this combination of types is not supported for probing.
bool BloomHash(const parquet::BloomFilter& bf, const parquet::ColumnDescriptor& descr,
               const arrow::Scalar& value, uint64_t* hash) {
  using arrow::Type;
  const auto& logical = descr.logical_type();
  const bool plain_signed_int =
      logical == nullptr || logical->is_none() ||
      (logical->is_int() &&
       static_cast<const parquet::IntLogicalType&>(*logical).is_signed() &&
       static_cast<const parquet::IntLogicalType&>(*logical).bit_width() ==
           (descr.physical_type() == parquet::Type::INT64 ? 64 : 32));
  switch (descr.physical_type()) {
    case parquet::Type::INT32:
      if (value.type->id() == Type::INT32 && plain_signed_int) {
        *hash = bf.Hash(static_cast<const arrow::Int32Scalar&>(value).value);
        return true;
      }
      if (value.type->id() == Type::DATE32 && logical && logical->is_date()) {
        *hash = bf.Hash(static_cast<const arrow::Date32Scalar&>(value).value);
        return true;
      }
      return false;
    case parquet::Type::INT64:
      if (value.type->id() == Type::INT64 && plain_signed_int) {
        *hash = bf.Hash(static_cast<const arrow::Int64Scalar&>(value).value);
        return true;
      }
      return false;
    case parquet::Type::FLOAT: {
      if (value.type->id() != Type::FLOAT) return false;
      const float v = static_cast<const arrow::FloatScalar&>(value).value;
      // -0.0 == 0.0 but they hash differently; NaN never equals anything.
      if (v == 0.0f || v != v) return false;
      *hash = bf.Hash(v);
      return true;
    }
    case parquet::Type::DOUBLE: {
      if (value.type->id() != Type::DOUBLE) return false;
      const double v = static_cast<const arrow::DoubleScalar&>(value).value;
      if (v == 0.0 || v != v) return false;
      *hash = bf.Hash(v);
      return true;
    }
    case parquet::Type::BYTE_ARRAY:
      if (logical && !logical->is_none() && !logical->is_string() &&
          !logical->is_JSON() && !logical->is_BSON() && !logical->is_enum()) {
        return false;
      }
      if (value.type->id() == Type::STRING || value.type->id() == Type::BINARY ||
          value.type->id() == Type::LARGE_STRING ||
          value.type->id() == Type::STRING_VIEW) {
        auto view = static_cast<const arrow::BaseBinaryScalar&>(value).view();
        *hash = bf.Hash(view);
        return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

RowGroupPruner::RowGroupPruner(parquet::ParquetFileReader* reader, cp::Expression filter,
                               std::shared_ptr<arrow::Schema> dataset_schema,
                               const ScanOptions& options)
    : reader_(reader),
      filter_(std::move(filter)),
      schema_(std::move(dataset_schema)),
      options_(options) {
  std::set<std::string> referenced;
  for (const auto& ref : cp::FieldsInExpression(filter_))
    referenced.insert(expr::FieldKey(ref));
  const parquet::SchemaDescriptor* descr = reader_->metadata()->schema();
  for (int i = 0; i < descr->num_columns(); ++i) {
    const parquet::ColumnDescriptor* col = descr->Column(i);
    if (col->max_repetition_level() > 0) continue;
    std::vector<std::string> parts = col->path()->ToDotVector();
    std::vector<arrow::FieldRef> refs(parts.begin(), parts.end());
    arrow::FieldRef ref = refs.size() == 1 ? refs[0] : arrow::FieldRef(std::move(refs));
    if (!referenced.count(expr::FieldKey(ref))) continue;
    auto field = ref.GetOneOrNone(*schema_);
    if (!field.ok() || *field == nullptr || !IsPrunableType(*(*field)->type())) continue;
    columns_.push_back({i, ref, (*field)->type()});
  }
}

arrow::Result<bool> RowGroupPruner::PrunedByStatistics(int rg) {
  auto rg_meta = reader_->metadata()->RowGroup(rg);
  std::map<std::string, expr::ColumnRange> ranges;
  for (const auto& c : columns_) {
    auto chunk = rg_meta->ColumnChunk(c.leaf_index);
    if (!chunk->is_stats_set()) continue;
    ranges[expr::FieldKey(c.ref)] =
        RangeFromStatistics(chunk->statistics().get(), rg_meta->num_rows(), c.type);
  }
  if (ranges.empty()) return false;
  return expr::CanSkip(filter_,
                       [&](const arrow::FieldRef& ref) -> const expr::ColumnRange* {
                         auto it = ranges.find(expr::FieldKey(ref));
                         return it == ranges.end() ? nullptr : &it->second;
                       });
}

arrow::Result<bool> RowGroupPruner::PrunedByBloomFilter(int rg) {
  std::shared_ptr<parquet::RowGroupBloomFilterReader> rg_reader;
  for (const auto& c : columns_) {
    auto values = expr::RequiredEqualityValues(filter_, c.ref);
    if (!values) continue;
    if (!rg_reader) {
      rg_reader = reader_->GetBloomFilterReader().RowGroup(rg);
      if (!rg_reader) return false;
    }
    auto bf = rg_reader->GetColumnBloomFilter(c.leaf_index);
    if (!bf) continue;
    const auto* descr = reader_->metadata()->schema()->Column(c.leaf_index);
    bool any_found = false, all_hashable = true;
    for (const auto& v : *values) {
      uint64_t h;
      if (!BloomHash(*bf, *descr, *v, &h)) {
        all_hashable = false;
        break;
      }
      if (bf->FindHash(h)) {
        any_found = true;
        break;
      }
    }
    if (all_hashable && !any_found) return true;
  }
  return false;
}

arrow::Result<std::vector<std::pair<int64_t, int64_t>>> RowGroupPruner::SelectPages(
    int rg, ScanCounters* counters) {
  const int64_t num_rows = reader_->metadata()->RowGroup(rg)->num_rows();
  std::vector<std::pair<int64_t, int64_t>> all{{0, num_rows}};
  auto index_reader = reader_->GetPageIndexReader();
  if (!index_reader) return all;
  auto rg_index = index_reader->RowGroup(rg);
  if (!rg_index) return all;

  struct PageSet {
    const FilterColumn* column;
    std::vector<int64_t> starts;  // first row of each page, plus num_rows at the end
    std::vector<expr::ColumnRange> ranges;
  };
  std::vector<PageSet> sets;
  for (const auto& c : columns_) {
    auto col_index = rg_index->GetColumnIndex(c.leaf_index);
    auto off_index = rg_index->GetOffsetIndex(c.leaf_index);
    if (!col_index || !off_index) continue;
    const auto& locations = off_index->page_locations();
    const auto& mins = col_index->encoded_min_values();
    const auto& maxs = col_index->encoded_max_values();
    const auto& null_pages = col_index->null_pages();
    if (locations.empty() || mins.size() != locations.size() ||
        maxs.size() != locations.size() || null_pages.size() != locations.size()) {
      continue;
    }
    const auto* descr = reader_->metadata()->schema()->Column(c.leaf_index);
    PageSet set{&c, {}, {}};
    for (size_t p = 0; p < locations.size(); ++p) {
      set.starts.push_back(locations[p].first_row_index);
      int64_t page_rows =
          (p + 1 < locations.size() ? locations[p + 1].first_row_index : num_rows) -
          locations[p].first_row_index;
      if (null_pages[p]) {
        set.ranges.push_back(expr::ColumnRange{nullptr, nullptr, true, true});
        continue;
      }
      bool has_nulls = col_index->has_null_counts();
      int64_t nulls = has_nulls ? col_index->null_counts()[p] : 0;
      auto stats = parquet::Statistics::Make(descr, mins[p], maxs[p], page_rows - nulls,
                                             nulls, 0, true, has_nulls, false);
      set.ranges.push_back(RangeFromStatistics(stats.get(), page_rows, c.type));
    }
    set.starts.push_back(num_rows);
    sets.push_back(std::move(set));
  }
  if (sets.empty()) return all;

  // Split the row group at every page boundary of every filter column; each piece
  // lies within exactly one page per column, so its guarantee is their conjunction.
  std::vector<int64_t> cuts;
  for (const auto& s : sets) cuts.insert(cuts.end(), s.starts.begin(), s.starts.end());
  cuts.push_back(0);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  std::vector<std::pair<int64_t, int64_t>> selected;
  std::vector<std::vector<bool>> page_kept(sets.size());
  for (size_t s = 0; s < sets.size(); ++s)
    page_kept[s].assign(sets[s].ranges.size(), false);
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    int64_t begin = cuts[i], end = cuts[i + 1];
    if (begin >= end || begin >= num_rows) continue;
    std::map<std::string, const expr::ColumnRange*> ranges;
    std::vector<size_t> pages(sets.size());
    for (size_t s = 0; s < sets.size(); ++s) {
      const auto& starts = sets[s].starts;
      size_t p =
          std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin() - 1;
      p = std::min(p, sets[s].ranges.size() - 1);
      pages[s] = p;
      ranges[expr::FieldKey(sets[s].column->ref)] = &sets[s].ranges[p];
    }
    bool skip = expr::CanSkip(
        filter_, [&](const arrow::FieldRef& ref) -> const expr::ColumnRange* {
          auto it = ranges.find(expr::FieldKey(ref));
          return it == ranges.end() ? nullptr : it->second;
        });
    if (skip) continue;
    for (size_t s = 0; s < sets.size(); ++s) page_kept[s][pages[s]] = true;
    if (!selected.empty() && selected.back().second == begin) {
      selected.back().second = end;
    } else {
      selected.emplace_back(begin, end);
    }
  }
  for (const auto& kept : page_kept) {
    counters->pages_total += static_cast<int64_t>(kept.size());
    counters->pages_pruned += std::count(kept.begin(), kept.end(), false);
  }
  return selected;
}

arrow::Result<std::vector<RowGroupSelection>> RowGroupPruner::Prune(
    ScanCounters* counters) {
  const int num_row_groups = reader_->metadata()->num_row_groups();
  counters->row_groups_total += num_row_groups;
  std::vector<RowGroupSelection> out;
  for (int rg = 0; rg < num_row_groups; ++rg) {
    if (!columns_.empty()) {
      if (options_.use_statistics) {
        ARROW_ASSIGN_OR_RAISE(bool skip, PrunedByStatistics(rg));
        if (skip) {
          ++counters->row_groups_pruned_by_statistics;
          continue;
        }
      }
      if (options_.use_bloom_filters) {
        ARROW_ASSIGN_OR_RAISE(bool skip, PrunedByBloomFilter(rg));
        if (skip) {
          ++counters->row_groups_pruned_by_bloom_filter;
          continue;
        }
      }
    }
    RowGroupSelection sel{rg, {}};
    if (!columns_.empty() && options_.use_page_index) {
      ARROW_ASSIGN_OR_RAISE(sel.ranges, SelectPages(rg, counters));
      if (sel.ranges.empty()) {
        ++counters->row_groups_pruned_by_page_index;
        continue;
      }
      const int64_t rows = reader_->metadata()->RowGroup(rg)->num_rows();
      if (sel.ranges.size() == 1 &&
          sel.ranges[0] == std::pair<int64_t, int64_t>{0, rows}) {
        sel.ranges.clear();
      }
    }
    ++counters->row_groups_read;
    out.push_back(std::move(sel));
  }
  return out;
}

}  // namespace weir::format
