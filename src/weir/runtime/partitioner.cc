#include "weir/runtime/partitioner.h"

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

std::string Partitioning::ToString() const {
  switch (kind) {
    case Kind::kForward:
      return "forward";
    case Kind::kRebalance:
      return "rebalance";
    case Kind::kBroadcast:
      return "broadcast";
    case Kind::kHash: {
      std::string s = "hash(";
      for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + keys[i];
      return s + ")";
    }
  }
  return "?";
}

namespace {

using Routed = std::vector<std::pair<int, std::shared_ptr<arrow::RecordBatch>>>;

class ForwardPartitioner : public Partitioner {
 public:
  arrow::Status Route(const std::shared_ptr<arrow::RecordBatch>& batch,
                      Routed* out) override {
    out->emplace_back(0, batch);
    return arrow::Status::OK();
  }
};

class RebalancePartitioner : public Partitioner {
 public:
  RebalancePartitioner(int start, int n) : next_(start % n), n_(n) {}
  arrow::Status Route(const std::shared_ptr<arrow::RecordBatch>& batch,
                      Routed* out) override {
    out->emplace_back(next_, batch);
    next_ = (next_ + 1) % n_;
    return arrow::Status::OK();
  }

 private:
  int next_;
  int n_;
};

class BroadcastPartitioner : public Partitioner {
 public:
  explicit BroadcastPartitioner(int n) : n_(n) {}
  arrow::Status Route(const std::shared_ptr<arrow::RecordBatch>& batch,
                      Routed* out) override {
    for (int i = 0; i < n_; ++i) out->emplace_back(i, batch);
    return arrow::Status::OK();
  }

 private:
  int n_;
};

class HashPartitioner : public Partitioner {
 public:
  HashPartitioner(std::vector<std::string> keys, int n, int max_parallelism)
      : keys_(std::move(keys)), n_(n), max_parallelism_(max_parallelism) {}

  arrow::Status Route(const std::shared_ptr<arrow::RecordBatch>& batch,
                      Routed* out) override {
    ARROW_RETURN_NOT_OK(ResolveKeys(batch->schema()));
    if (n_ == 1) {
      out->emplace_back(0, batch);
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(auto hashes, expr::HashKeyColumns(*batch, key_indices_));
    const int64_t rows = batch->num_rows();
    targets_.resize(static_cast<size_t>(rows));
    counts_.assign(static_cast<size_t>(n_), 0);
    for (int64_t r = 0; r < rows; ++r) {
      const int kg = state::KeyGroupForHash(hashes[r], max_parallelism_);
      const int t = state::SubtaskForKeyGroup(kg, n_, max_parallelism_);
      targets_[r] = t;
      ++counts_[t];
    }
    for (int t = 0; t < n_; ++t) {
      if (counts_[t] == rows) {  // every row to one subtask: no copy
        out->emplace_back(t, batch);
        return arrow::Status::OK();
      }
    }
    // Row indices grouped by target, then one Take per non-empty target.
    std::vector<std::vector<int32_t>> rows_by_target(static_cast<size_t>(n_));
    for (int t = 0; t < n_; ++t) rows_by_target[t].reserve(counts_[t]);
    for (int64_t r = 0; r < rows; ++r)
      rows_by_target[targets_[r]].push_back(static_cast<int32_t>(r));
    for (int t = 0; t < n_; ++t) {
      if (rows_by_target[t].empty()) continue;
      arrow::Int32Builder b;
      ARROW_RETURN_NOT_OK(b.AppendValues(rows_by_target[t]));
      ARROW_ASSIGN_OR_RAISE(auto indices, b.Finish());
      ARROW_ASSIGN_OR_RAISE(
          auto taken, arrow::compute::Take(arrow::Datum(batch), arrow::Datum(indices)));
      out->emplace_back(t, taken.record_batch());
    }
    return arrow::Status::OK();
  }

 private:
  arrow::Status ResolveKeys(const std::shared_ptr<arrow::Schema>& schema_ptr) {
    if (resolved_for_ &&
        (resolved_for_ == schema_ptr || resolved_for_->Equals(*schema_ptr, false))) {
      return arrow::Status::OK();
    }
    const arrow::Schema& schema = *schema_ptr;
    key_indices_.clear();
    for (const auto& k : keys_) {
      int i = schema.GetFieldIndex(k);
      if (i < 0) {
        return UserError("key column '{}' is not in the stream's schema {}", k,
                         schema.ToString());
      }
      key_indices_.push_back(i);
    }
    resolved_for_ = schema_ptr;
    return arrow::Status::OK();
  }

  std::vector<std::string> keys_;
  int n_;
  int max_parallelism_;
  std::shared_ptr<arrow::Schema> resolved_for_;
  std::vector<int> key_indices_;
  std::vector<int> targets_;
  std::vector<int64_t> counts_;
};

}  // namespace

std::unique_ptr<Partitioner> MakePartitioner(const Partitioning& p, int producer_index,
                                             int num_channels, int max_parallelism) {
  switch (p.kind) {
    case Partitioning::Kind::kForward:
      return std::make_unique<ForwardPartitioner>();
    case Partitioning::Kind::kRebalance:
      return std::make_unique<RebalancePartitioner>(producer_index, num_channels);
    case Partitioning::Kind::kBroadcast:
      return std::make_unique<BroadcastPartitioner>(num_channels);
    case Partitioning::Kind::kHash:
      return std::make_unique<HashPartitioner>(p.keys, num_channels, max_parallelism);
  }
  return nullptr;
}

}  // namespace weir::runtime
