#include "weir/format/csv/csv_decoder.h"

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/datum.h>
#include <arrow/util/utf8.h>

#include "weir/format/text/text_value.h"

namespace weir::format {

namespace {

// Types whose empty value an empty field can spell.
bool IsText(arrow::Type::type id) {
  return id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING ||
         id == arrow::Type::BINARY || id == arrow::Type::LARGE_BINARY;
}

}  // namespace

struct CsvDecoder::State {
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders;
  std::vector<text::Node> columns;
  // The current record's fields: views into the record, or into `unescaped` for
  // fields that held doubled quotes or escapes.
  std::vector<std::string_view> fields;
  std::vector<char> quoted;
  std::vector<std::string_view> raw;  // unquoted fields before unescaping
  std::string unescaped;
};

CsvDecoder::~CsvDecoder() = default;

arrow::Status CheckCsvOptions(char delimiter, char quote, char escape,
                              const std::string& null_literal) {
  if (delimiter == quote && quote != '\0') {
    return arrow::Status::Invalid(
        "the csv quote character must differ from the field delimiter");
  }
  if (escape != '\0' && (escape == delimiter || escape == quote)) {
    return arrow::Status::Invalid(
        "the csv escape character must differ from the field delimiter and the quote "
        "character");
  }
  for (char c : null_literal) {
    if (c == delimiter || c == '\n' || c == '\r' || (quote != '\0' && c == quote)) {
      return arrow::Status::Invalid("the csv null literal '", null_literal,
                                    "' holds the delimiter, the quote or a line break");
    }
  }
  return arrow::Status::OK();
}

arrow::Result<std::unique_ptr<CsvDecoder>> CsvDecoder::Make(
    std::shared_ptr<arrow::Schema> schema, CsvDecodeOptions options) {
  ARROW_RETURN_NOT_OK(CheckCsvOptions(options.delimiter, options.quote, options.escape,
                                      options.null_literal));
  if (options.array_delimiter.empty()) {
    return arrow::Status::Invalid("the csv array element delimiter is empty");
  }
  arrow::util::InitializeUTF8();  // for ValidateUTF8 (idempotent)
  std::unique_ptr<CsvDecoder> decoder(new CsvDecoder());
  decoder->schema_ = schema;
  decoder->options_ = std::move(options);
  decoder->state_ = std::make_unique<State>();
  State& s = *decoder->state_;
  for (const auto& field : schema->fields()) {
    const auto& type = field->type();
    const bool list =
        type->id() == arrow::Type::LIST || type->id() == arrow::Type::LARGE_LIST;
    const auto& scalar = list ? type->field(0)->type() : type;
    if (scalar->num_fields() > 0) {
      return arrow::Status::NotImplemented(
          "the csv format cannot read column '", field->name(), "' of type ",
          type->ToString(), ": rows, maps and nested arrays need the json format");
    }
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(type));
    text::Node node;
    node.type = type;
    node.builder = builder.get();
    auto st = text::Plan(&node);
    if (!st.ok()) {
      return arrow::Status::NotImplemented("the csv format ", st.message(), " (column '",
                                           field->name(), "')");
    }
    s.builders.push_back(std::move(builder));
    s.columns.push_back(std::move(node));
  }
  return decoder;
}

arrow::Status CsvDecoder::Split(std::string_view record) {
  State& s = *state_;
  s.fields.clear();
  s.quoted.clear();
  s.raw.clear();
  s.unescaped.clear();
  // Unescaped text is never longer than the record: views into it stay valid.
  s.unescaped.reserve(record.size());
  const char delimiter = options_.delimiter;
  const char quote = options_.quote;
  const char escape = options_.escape;
  size_t pos = 0;
  const size_t n = record.size();
  while (true) {
    const size_t start = pos;
    const bool quoted = quote != '\0' && pos < n && record[pos] == quote;
    bool copied = false;  // the field's text is in `unescaped`
    const size_t copy_start = s.unescaped.size();
    if (quoted) {
      ++pos;
      const size_t body = pos;
      bool closed = false;
      while (pos < n) {
        const char c = record[pos];
        if (c == quote) {
          if (pos + 1 < n && record[pos + 1] == quote) {
            if (!copied) s.unescaped.append(record.substr(body, pos - body));
            copied = true;
            s.unescaped.push_back(quote);
            pos += 2;
            continue;
          }
          closed = true;
          break;
        }
        if (escape != '\0' && c == escape && pos + 1 < n) {
          if (!copied) s.unescaped.append(record.substr(body, pos - body));
          copied = true;
          s.unescaped.push_back(record[pos + 1]);
          pos += 2;
          continue;
        }
        if (copied) s.unescaped.push_back(c);
        ++pos;
      }
      if (!closed) {
        return arrow::Status::Invalid("field ", s.fields.size() + 1,
                                      ": the quote opened at character ", start + 1,
                                      " is not closed");
      }
      s.fields.push_back(copied ? std::string_view(s.unescaped).substr(copy_start)
                                : record.substr(body, pos - body));
      ++pos;  // the closing quote
      if (pos < n && record[pos] != delimiter) {
        return arrow::Status::Invalid("field ", s.fields.size(),
                                      ": expected the delimiter after the closing quote "
                                      "at character ",
                                      pos + 1, " but got '", record.substr(pos, 1), "'");
      }
    } else {
      while (pos < n && record[pos] != delimiter) {
        const char c = record[pos];
        if (escape != '\0' && c == escape && pos + 1 < n) {
          if (!copied) s.unescaped.append(record.substr(start, pos - start));
          copied = true;
          s.unescaped.push_back(record[pos + 1]);
          pos += 2;
          continue;
        }
        if (copied) s.unescaped.push_back(c);
        ++pos;
      }
      s.fields.push_back(copied ? std::string_view(s.unescaped).substr(copy_start)
                                : record.substr(start, pos - start));
    }
    s.raw.push_back(quoted ? std::string_view() : record.substr(start, pos - start));
    s.quoted.push_back(quoted ? 1 : 0);
    if (pos >= n) break;
    ++pos;  // the delimiter; a record ending in one has an empty last field
  }
  return arrow::Status::OK();
}

