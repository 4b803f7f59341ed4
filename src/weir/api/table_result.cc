#include "weir/api/table_result.h"

#include <algorithm>

#include <arrow/array.h>
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

TableResult TableResult::Changes(std::shared_ptr<arrow::Table> table,
                                 std::vector<std::string> names) {
  TableResult result = Rows(std::move(table), std::move(names));
  result.changelog_ = true;
  return result;
}

arrow::Result<std::shared_ptr<arrow::Table>> TableResult::Collect() const {
  if (table_ == nullptr) {
    return arrow::Table::Make(arrow::schema(arrow::FieldVector{}),
                              arrow::ChunkedArrayVector{}, 0);
  }
  arrow::FieldVector fields;
  for (int i = 0; i < table_->num_columns(); ++i) {
    std::string name =
        i < static_cast<int>(names_.size()) ? names_[i] : table_->field(i)->name();
    fields.push_back(table_->field(i)->WithName(name));
  }
  return arrow::Table::Make(arrow::schema(fields), table_->columns(), table_->num_rows());
}

namespace {

// A value as Flink's SQL client shows it: NULL, arrays `[a, b]`, maps `{k=v}`, rows
// `(a, b)`; line breaks as `\n`, so a value stays on its row.
std::string CellText(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return "NULL";
  auto join = [](const arrow::Array& values, const char* open, const char* close) {
    std::string text = open;
    for (int64_t i = 0; i < values.length(); ++i) {
      if (i) text += ", ";
      auto element = values.GetScalar(i);
      text += element.ok() ? CellText(**element) : "?";
    }
    return text + close;
  };
  switch (scalar.type->id()) {
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
      return join(*static_cast<const arrow::BaseListScalar&>(scalar).value, "[", "]");
    case arrow::Type::MAP: {
      const auto& entries = static_cast<const arrow::StructArray&>(
          *static_cast<const arrow::MapScalar&>(scalar).value);
      std::string text = "{";
      for (int64_t i = 0; i < entries.length(); ++i) {
        if (i) text += ", ";
        auto key = entries.field(0)->GetScalar(i);
        auto item = entries.field(1)->GetScalar(i);
        text += (key.ok() ? CellText(**key) : "?") + "=" +
                (item.ok() ? CellText(**item) : "?");
      }
      return text + "}";
    }
    case arrow::Type::STRUCT: {
      std::string text = "(";
      const auto& fields = static_cast<const arrow::StructScalar&>(scalar).value;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) text += ", ";
        text += CellText(*fields[i]);
      }
      return text + ")";
    }
    default: {
      std::string text = scalar.ToString();
      for (size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 2)
        text.replace(at, 1, "\\n");
      return text;
    }
  }
}

}  // namespace

arrow::Status TableResult::Print(std::FILE* out) const {
  if (kind_ != Kind::kRows) {
    std::fprintf(out, "%s\n", message_.c_str());
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto table, Collect());
  if (table->num_columns() == 1 && table->field(0)->name() == "plan" &&
      table->num_rows() == 1) {
    // EXPLAIN: the plan as text.
    ARROW_ASSIGN_OR_RAISE(auto plan, table->column(0)->GetScalar(0));
    std::fprintf(out, "%s\n", plan->ToString().c_str());
    return arrow::Status::OK();
  }
  int columns = table->num_columns();
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header, types;
  for (int c = 0; c < columns; ++c) {
    header.push_back(table->field(c)->name());
    types.push_back(SqlTypeName(table->field(c)->type()));
  }
  for (int64_t r = 0; r < table->num_rows(); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < columns; ++c) {
      ARROW_ASSIGN_OR_RAISE(auto scalar, table->column(c)->GetScalar(r));
      row.push_back(CellText(*scalar));
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
