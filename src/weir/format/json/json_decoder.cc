#include "weir/format/json/json_decoder.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/datum.h>
#include <arrow/type.h>
#include <arrow/util/base64.h>
#include <arrow/util/decimal.h>
#include <arrow/util/utf8.h>
#include <arrow/util/value_parsing.h>
#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "weir/format/text/text_value.h"

namespace weir::format {

using text::AppendText;
using text::Node;
using text::Plan;

namespace {

// Whether a field name equals a key of the record: inline, 8 bytes at a time (keys are
// short; a library memcmp call per key cost 4% of a Kafka job).
inline bool SameName(const std::string& name, std::string_view key) {
  if (name.size() != key.size()) return false;
  const char* a = name.data();
  const char* b = key.data();
  size_t n = key.size();
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  for (; n > 0; --n) {
    if (*a++ != *b++) return false;
  }
  return true;
}

}  // namespace

// Decodes one record from rapidjson's SAX events: a stack of frames mirrors the
// open objects and arrays, each value goes to the builder of the node it belongs to,
// and an error (bad value or malformed JSON) stops the parse.
class JsonDecoder::Handler
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, JsonDecoder::Handler> {
 public:
  explicit Handler(Node* root) : root_(root) {}

  void Reset() {
    frames_.clear();
    error_ = arrow::Status::OK();
    error_path_.clear();
    started_ = false;
  }
  const arrow::Status& error() const { return error_; }
  const std::string& error_path() const { return error_path_; }
  bool started() const { return started_; }

  // Leaves every open builder with its value for this row (NULL where missing), so
  // the row can be dropped as a whole.
  arrow::Status Complete() {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      Frame& f = *it;
      if (f.kind == Frame::kCapture) {
        ARROW_RETURN_NOT_OK(f.node->builder->AppendNull());
      } else if (f.kind == Frame::kStruct) {
        for (Node& child : f.node->children) {
          while (child.builder->length() < f.node->builder->length())
            ARROW_RETURN_NOT_OK(child.builder->AppendNull());
        }
      } else if (f.kind == Frame::kMap) {
        arrow::ArrayBuilder* items = f.node->children[1].builder;
        while (items->length() < f.node->children[0].builder->length())
          ARROW_RETURN_NOT_OK(items->AppendNull());
      }
    }
    frames_.clear();
    return arrow::Status::OK();
  }

  bool Null() { return Scalar(Kind::kNull, {}); }
  bool Bool(bool b) { return Scalar(Kind::kBool, b ? "true" : "false"); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return Scalar(Kind::kNumber, std::string_view(s, n));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return Scalar(Kind::kString, std::string_view(s, n));
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view key(s, n);
    Frame& top = frames_.back();
    if (top.kind == Frame::kCapture) return top.writer->Key(s, n);
    if (top.kind == Frame::kSkip) return true;
    if (top.kind == Frame::kMap) {
      top.key.assign(key);
      return Check(AppendText(top.node->children[0], key));
    }
    // A struct: find the field, in declaration order first.
    const auto& names = top.node->names;
    size_t child = names.size();
    if (top.hint < names.size() && SameName(names[top.hint], key)) {
      child = top.hint;
    } else {
      for (size_t i = 0; i < names.size(); ++i) {
        if (SameName(names[i], key)) {
          child = i;
          break;
        }
      }
    }
    // Unknown fields and repeated keys (the first value wins) are skipped.
    if (child == names.size() || top.node->filled[child]) {
      top.child = -1;
      return true;
    }
    top.node->filled[child] = 1;
    top.child = static_cast<int>(child);
    top.hint = child + 1;
    return true;
  }
  bool StartObject() { return Open(/*object=*/true); }
  bool EndObject(rapidjson::SizeType) { return Close(/*object=*/true); }
  bool StartArray() { return Open(/*object=*/false); }
  bool EndArray(rapidjson::SizeType) { return Close(/*object=*/false); }

 private:
  enum class Kind { kNull, kBool, kNumber, kString };
  struct Frame {
    enum Type { kStruct, kList, kMap, kSkip, kCapture } kind;
    Node* node = nullptr;
    int child = -1;     // struct: the field the next value is for (-1 skips it)
    size_t hint = 0;    // struct: the field expected next
    int64_t index = 0;  // list: elements so far
    std::string key;    // map: the current key
    int depth = 0;      // skip, capture: nesting inside
    std::shared_ptr<rapidjson::StringBuffer> text;  // capture: the JSON text
    std::shared_ptr<rapidjson::Writer<rapidjson::StringBuffer>> writer;
  };

