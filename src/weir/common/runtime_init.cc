#include "weir/common/runtime_init.h"

#include <cstdlib>
#include <mutex>

#include <arrow/compute/initialize.h>
#include <arrow/memory_pool.h>
#include <arrow/util/utf8.h>

namespace weir {

arrow::Status InitializeRuntime() {
  static std::once_flag once;
  static arrow::Status result;
  std::call_once(once, [] {
    // Arrow's default allocator is mimalloc; jemalloc gives freed memory back to the
    // system sooner, which cut a Kafka-to-Parquet job's peak RSS by a quarter at the
    // same speed (docs/benchmarks.md). ARROW_DEFAULT_MEMORY_POOL still decides when
    // set; Arrow reads it once, at the first allocation, which comes after this.
    arrow::MemoryPool* jemalloc = nullptr;
    if (std::getenv("ARROW_DEFAULT_MEMORY_POOL") == nullptr &&
        arrow::jemalloc_memory_pool(&jemalloc).ok()) {
      setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc", /*overwrite=*/0);
    }
    arrow::util::InitializeUTF8();
    result = arrow::compute::Initialize();
  });
  return result;
}

}  // namespace weir
