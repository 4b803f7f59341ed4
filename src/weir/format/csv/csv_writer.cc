#include "weir/format/csv/csv_writer.h"

#include <arrow/array.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>
#include <arrow/util/base64.h>

#include "weir/common/error.h"
#include "weir/format/csv/csv_decoder.h"

namespace weir::format {
namespace {

bool IsBinary(arrow::Type::type id) {
  return id == arrow::Type::BINARY || id == arrow::Type::LARGE_BINARY ||
         id == arrow::Type::FIXED_SIZE_BINARY || id == arrow::Type::BINARY_VIEW;
}

// A column as text, one view per row.
struct TextColumn {
  std::shared_ptr<arrow::Array> array;  // the text (utf8) or binary array
  bool base64 = false;
  std::string_view View(int64_t i, std::string* scratch) const {
    std::string_view bytes;
    switch (array->type_id()) {
      case arrow::Type::STRING:
        bytes = static_cast<const arrow::StringArray&>(*array).GetView(i);
        break;
      case arrow::Type::LARGE_STRING:
        bytes = static_cast<const arrow::LargeStringArray&>(*array).GetView(i);
        break;
      case arrow::Type::BINARY:
        bytes = static_cast<const arrow::BinaryArray&>(*array).GetView(i);
        break;
      case arrow::Type::LARGE_BINARY:
        bytes = static_cast<const arrow::LargeBinaryArray&>(*array).GetView(i);
        break;
      case arrow::Type::FIXED_SIZE_BINARY:
        bytes = static_cast<const arrow::FixedSizeBinaryArray&>(*array).GetView(i);
        break;
      default:
        break;
    }
    if (!base64) return bytes;
    *scratch = arrow::util::base64_encode(bytes);
    return *scratch;
  }
};

arrow::Result<TextColumn> AsText(const std::shared_ptr<arrow::Array>& column) {
  TextColumn text;
  text.array = column;
  if (column->type_id() == arrow::Type::DICTIONARY) {
    ARROW_ASSIGN_OR_RAISE(
        text.array,
        arrow::compute::Cast(
            *column,
            static_cast<const arrow::DictionaryType&>(*column->type()).value_type()));
  }
  const auto id = text.array->type_id();
  if (id == arrow::Type::BINARY_VIEW) {
    ARROW_ASSIGN_OR_RAISE(text.array, arrow::compute::Cast(*text.array, arrow::binary()));
  }
  if (IsBinary(id)) {
    text.base64 = true;
    return text;
  }
  if (id != arrow::Type::STRING && id != arrow::Type::LARGE_STRING) {
    ARROW_ASSIGN_OR_RAISE(text.array, arrow::compute::Cast(*text.array, arrow::utf8()));
  }
  return text;
}

}  // namespace

arrow::Status CheckCsvWritable(const arrow::Schema& schema) {
  for (const auto& field : schema.fields()) {
    auto type = field->type();
    if (type->id() == arrow::Type::DICTIONARY)
      type = static_cast<const arrow::DictionaryType&>(*type).value_type();
    if (type->num_fields() > 0) {
      return UserError(
          "the csv format cannot write column '{}' of type {}: arrays, maps and rows "
          "need the json or parquet format",
          field->name(), type->ToString());
    }
  }
  return arrow::Status::OK();
}

struct CsvRowEncoder::Columns {
  std::vector<TextColumn> text;
  std::vector<std::string> names;
};

CsvRowEncoder::~CsvRowEncoder() = default;
CsvRowEncoder::CsvRowEncoder(CsvRowEncoder&&) noexcept = default;
CsvRowEncoder& CsvRowEncoder::operator=(CsvRowEncoder&&) noexcept = default;

arrow::Result<CsvRowEncoder> CsvRowEncoder::Make(const arrow::RecordBatch& batch,
                                                 CsvWriteOptions options) {
  ARROW_RETURN_NOT_OK(CheckCsvWritable(*batch.schema()));
  ARROW_RETURN_NOT_OK(CheckCsvOptions(options.delimiter,
                                      options.disable_quote ? '\0' : options.quote,
                                      options.escape, options.null_literal));
  CsvRowEncoder encoder;
  encoder.options_ = std::move(options);
  encoder.columns_ = std::make_unique<Columns>();
  for (int c = 0; c < batch.num_columns(); ++c) {
    auto text = AsText(batch.column(c));
    if (!text.ok()) {
      return UserError("the csv format cannot write column '{}' ({}): {}",
                       batch.schema()->field(c)->name(),
                       batch.column(c)->type()->ToString(), text.status().message());
    }
    encoder.columns_->text.push_back(std::move(*text));
    encoder.columns_->names.push_back(batch.schema()->field(c)->name());
  }
  return encoder;
}

arrow::Status CsvRowEncoder::Append(int64_t r, std::string* out) {
  const CsvWriteOptions& options = options_;
  const char q = options.quote;
  const char e = options.escape;
  const auto& columns = columns_->text;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c) out->push_back(options.delimiter);
    if (columns[c].array->IsNull(r)) {
      *out += options.null_literal;
      continue;
    }
    const std::string_view v = columns[c].View(r, &scratch_);
    bool special = false;  // holds a character that needs quoting or escaping
    for (char ch : v) {
      if (ch == options.delimiter || ch == '\n' || ch == '\r' ||
          (!options.disable_quote && ch == q) || (e != '\0' && ch == e)) {
        special = true;
        break;
      }
    }
    // A leading '#' would read as a comment (csv.allow-comments).
    if (c == 0 && !v.empty() && v.front() == '#') special = true;
    if (options.disable_quote) {
      // Values that would read back as something else: the null literal, or an empty
      // string where an empty field is NULL.
      const bool ambiguous = v == options.null_literal;
      if (!special && !ambiguous) {
        *out += v;
        continue;
      }
      if (e == '\0' || v.empty()) {
        return UserError(
            "the csv format cannot write '{}' of column '{}' without quotes: it {} "
            "(set csv.escape-character, or csv.null-literal)",
            v, columns_->names[c],
            ambiguous ? "reads back as NULL"
                      : "holds the delimiter, a line break or a leading '#'");
      }
      for (size_t k = 0; k < v.size(); ++k) {
        const char ch = v[k];
        if (ch == options.delimiter || ch == '\n' || ch == '\r' || ch == e ||
            (k == 0 && (ambiguous || ch == '#')))
          out->push_back(e);
        out->push_back(ch);
      }
      continue;
    }
    bool needs_quotes = special;
    // A value spelled like the null literal is quoted, so it does not read back
    // as NULL.
    if (!needs_quotes && !options.null_literal.empty() && v == options.null_literal)
      needs_quotes = true;
    // An empty string is "" (an empty field is NULL, and an empty line is no row).
    if (v.empty() && options.null_literal.empty()) needs_quotes = true;
    if (!needs_quotes) {
      *out += v;
      continue;
    }
    out->push_back(q);
    for (char ch : v) {
      if (ch == q || (e != '\0' && ch == e)) out->push_back(e != '\0' ? e : q);
      out->push_back(ch);
    }
    out->push_back(q);
  }
  return arrow::Status::OK();
}

arrow::Status AppendCsvRows(const arrow::RecordBatch& batch,
                            const CsvWriteOptions& options, std::string* out) {
  ARROW_ASSIGN_OR_RAISE(auto encoder, CsvRowEncoder::Make(batch, options));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    ARROW_RETURN_NOT_OK(encoder.Append(r, out));
    out->push_back('\n');
  }
  return arrow::Status::OK();
}

}  // namespace weir::format