  bool Check(arrow::Status st) {
    if (st.ok()) return true;
    error_ = std::move(st);
    // The path to the failing value, outermost first.
    for (const Frame& f : frames_) {
      if (f.kind == Frame::kStruct && f.child >= 0) {
        if (!error_path_.empty()) error_path_ += '.';
        error_path_ += f.node->names[f.child];
      } else if (f.kind == Frame::kList) {
        error_path_ += fmt::format("[{}]", f.index);
      } else if (f.kind == Frame::kMap) {
        error_path_ += fmt::format("[{}]", f.key);
      }
    }
    return false;
  }

  // The node the next value belongs to; null to skip it.
  Node* Target() {
    Frame& top = frames_.back();
    switch (top.kind) {
      case Frame::kStruct:
        return top.child >= 0 ? &top.node->children[top.child] : nullptr;
      case Frame::kList:
        return &top.node->children[0];
      case Frame::kMap:
        return &top.node->children[1];
      default:
        return nullptr;
    }
  }
  void Advance() {
    Frame& top = frames_.back();
    if (top.kind == Frame::kList) ++top.index;
  }

  bool Scalar(Kind kind, std::string_view text) {
    if (frames_.empty()) {
      return Check(arrow::Status::Invalid("expected a JSON object"));
    }
    Frame& top = frames_.back();
    if (top.kind == Frame::kCapture) {
      switch (kind) {
        case Kind::kNull:
          return top.writer->Null();
        case Kind::kBool:
          return top.writer->Bool(text == "true");
        case Kind::kNumber:
          return top.writer->RawValue(text.data(), text.size(), rapidjson::kNumberType);
        case Kind::kString:
          return top.writer->String(text.data(),
                                    static_cast<rapidjson::SizeType>(text.size()));
      }
    }
    Node* node = Target();
    if (node == nullptr) return true;
    const arrow::Type::type id = node->type->id();
    arrow::Status st;
    if (kind == Kind::kNull) {
      st = node->builder->AppendNull();
    } else if (id == arrow::Type::STRUCT || id == arrow::Type::MAP ||
               id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST) {
      st = arrow::Status::Invalid("expected ",
                                  id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST
                                      ? "an array"
                                      : "an object",
                                  " for ", node->type->ToString(), " but got ",
                                  kind == Kind::kBool     ? "a boolean"
                                  : kind == Kind::kNumber ? "a number"
                                                          : "a string");
    } else if (kind == Kind::kBool && id != arrow::Type::BOOL &&
               id != arrow::Type::STRING && id != arrow::Type::LARGE_STRING) {
      st = arrow::Status::Invalid("expected a number or string for ",
                                  node->type->ToString(), " but got a boolean");
    } else if (kind == Kind::kNumber &&
               (id == arrow::Type::DATE32 || id == arrow::Type::TIME32 ||
                id == arrow::Type::TIME64 || id == arrow::Type::TIMESTAMP ||
                id == arrow::Type::BINARY || id == arrow::Type::LARGE_BINARY ||
                id == arrow::Type::BOOL)) {
      st = arrow::Status::Invalid("expected a string for ", node->type->ToString(),
                                  " but got a number");
    } else {
      st = AppendText(*node, text);
    }
    Advance();
    return Check(std::move(st));
  }

  bool Open(bool object) {
    if (frames_.empty()) {
      if (!object) return Check(arrow::Status::Invalid("expected a JSON object"));
      started_ = true;
      Frame f;
      f.kind = Frame::kStruct;
      f.node = root_;
      std::fill(root_->filled.begin(), root_->filled.end(), 0);
      frames_.push_back(std::move(f));
      return Check(static_cast<arrow::StructBuilder*>(root_->builder)->Append());
    }
    Frame& top = frames_.back();
    if (top.kind == Frame::kSkip || top.kind == Frame::kCapture) {
      ++top.depth;
      if (top.kind == Frame::kCapture)
        return object ? top.writer->StartObject() : top.writer->StartArray();
      return true;
    }
    Node* node = Target();
    Frame f;
    f.node = node;
    if (node == nullptr) {
      f.kind = Frame::kSkip;
      f.depth = 1;
      frames_.push_back(std::move(f));
      return true;
    }
    const arrow::Type::type id = node->type->id();
    arrow::Status st;
    if (id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING) {
      // Flink keeps a nested value read as STRING as its JSON text.
      f.kind = Frame::kCapture;
      f.depth = 1;
      f.text = std::make_shared<rapidjson::StringBuffer>();
      f.writer = std::make_shared<rapidjson::Writer<rapidjson::StringBuffer>>(*f.text);
      if (object) {
        f.writer->StartObject();
      } else {
        f.writer->StartArray();
      }
      frames_.push_back(std::move(f));
      return true;
    }
    if (object && id == arrow::Type::STRUCT) {
      f.kind = Frame::kStruct;
      std::fill(node->filled.begin(), node->filled.end(), 0);
      st = static_cast<arrow::StructBuilder*>(node->builder)->Append();
    } else if (object && id == arrow::Type::MAP) {
      f.kind = Frame::kMap;
      st = static_cast<arrow::MapBuilder*>(node->builder)->Append();
    } else if (!object && id == arrow::Type::LIST) {
      f.kind = Frame::kList;
      st = static_cast<arrow::ListBuilder*>(node->builder)->Append();
    } else if (!object && id == arrow::Type::LARGE_LIST) {
      f.kind = Frame::kList;
      st = static_cast<arrow::LargeListBuilder*>(node->builder)->Append();
    } else {
      return Check(arrow::Status::Invalid(
          "expected ",
          id == arrow::Type::STRUCT || id == arrow::Type::MAP        ? "an object"
          : id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST ? "an array"
                                                                     : "a scalar",
          " for ", node->type->ToString(), " but got ",
          object ? "an object" : "an array"));
    }
    if (!st.ok()) return Check(std::move(st));
    frames_.push_back(std::move(f));
    return true;
  }

