#include "weir/cli/batch_printer.h"

#include <algorithm>

#include <arrow/type.h>

#include "weir/cli/value_format.h"
#include "weir/common/error.h"
#include "weir/format/parquet/metadata_inspector.h"

namespace weir::cli {

namespace {

constexpr size_t kMaxCellWidth = 48;

std::string Truncate(const std::string& s) { return TruncateText(s, kMaxCellWidth); }

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

arrow::Result<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "csv") return OutputFormat::kCsv;
  if (text == "json") return OutputFormat::kJson;
  return UserError("unknown output format '{}'; use table, csv or json", text);
}

std::vector<std::vector<std::string>> BatchPrinter::Cells(
    const arrow::RecordBatch& batch) {
  std::vector<std::vector<std::string>> rows(batch.num_rows());
  const std::string null_text = format_ == OutputFormat::kTable ? "NULL" : "";
  for (int c = 0; c < batch.num_columns(); ++c) {
    const arrow::Array& col = *batch.column(c);
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      std::string cell;
      AppendTextValue(col, r, &cell, null_text);
      rows[r].push_back(std::move(cell));
    }
  }
  return rows;
}

void BatchPrinter::PrintRule() {
  std::string line = "+";
  for (size_t w : widths_) line += std::string(w + 2, '-') + "+";
  std::fprintf(out_, "%s\n", line.c_str());
}

arrow::Status BatchPrinter::Print(const arrow::RecordBatch& batch) {
  const auto& schema = *batch.schema();
  if (format_ == OutputFormat::kJson) {
    std::string line;
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      line = "{";
      for (int c = 0; c < batch.num_columns(); ++c) {
        if (c) line += ", ";
        line += format::JsonQuote(schema.field(c)->name()) + ": ";
        AppendJsonValue(*batch.column(c), r, &line);
      }
      line += "}\n";
      std::fwrite(line.data(), 1, line.size(), out_);
    }
    return arrow::Status::OK();
  }
  auto rows = Cells(batch);
  if (format_ == OutputFormat::kCsv) {
    std::string line;
    if (!header_done_) {
      for (int c = 0; c < schema.num_fields(); ++c) {
        line += (c ? "," : "") + CsvField(schema.field(c)->name());
      }
      std::fprintf(out_, "%s\n", line.c_str());
      header_done_ = true;
    }
    for (const auto& row : rows) {
      line.clear();
      for (size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + CsvField(row[c]);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), out_);
    }
    return arrow::Status::OK();
  }
  if (!header_done_) {
    widths_.assign(schema.num_fields(), 0);
    for (int c = 0; c < schema.num_fields(); ++c) {
      widths_[c] = std::min(kMaxCellWidth, DisplayWidth(schema.field(c)->name()));
    }
    for (size_t r = 0; r < std::min<size_t>(rows.size(), 200); ++r) {
      for (size_t c = 0; c < rows[r].size(); ++c) {
        widths_[c] = std::max(widths_[c], DisplayWidth(Truncate(rows[r][c])));
      }
    }
    PrintRule();
    std::string line = "|";
    for (int c = 0; c < schema.num_fields(); ++c) {
      std::string name = Truncate(schema.field(c)->name());
      line += " " + name + std::string(widths_[c] - DisplayWidth(name), ' ') + " |";
    }
    std::fprintf(out_, "%s\n", line.c_str());
    PrintRule();
    header_done_ = true;
  }
  for (const auto& row : rows) {
    std::string line = "|";
    for (size_t c = 0; c < row.size(); ++c) {
      std::string cell = Truncate(row[c]);
      size_t w = DisplayWidth(cell);
      line += " " + cell + std::string(widths_[c] > w ? widths_[c] - w : 0, ' ') + " |";
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
  }
  return arrow::Status::OK();
}

arrow::Status BatchPrinter::Finish(const arrow::Schema& schema, int64_t total_rows) {
  if (format_ == OutputFormat::kTable) {
    if (!header_done_) {
      // No rows: still show the columns.
      auto empty = arrow::RecordBatch::MakeEmpty(std::make_shared<arrow::Schema>(schema));
      if (empty.ok()) ARROW_RETURN_NOT_OK(Print(**empty));
    }
    PrintRule();
    std::fprintf(out_, "%lld row%s\n", static_cast<long long>(total_rows),
                 total_rows == 1 ? "" : "s");
  } else if (format_ == OutputFormat::kCsv && !header_done_) {
    std::string line;
    for (int c = 0; c < schema.num_fields(); ++c) {
      line += (c ? "," : "") + CsvField(schema.field(c)->name());
    }
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  return arrow::Status::OK();
}

}  // namespace weir::cli
