#include "weir/common/runtime_init.h"

#include <mutex>

#include <arrow/compute/initialize.h>

namespace weir {

arrow::Status InitializeRuntime() {
  static std::once_flag once;
  static arrow::Status result;
  std::call_once(once, [] { result = arrow::compute::Initialize(); });
  return result;
}

}  // namespace weir
