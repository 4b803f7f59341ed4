#include "weir/format/record_format.h"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "weir/format/csv/csv_format.h"
#include "weir/format/json/json_format.h"
#include "weir/format/raw/raw_format.h"

namespace weir::format {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const RecordFormat>, std::less<>> formats;
};

Registry& Formats() {
  static Registry* registry = [] {
    auto* r = new Registry();
    for (auto format :
         {MakeJsonRecordFormat(), MakeCsvRecordFormat(), MakeRawRecordFormat()}) {
      r->formats.emplace(std::string(format->name()), std::move(format));
    }
    return r;
  }();
  return *registry;
}

}  // namespace

std::string FormatOptions::Get(const std::string& key,
                               const std::string& fallback) const {
  auto it = options_.find(key);
  return it == options_.end() ? fallback : it->second;
}

arrow::Result<bool> FormatOptions::GetBool(const std::string& key, bool fallback) const {
  std::string text = Get(key);
  if (text.empty()) return fallback;
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (text == "true") return true;
  if (text == "false") return false;
  return Error(key, fmt::format("expected true or false but got '{}'", text));
}

arrow::Result<char> FormatOptions::GetChar(const std::string& key, char fallback) const {
  if (!Has(key)) return fallback;
  const std::string value = Get(key);
  if (value.size() != 1 || value[0] == '\n' || value[0] == '\r') {
    return Error(key, fmt::format("expected one character but got '{}'", value));
  }
  return value[0];
}

arrow::Status FormatOptions::Error(const std::string& key, std::string_view message) {
  return arrow::Status::Invalid(fmt::format("option '{}': {}", key, message));
}

std::string_view RecordPartName(RecordPart part) {
  switch (part) {
    case RecordPart::kValue:
      return "value";
    case RecordPart::kKey:
      return "key";
    case RecordPart::kLine:
      return "line";
  }
  return "";
}

arrow::Status RecordEncoder::AppendLines(const arrow::RecordBatch& batch,
                                         std::string* out) {
  ARROW_RETURN_NOT_OK(Reset(batch));
  std::string record;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    ARROW_ASSIGN_OR_RAISE(const bool present, Encode(r, &record));
    if (present) out->append(record);
    out->push_back('\n');
  }
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> RecordFormat::OpenFile(
    const std::string&, std::shared_ptr<arrow::Schema>, const FormatOptions&) const {
  return arrow::Status::NotImplemented(
      fmt::format("the {} format cannot be read from files", name()));
}

const RecordFormat* FindRecordFormat(std::string_view name) {
  Registry& registry = Formats();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto it = registry.formats.find(name);
  return it == registry.formats.end() ? nullptr : it->second.get();
}

std::vector<std::string> RecordFormatNames() {
  Registry& registry = Formats();
  std::lock_guard<std::mutex> lock(registry.mu);
  std::vector<std::string> names;
  for (const auto& entry : registry.formats) names.push_back(entry.first);
  return names;
}

arrow::Status RegisterRecordFormat(std::shared_ptr<const RecordFormat> format) {
  Registry& registry = Formats();
  std::lock_guard<std::mutex> lock(registry.mu);
  std::string name(format->name());
  if (!registry.formats.emplace(name, std::move(format)).second) {
    return arrow::Status::Invalid(
        fmt::format("a record format named '{}' is already registered", name));
  }
  return arrow::Status::OK();
}

arrow::Result<const RecordFormat*> RecordFormatOf(std::string_view name,
                                                  std::string_view what) {
  if (const RecordFormat* format = FindRecordFormat(name)) return format;
  std::string known;
  for (const std::string& n : RecordFormatNames()) {
    known += known.empty() ? n : ", " + n;
  }
  return arrow::Status::Invalid(
      fmt::format("{} format '{}' is not supported ({})", what, name, known));
}

}  // namespace weir::format
