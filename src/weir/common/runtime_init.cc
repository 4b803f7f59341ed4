#include "weir/common/runtime_init.h"

#include <mutex>

#include <arrow/compute/initialize.h>
#include <arrow/util/utf8.h>

namespace weir {

arrow::Status InitializeRuntime() {
  static std::once_flag once;
  static arrow::Status result;
  std::call_once(once, [] {
    arrow::util::InitializeUTF8();
    result = arrow::compute::Initialize();
  });
  return result;
}

}  // namespace weir
