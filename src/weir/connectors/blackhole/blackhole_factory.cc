#include "weir/connectors/blackhole/blackhole_factory.h"

#include "weir/connectors/blackhole/sink.h"
#include "weir/connectors/table_options.h"

namespace weir::connectors {
namespace {

class BlackholeTableFactory : public TableFactory {
 public:
  std::string_view name() const override { return "blackhole"; }
  arrow::Status Validate(TableDescriptor* table) const override {
    ARROW_RETURN_NOT_OK(
        CheckKnown(*table, {"connector", "sink.parallelism"}, "blackhole"));
    return SinkParallelism(*table).status();
  }
  bool IsBounded(const TableDescriptor&) const override { return false; }
  // Takes every row kind, as Flink's sink does.
  bool SinkAccepts(const TableDescriptor&, ChangelogMode) const override { return true; }
  arrow::Result<TableSink> MakeSink(const TableDescriptor& table) const override {
    TableSink sink;
    ARROW_ASSIGN_OR_RAISE(sink.parallelism, SinkParallelism(table));
    sink.factory = MakeBlackholeSink();
    return sink;
  }
};

}  // namespace

std::unique_ptr<TableFactory> MakeBlackholeTableFactory() {
  return std::make_unique<BlackholeTableFactory>();
}

}  // namespace weir::connectors
