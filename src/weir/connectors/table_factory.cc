#include "weir/connectors/table_factory.h"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "weir/common/suggest.h"
#include "weir/connectors/blackhole/blackhole_factory.h"
#include "weir/connectors/datagen/datagen_factory.h"
#include "weir/connectors/filesystem/filesystem_factory.h"
#include "weir/connectors/kafka/kafka_table_factory.h"
#include "weir/connectors/memory/memory_factory.h"
#include "weir/connectors/nexmark/nexmark_factory.h"
#include "weir/connectors/print/print_factory.h"

namespace weir::connectors {

namespace {

// The registered factories: the built-in connectors, then any added later.
struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<TableFactory>> factories;

  Registry() {
    factories.push_back(MakeFilesystemTableFactory());
    factories.push_back(MakeKafkaTableFactory());
    factories.push_back(MakeUpsertKafkaTableFactory());
    factories.push_back(MakeDatagenTableFactory());
    factories.push_back(MakeNexmarkTableFactory());
    factories.push_back(MakePrintTableFactory());
    factories.push_back(MakeBlackholeTableFactory());
    factories.push_back(MakeMemoryTableFactory());
  }
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();  // never destroyed: used at exit
  return *registry;
}

}  // namespace

arrow::Result<runtime::SourceFactory> TableFactory::MakeSource(
    const TableDescriptor& table, const ScanRequest&) const {
  return arrow::Status::Invalid(fmt::format(
      "table '{}' (connector '{}') cannot be read: it is a sink-only connector",
      table.name, name()));
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TableFactory::OpenBatchReader(
    const TableDescriptor&, const ScanRequest&) const {
  return std::shared_ptr<arrow::RecordBatchReader>();
}

arrow::Result<TableSink> TableFactory::MakeSink(const TableDescriptor& table) const {
  return arrow::Status::Invalid(fmt::format(
      "table '{}' (connector '{}') cannot be written to", table.name, name()));
}

arrow::Result<std::function<arrow::Status()>> TableFactory::PrepareOverwrite(
    const TableDescriptor& table) const {
  return arrow::Status::Invalid(
      fmt::format("INSERT OVERWRITE {}: connector '{}' cannot be overwritten (only "
                  "filesystem tables can)",
                  table.name, name()));
}

arrow::Result<const TableFactory*> FindTableFactory(const std::string& name) {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  for (const auto& factory : registry.factories) {
    if (factory->name() == name) return factory.get();
  }
  std::vector<std::string> names;
  for (const auto& factory : registry.factories) names.emplace_back(factory->name());
  std::sort(names.begin(), names.end());
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return arrow::Status::Invalid(fmt::format("unknown connector '{}'{} (connectors: {})",
                                            name, common::DidYouMean(name, names), list));
}

std::vector<std::string> TableFactoryNames() {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  std::vector<std::string> names;
  for (const auto& factory : registry.factories) names.emplace_back(factory->name());
  std::sort(names.begin(), names.end());
  return names;
}

arrow::Status RegisterTableFactory(std::unique_ptr<TableFactory> factory) {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  for (const auto& existing : registry.factories) {
    if (existing->name() == factory->name()) {
      return arrow::Status::Invalid(
          fmt::format("a connector named '{}' is already registered", factory->name()));
    }
  }
  registry.factories.push_back(std::move(factory));
  return arrow::Status::OK();
}

}  // namespace weir::connectors
