#include "weir/connectors/filesystem/text_format_scan.h"

#include <filesystem>
#include <map>

#include <arrow/array/util.h>
#include <arrow/io/file.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/connectors/table_formats.h"
#include "weir/format/parquet/file_discovery.h"
#include "weir/types/partition_value.h"

namespace weir::connectors {
namespace {

// Reads the files one after the other and returns the scan's columns.
class TextFormatReader : public arrow::RecordBatchReader {
 public:
  TextFormatReader(std::shared_ptr<const TableDescriptor> table,
                   std::vector<std::string> columns,
                   std::vector<format::DiscoveredFile> files)
      : table_(std::move(table)), columns_(std::move(columns)), files_(std::move(files)) {
    arrow::FieldVector fields;
    for (const std::string& name : columns_) {
      for (const TableColumn& column : table_->columns) {
        if (column.name == name) fields.push_back(arrow::field(name, column.type));
      }
    }
    schema_ = arrow::schema(fields);
    for (const TableColumn& column : table_->columns) {
      bool partition =
          std::find(table_->partition_keys.begin(), table_->partition_keys.end(),
                    column.name) != table_->partition_keys.end();
      if (!column.computed && !partition) {
        file_fields_.push_back(arrow::field(column.name, column.type));
      }
    }
  }

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    while (true) {
      if (current_ == nullptr) {
        if (next_file_ >= files_.size()) {
          *out = nullptr;
          return arrow::Status::OK();
        }
        ARROW_RETURN_NOT_OK(OpenFile(files_[next_file_++]));
      }
      std::shared_ptr<arrow::RecordBatch> batch;
      auto st = current_->ReadNext(&batch);
      if (!st.ok()) {
        return arrow::Status::Invalid(fmt::format("table '{}', file {}: {}", table_->name,
                                                  files_[next_file_ - 1].path,
                                                  st.message()));
      }
      if (batch == nullptr) {
        current_ = nullptr;
        continue;
      }
      return Project(*batch, out);
    }
  }

 private:
  arrow::Status OpenFile(const format::DiscoveredFile& file) {
    partition_values_.clear();
    for (const std::string& key : table_->partition_keys) {
      std::shared_ptr<arrow::DataType> type;
      for (const TableColumn& column : table_->columns) {
        if (column.name == key) type = column.type;
      }
      std::shared_ptr<arrow::Scalar> value = arrow::MakeNullScalar(type);
      for (const auto& [k, v] : file.partition_values) {
        if (k == key) {
          ARROW_ASSIGN_OR_RAISE(value, types::ParsePartitionValue(v, type));
        }
      }
      partition_values_[key] = value;
    }
    ARROW_ASSIGN_OR_RAISE(const format::RecordFormat* format,
                          TableRecordFormat(*table_, "format", table_->Option("format")));
    auto opened = format->OpenFile(file.path, arrow::schema(file_fields_),
                                   FormatOptionsOf(*table_));
    if (!opened.ok()) return InTable(*table_, opened.status());
    current_ = std::move(*opened);
    return arrow::Status::OK();
  }

  arrow::Status Project(const arrow::RecordBatch& batch,
                        std::shared_ptr<arrow::RecordBatch>* out) {
    arrow::ArrayVector arrays;
    for (const auto& field : schema_->fields()) {
      auto partition = partition_values_.find(field->name());
      if (partition != partition_values_.end()) {
        ARROW_ASSIGN_OR_RAISE(
            auto array, arrow::MakeArrayFromScalar(*partition->second, batch.num_rows()));
        arrays.push_back(array);
        continue;
      }
      auto column = batch.GetColumnByName(field->name());
      if (column == nullptr) {
        ARROW_ASSIGN_OR_RAISE(column,
                              arrow::MakeArrayOfNull(field->type(), batch.num_rows()));
      }
      arrays.push_back(column);
    }
    *out = arrow::RecordBatch::Make(schema_, batch.num_rows(), std::move(arrays));
    return arrow::Status::OK();
  }

  std::shared_ptr<const TableDescriptor> table_;
  std::vector<std::string> columns_;
  std::vector<format::DiscoveredFile> files_;
  std::shared_ptr<arrow::Schema> schema_;
  arrow::FieldVector file_fields_;
  size_t next_file_ = 0;
  std::shared_ptr<arrow::RecordBatchReader> current_;
  std::map<std::string, std::shared_ptr<arrow::Scalar>> partition_values_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenTextFormatScan(
    const TableDescriptor& table, const std::vector<std::string>& columns) {
  std::vector<format::DiscoveredFile> files;
  std::error_code ec;
  std::string path = table.Option("path");
  // An empty table directory (nothing written yet) reads as no rows; a path that
  // does not exist or matches nothing is an error naming it.
  auto found = format::DiscoverFiles({path});
  if (found.ok()) {
    files = std::move(*found);
  } else if (!std::filesystem::is_directory(path, ec)) {
    return UserError("table '{}': {}", table.name, found.status().message());
  }
  return OpenTextFormatFiles(table, columns, std::move(files));
}

std::shared_ptr<arrow::RecordBatchReader> OpenTextFormatFiles(
    const TableDescriptor& table, const std::vector<std::string>& columns,
    std::vector<format::DiscoveredFile> files) {
  return std::make_shared<TextFormatReader>(std::make_shared<TableDescriptor>(table),
                                            columns, std::move(files));
}

}  // namespace weir::connectors
