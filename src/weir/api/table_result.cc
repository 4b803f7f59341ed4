#include "weir/api/table_result.h"

#include <algorithm>

#include <arrow/pretty_print.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <fmt/format.h>

namespace weir::api {

TableResult TableResult::Ok(std::string message) {
  TableResult result;
  result.kind_ = Kind::kOk;
  result.message_ = std::move(message);
  return result;
}

TableResult TableResult::Rows(std::shared_ptr<arrow::Table> table,
                              std::vector<std::string> names) {
  TableResult result;
  result.kind_ = Kind::kRows;
  result.table_ = std::move(table);
  result.names_ = std::move(names);
  return result;
}

TableResult TableResult::Job(std::string message, int64_t rows_written) {
  TableResult result;
  result.kind_ = Kind::kJob;
  result.message_ = std::move(message);
  result.rows_written_ = rows_written;
  return result;
}

arrow::Result<std::shared_ptr<arrow::Table>> TableResult::Collect() const {
  if (table_ == nullptr) {
    return arrow::Table::Make(arrow::schema(arrow::FieldVector{}),
                              arrow::ChunkedArrayVector{}, 0);
  }
  arrow::FieldVector fields;
  for (int i = 0; i < table_->num_columns(); ++i) {
    std::string name = i < static_cast<int>(names_.size()) ? names_[i]
                                                           : table_->field(i)->name();
    fields.push_back(table_->field(i)->WithName(name));
  }
  return arrow::Table::Make(arrow::schema(fields), table_->columns(), table_->num_rows());
}

arrow::Status TableResult::Print(std::FILE* out) const {
  if (kind_ != Kind::kRows) {
    std::fprintf(out, "%s\n", message_.c_str());
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto table, Collect());
  int columns = table->num_columns();
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header, types;
  for (int c = 0; c < columns; ++c) {
    header.push_back(table->field(c)->name());
    types.push_back(table->field(c)->type()->ToString());
  }
  for (int64_t r = 0; r < table->num_rows(); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < columns; ++c) {
      ARROW_ASSIGN_OR_RAISE(auto scalar, table->column(c)->GetScalar(r));
      row.push_back(scalar->is_valid ? scalar->ToString() : "NULL");
    }
    cells.push_back(std::move(row));
  }
  std::vector<size_t> widths(columns, 0);
  for (int c = 0; c < columns; ++c) {
    widths[c] = std::max(header[c].size(), types[c].size());
    for (const auto& row : cells) widths[c] = std::max(widths[c], row[c].size());
  }
  auto rule = [&]() {
    std::string line = "+";
    for (size_t w : widths) line += std::string(w + 2, '-') + "+";
    std::fprintf(out, "%s\n", line.c_str());
  };
  auto line = [&](const std::vector<std::string>& values) {
    std::string text = "|";
    for (int c = 0; c < columns; ++c) {
      text += fmt::format(" {:<{}} |", values[c], widths[c]);
    }
    std::fprintf(out, "%s\n", text.c_str());
  };
  rule();
  line(header);
  line(types);
  rule();
  for (const auto& row : cells) line(row);
  rule();
  std::fprintf(out, "%lld row%s in set\n", static_cast<long long>(table->num_rows()),
               table->num_rows() == 1 ? "" : "s");
  return arrow::Status::OK();
}

}  // namespace weir::api
