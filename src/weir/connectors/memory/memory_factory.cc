#include "weir/connectors/memory/memory_factory.h"

#include <arrow/table.h>
#include <fmt/format.h>

#include "weir/connectors/collection/source.h"
#include "weir/connectors/table_options.h"

namespace weir::connectors {
namespace {

// The requested columns of the table's rows, as batches of at most 64K rows.
arrow::Result<std::shared_ptr<arrow::Table>> Projected(const TableDescriptor& table,
                                                       const ScanRequest& scan) {
  std::vector<int> indices;
  for (const std::string& column : scan.columns) {
    int index = table.data->schema()->GetFieldIndex(column);
    if (index < 0) {
      return arrow::Status::Invalid(
          fmt::format("table '{}' holds no column '{}'", table.name, column));
    }
    indices.push_back(index);
  }
  return table.data->SelectColumns(indices);
}

class MemoryTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "memory"; }

  arrow::Status Validate(TableDescriptor* table) const override {
    ARROW_RETURN_NOT_OK(CheckKnown(*table, {"connector"}, "memory"));
    if (table->data == nullptr) {
      return arrow::Status::Invalid(fmt::format(
          "table '{}': connector 'memory' holds rows a program passed in (from_arrow, "
          "from_pandas, from_elements in Python); CREATE TABLE cannot make one",
          table->name));
    }
    return arrow::Status::OK();
  }

  bool IsBounded(const TableDescriptor&) const override { return true; }

  arrow::Result<runtime::SourceFactory> MakeSource(
      const TableDescriptor& table, const ScanRequest& scan) const override {
    ARROW_ASSIGN_OR_RAISE(auto projected, Projected(table, scan));
    arrow::TableBatchReader reader(*projected);
    reader.set_chunksize(kBatchRows);
    ARROW_ASSIGN_OR_RAISE(auto batches, reader.ToRecordBatches());
    return MakeCollectionSource(std::move(batches));
  }

  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenBatchReader(
      const TableDescriptor& table, const ScanRequest& scan) const override {
    ARROW_ASSIGN_OR_RAISE(auto projected, Projected(table, scan));
    auto reader = std::make_shared<arrow::TableBatchReader>(projected);
    reader->set_chunksize(kBatchRows);
    return reader;
  }

  std::optional<format::DatasetStatistics> Statistics(
      const TableDescriptor& table, const std::vector<std::string>&) const override {
    format::DatasetStatistics statistics;
    statistics.row_count = static_cast<double>(table.data->num_rows());
    return statistics;
  }

 private:
  static constexpr int64_t kBatchRows = 64 * 1024;
};

}  // namespace

std::unique_ptr<TableFactory> MakeMemoryTableFactory() {
  return std::make_unique<MemoryTableFactory>();
}

}  // namespace weir::connectors