  bool Close(bool object) {
    Frame& top = frames_.back();
    if (top.kind == Frame::kCapture) {
      if (!(object ? top.writer->EndObject() : top.writer->EndArray())) {
        return Check(arrow::Status::Invalid("malformed JSON"));
      }
      if (--top.depth > 0) return true;
      Node* node = top.node;
      const std::string text(top.text->GetString(), top.text->GetSize());
      frames_.pop_back();
      Advance();
      return Check(AppendText(*node, text));
    }
    if (top.kind == Frame::kSkip) {
      if (--top.depth > 0) return true;
      frames_.pop_back();
      return true;
    }
    if (top.kind == Frame::kStruct) {
      for (size_t i = 0; i < top.node->children.size(); ++i) {
        if (!top.node->filled[i]) {
          auto st = top.node->children[i].builder->AppendNull();
          if (!st.ok()) return Check(std::move(st));
        }
      }
    }
    frames_.pop_back();
    if (!frames_.empty()) Advance();
    return true;
  }

 private:
  Node* root_;
  std::vector<Frame> frames_;
  arrow::Status error_;
  std::string error_path_;
  bool started_ = false;
};

// A rapidjson input stream over a record in place (no copy, no NUL terminator).
namespace {

// Whether `text` holds only JSON whitespace from `pos` on.
bool OnlySpaceFrom(std::string_view text, size_t pos) {
  for (size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

struct JsonDecoder::State {
  std::unique_ptr<arrow::ArrayBuilder> root_builder;
  Node root;
  std::unique_ptr<Handler> handler;
  rapidjson::Reader reader;
  // The record being parsed, NUL-terminated and padded: rapidjson's SSE2 paths
  // (whitespace, strings) apply to its in-situ stream only, and read whole aligned
  // 16-byte blocks up to the terminator.
  std::string buffer;
};

JsonDecoder::~JsonDecoder() = default;

arrow::Result<std::unique_ptr<JsonDecoder>> JsonDecoder::Make(
    std::shared_ptr<arrow::Schema> schema) {
  arrow::util::InitializeUTF8();  // for ValidateUTF8 (idempotent)
  std::unique_ptr<JsonDecoder> decoder(new JsonDecoder());
  decoder->schema_ = schema;
  decoder->state_ = std::make_unique<State>();
  State& s = *decoder->state_;
  ARROW_ASSIGN_OR_RAISE(s.root_builder,
                        arrow::MakeBuilder(arrow::struct_(schema->fields())));
  s.root.builder = s.root_builder.get();
  s.root.type = s.root_builder->type();
  for (int i = 0; i < schema->num_fields(); ++i) {
    Node probe;
    probe.type = schema->field(i)->type();
    probe.builder =
        static_cast<arrow::StructBuilder*>(s.root_builder.get())->field_builder(i);
    auto st = Plan(&probe);
    if (!st.ok()) {
      return arrow::Status::NotImplemented("the json format ", st.message(), " (column '",
                                           schema->field(i)->name(), "')");
    }
  }
  ARROW_RETURN_NOT_OK(Plan(&s.root));
  s.handler = std::make_unique<Handler>(&s.root);
  return decoder;
}

arrow::Status JsonDecoder::Append(std::string_view record) {
  State& s = *state_;
  s.handler->Reset();
  // One vectorised check of the whole record instead of rapidjson's per-character one
  // (JSON text must be UTF-8 throughout).
  if (!arrow::util::ValidateUTF8(record)) {
    return arrow::Status::Invalid("malformed JSON: not valid UTF-8");
  }
  constexpr size_t kPadding = 16;
  s.buffer.assign(record);
  s.buffer.append(kPadding, '\0');
  rapidjson::InsituStringStream stream(s.buffer.data());
  constexpr unsigned kFlags =
      rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
  const rapidjson::ParseResult parsed = s.reader.Parse<kFlags>(stream, *s.handler);
  arrow::Status st = s.handler->error();
  if (st.ok() && !parsed) {
    st = arrow::Status::Invalid("malformed JSON at character ", parsed.Offset(), ": ",
                                rapidjson::GetParseError_En(parsed.Code()));
  } else if (st.ok() && !s.handler->started()) {
    st = arrow::Status::Invalid("expected a JSON object");
  } else if (st.ok() && !OnlySpaceFrom(record, stream.Tell())) {
    // rapidjson stops at a NUL byte as at the end of the text.
    st = arrow::Status::Invalid("malformed JSON at character ", stream.Tell(),
                                ": text after the object");
  }
  if (st.ok()) {
    ++rows_;
    return st;
  }
  if (s.handler->started()) {
    // The row is in the builders: complete it with NULLs and drop it at Finish.
    ARROW_RETURN_NOT_OK(s.handler->Complete());
    bad_rows_.push_back(rows_++);
  }
  if (!s.handler->error_path().empty()) {
    return arrow::Status::Invalid("field '", s.handler->error_path(),
                                  "': ", st.message());
  }
  return st;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> JsonDecoder::Finish() {
  State& s = *state_;
  std::shared_ptr<arrow::Array> rows;
  ARROW_RETURN_NOT_OK(s.root_builder->Finish(&rows));
  ARROW_ASSIGN_OR_RAISE(auto kept, text::DropRows(arrow::Datum(rows), bad_rows_));
  rows = kept.make_array();
  rows_ = 0;
  bad_rows_.clear();
  const auto& array = static_cast<const arrow::StructArray&>(*rows);
  arrow::ArrayVector columns;
  for (int i = 0; i < array.num_fields(); ++i) columns.push_back(array.field(i));
  return arrow::RecordBatch::Make(schema_, array.length(), std::move(columns));
}

}  // namespace weir::format

namespace weir::format {
namespace {

class JsonLinesReader : public arrow::RecordBatchReader {
 public:
  JsonLinesReader(std::string path, std::unique_ptr<JsonDecoder> decoder,
                  bool skip_bad_lines, std::shared_ptr<std::atomic<int64_t>> skipped,
                  int64_t batch_rows)
      : path_(std::move(path)),
        decoder_(std::move(decoder)),
        skip_bad_lines_(skip_bad_lines),
        skipped_(std::move(skipped)),
        batch_rows_(batch_rows) {}

  arrow::Status Open() {
    in_.rdbuf()->pubsetbuf(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    in_.open(path_, std::ios::binary);
    if (!in_) return arrow::Status::IOError("cannot open '", path_, "'");
    return arrow::Status::OK();
  }

  std::shared_ptr<arrow::Schema> schema() const override { return decoder_->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    std::string line;
    while (decoder_->num_rows() < batch_rows_ && std::getline(in_, line)) {
      ++line_number_;
      std::string_view text = line;
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
      auto st = decoder_->Append(text);
      if (st.ok()) continue;
      if (!skip_bad_lines_) {
        return arrow::Status::Invalid("line ", line_number_, ": ", st.message());
      }
      if (skipped_) skipped_->fetch_add(1);
    }
    if (in_.bad()) return arrow::Status::IOError("cannot read '", path_, "'");
    if (decoder_->num_rows() == 0) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*out, decoder_->Finish());
    return arrow::Status::OK();
  }

 private:
  std::string path_;
  std::unique_ptr<JsonDecoder> decoder_;
  bool skip_bad_lines_;
  std::shared_ptr<std::atomic<int64_t>> skipped_;
  int64_t batch_rows_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::ifstream in_;
  int64_t line_number_ = 0;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenJsonLinesReader(
    const std::string& path, std::shared_ptr<arrow::Schema> schema, bool skip_bad_lines,
    std::shared_ptr<std::atomic<int64_t>> skipped, int64_t batch_rows) {
  ARROW_ASSIGN_OR_RAISE(auto decoder, JsonDecoder::Make(std::move(schema)));
  auto reader = std::make_shared<JsonLinesReader>(
      path, std::move(decoder), skip_bad_lines, std::move(skipped), batch_rows);
  ARROW_RETURN_NOT_OK(reader->Open());
  return reader;
}

}  // namespace weir::format
