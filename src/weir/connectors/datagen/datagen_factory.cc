#include "weir/connectors/datagen/datagen_factory.h"

#include <set>

#include <fmt/format.h>

#include "weir/connectors/datagen/source.h"
#include "weir/connectors/table_options.h"

namespace weir::connectors {
namespace {

arrow::Status ValidateDatagen(const TableDescriptor& table) {
  static const std::set<std::string> field_options = {
      "kind", "min", "max", "length", "start", "end", "null-rate"};
  for (const std::string& key : table.option_order) {
    if (key == "connector" || key == "rows-per-second" || key == "number-of-rows" ||
        key == "seed") {
      continue;
    }
    if (key.rfind("fields.", 0) == 0) {
      size_t dot = key.rfind('.');
      std::string field = key.substr(7, dot - 7);
      std::string option = key.substr(dot + 1);
      bool known_field = false;
      for (const TableColumn& column : table.columns) {
        if (column.name == field) known_field = true;
      }
      if (!known_field) {
        return arrow::Status::Invalid(
            fmt::format("table '{}', option '{}': '{}' is not a column of the table",
                        table.name, key, field));
      }
      if (field_options.count(option) == 0) {
        return arrow::Status::Invalid(fmt::format(
            "table '{}': unknown option '{}' (fields.<name>. takes kind, min, max, "
            "length, start, end, null-rate)",
            table.name, key));
      }
      continue;
    }
    return arrow::Status::Invalid(fmt::format(
        "table '{}': unknown option '{}' for connector 'datagen' (rows-per-second, "
        "number-of-rows, fields.<name>.kind|min|max|length|start|end|null-rate)",
        table.name, key));
  }
  return arrow::Status::OK();
}

arrow::Result<DatagenOptions> DatagenOptionsOf(const TableDescriptor& table) {
  DatagenOptions options;
  options.schema = table.PhysicalSchema();
  if (!table.Option("rows-per-second").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t rate, ParseInteger(table, "rows-per-second"));
    options.rows_per_second = rate;
  }
  if (!table.Option("number-of-rows").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t rows, ParseInteger(table, "number-of-rows"));
    options.number_of_rows = rows;
  }
  if (!table.Option("seed").empty()) {
    ARROW_ASSIGN_OR_RAISE(int64_t seed, ParseInteger(table, "seed"));
    options.seed = static_cast<uint64_t>(seed);
  }
  for (const TableColumn& column : table.columns) {
    if (column.computed) continue;
    DatagenFieldOptions field;
    std::string prefix = "fields." + column.name + ".";
    std::string kind = table.Option(prefix + "kind", "random");
    if (kind == "sequence") {
      field.kind = DatagenFieldOptions::Kind::kSequence;
      if (table.Option(prefix + "start").empty() ||
          table.Option(prefix + "end").empty()) {
        return OptionError(table, prefix + "kind",
                           "a sequence needs fields.<name>.start and fields.<name>.end");
      }
    } else if (kind != "random") {
      return OptionError(table, prefix + "kind",
                         fmt::format("expected random or sequence but got '{}'", kind));
    }
    if (!table.Option(prefix + "start").empty()) {
      ARROW_ASSIGN_OR_RAISE(field.start, ParseInteger(table, prefix + "start"));
    }
    if (!table.Option(prefix + "end").empty()) {
      ARROW_ASSIGN_OR_RAISE(field.end, ParseInteger(table, prefix + "end"));
    }
    if (!table.Option(prefix + "min").empty()) {
      ARROW_ASSIGN_OR_RAISE(double min, ParseNumber(table, prefix + "min"));
      field.min = min;
    }
    if (!table.Option(prefix + "max").empty()) {
      ARROW_ASSIGN_OR_RAISE(double max, ParseNumber(table, prefix + "max"));
      field.max = max;
    }
    if (!table.Option(prefix + "length").empty()) {
      ARROW_ASSIGN_OR_RAISE(int64_t length, ParseInteger(table, prefix + "length"));
      field.length = static_cast<int>(length);
    }
    if (!table.Option(prefix + "null-rate").empty()) {
      ARROW_ASSIGN_OR_RAISE(field.null_rate, ParseNumber(table, prefix + "null-rate"));
    }
    options.fields[column.name] = field;
  }
  return options;
}

class DatagenTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "datagen"; }
  arrow::Status Validate(TableDescriptor* table) const override {
    ARROW_RETURN_NOT_OK(ValidateDatagen(*table));
    ARROW_ASSIGN_OR_RAISE(auto options, DatagenOptionsOf(*table));
    return MakeDatagenSource(options).status();
  }
  bool IsBounded(const TableDescriptor& table) const override {
    if (!table.Option("number-of-rows").empty()) return true;
    for (const TableColumn& column : table.columns) {
      if (table.Option("fields." + column.name + ".kind") == "sequence") return true;
    }
    return false;
  }
  arrow::Result<runtime::SourceFactory> MakeSource(const TableDescriptor& table,
                                                   const ScanRequest&) const override {
    ARROW_ASSIGN_OR_RAISE(auto options, DatagenOptionsOf(table));
    return MakeDatagenSource(options);
  }
};

}  // namespace

std::unique_ptr<TableFactory> MakeDatagenTableFactory() {
  return std::make_unique<DatagenTableFactory>();
}

}  // namespace weir::connectors
