#include "weir/connectors/print/print_factory.h"

#include "weir/connectors/print/sink.h"
#include "weir/connectors/table_options.h"

namespace weir::connectors {
namespace {

class PrintTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "print"; }
  arrow::Status Validate(TableDescriptor* table) const override {
    ARROW_RETURN_NOT_OK(CheckKnown(
        *table, {"connector", "print-identifier", "standard-error", "sink.parallelism"},
        "print"));
    ARROW_RETURN_NOT_OK(SinkParallelism(*table).status());
    if (!table->Option("standard-error").empty()) {
      ARROW_RETURN_NOT_OK(ParseBool(*table, "standard-error").status());
    }
    return arrow::Status::OK();
  }
  bool IsBounded(const TableDescriptor&) const override { return false; }
  // Takes every row kind, as Flink's sink does.
  bool SinkAccepts(const TableDescriptor&, ChangelogMode) const override { return true; }
  arrow::Result<TableSink> MakeSink(const TableDescriptor& table) const override {
    TableSink sink;
    ARROW_ASSIGN_OR_RAISE(sink.parallelism, SinkParallelism(table));
    PrintOptions options;
    options.identifier = table.Option("print-identifier");
    if (!table.Option("standard-error").empty()) {
      ARROW_ASSIGN_OR_RAISE(options.standard_error, ParseBool(table, "standard-error"));
    }
    sink.factory = MakePrintSink(options);
    return sink;
  }
};

}  // namespace

std::unique_ptr<TableFactory> MakePrintTableFactory() {
  return std::make_unique<PrintTableFactory>();
}

}  // namespace weir::connectors