arrow::Status CsvDecoder::AppendField(int column) {
  State& s = *state_;
  const std::string_view text = s.fields[column];
  text::Node& node = s.columns[column];
  const arrow::Type::type id = node.type->id();
  const std::string& null_literal = options_.null_literal;
  if (!s.quoted[column] &&
      (s.raw[column] == null_literal || (text.empty() && !IsText(id)))) {
    return node.builder->AppendNull();
  }
  if (id != arrow::Type::LIST && id != arrow::Type::LARGE_LIST) {
    return text::AppendText(node, text);
  }
  if (id == arrow::Type::LIST) {
    ARROW_RETURN_NOT_OK(static_cast<arrow::ListBuilder*>(node.builder)->Append());
  } else {
    ARROW_RETURN_NOT_OK(static_cast<arrow::LargeListBuilder*>(node.builder)->Append());
  }
  if (text.empty()) return arrow::Status::OK();  // an empty array
  // Split the text as written (an escaped separator does not split; the null literal
  // is matched before unescaping, as for whole fields), then unescape each element.
  const bool raw = !s.quoted[column] && options_.escape != '\0';
  const std::string_view source = raw ? s.raw[column] : text;
  const std::string& separator = options_.array_delimiter;
  text::Node& element = node.children[0];
  std::string unescaped;
  size_t start = 0;
  for (int index = 1;; ++index) {
    size_t end = start;
    while (end < source.size() && source.compare(end, separator.size(), separator) != 0) {
      end += raw && source[end] == options_.escape && end + 1 < source.size() ? 2 : 1;
    }
    end = std::min(end, source.size());
    std::string_view item = source.substr(start, end - start);
    arrow::Status st;
    if (item == null_literal || (item.empty() && !IsText(element.type->id()))) {
      st = element.builder->AppendNull();
    } else {
      if (raw) {
        unescaped.clear();
        for (size_t k = 0; k < item.size(); ++k) {
          if (item[k] == options_.escape && k + 1 < item.size()) ++k;
          unescaped.push_back(item[k]);
        }
        item = unescaped;
      }
      st = text::AppendText(element, item);
    }
    if (!st.ok()) return arrow::Status::Invalid("element ", index, ": ", st.message());
    if (end >= source.size()) break;
    start = end + separator.size();
  }
  return arrow::Status::OK();
}

arrow::Result<bool> CsvDecoder::Append(std::string_view record) {
  State& s = *state_;
  if (!arrow::util::ValidateUTF8(record)) {
    return arrow::Status::Invalid("the record is not valid UTF-8");
  }
  // A trailing line break ends the record, unless it is escaped (part of a value).
  auto escaped_at = [&](size_t end) {
    size_t escapes = 0;
    while (options_.escape != '\0' && escapes < end &&
           record[end - 1 - escapes] == options_.escape)
      ++escapes;
    return escapes % 2 == 1;
  };
  for (char line_end : {'\n', '\r'}) {
    if (!record.empty() && record.back() == line_end && !escaped_at(record.size() - 1)) {
      record.remove_suffix(1);
    }
  }
  if (options_.allow_comments && !record.empty() && record.front() == '#') return false;
  if (s.columns.empty()) {
    // No columns (every column is in the key): an empty record is a row.
    if (!record.empty()) {
      return arrow::Status::Invalid("0 fields expected but the record is not empty");
    }
    ++rows_;
    return true;
  }
  ARROW_RETURN_NOT_OK(Split(record));
  const size_t expected = s.columns.size();
  if (s.fields.size() != expected) {
    return arrow::Status::Invalid(expected, " field(s) expected but the record has ",
                                  s.fields.size());
  }
  for (size_t c = 0; c < expected; ++c) {
    auto st = AppendField(static_cast<int>(c));
    if (st.ok()) continue;
    // Complete the row with NULLs and drop it at Finish.
    for (auto& builder : s.builders) {
      if (builder->length() <= rows_) ARROW_RETURN_NOT_OK(builder->AppendNull());
    }
    bad_rows_.push_back(rows_++);
    return arrow::Status::Invalid("field ", c + 1, " ('", schema_->field(c)->name(),
                                  "'): ", st.message());
  }
  ++rows_;
  return true;
}

arrow::Status CsvDecoder::AppendNullRow() {
  for (auto& builder : state_->builders) ARROW_RETURN_NOT_OK(builder->AppendNull());
  ++rows_;
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> CsvDecoder::Finish() {
  State& s = *state_;
  arrow::ArrayVector columns;
  for (auto& builder : s.builders) {
    std::shared_ptr<arrow::Array> column;
    ARROW_RETURN_NOT_OK(builder->Finish(&column));
    columns.push_back(std::move(column));
  }
  ARROW_ASSIGN_OR_RAISE(auto kept, text::DropRows(arrow::RecordBatch::Make(
                                                      schema_, rows_, std::move(columns)),
                                                  bad_rows_));
  auto batch = kept.record_batch();
  rows_ = 0;
  bad_rows_.clear();
  return batch;
}

}  // namespace weir::format
