#include "weir/common/error.h"

namespace weir {

ErrorKind ClassifyError(const arrow::Status& status) {
  switch (status.code()) {
    case arrow::StatusCode::Invalid:
    case arrow::StatusCode::IOError:
    case arrow::StatusCode::KeyError:
    case arrow::StatusCode::TypeError:
    case arrow::StatusCode::IndexError:
    case arrow::StatusCode::NotImplemented:
    case arrow::StatusCode::SerializationError:
    case arrow::StatusCode::CapacityError:
    case arrow::StatusCode::Cancelled:
      return ErrorKind::kUser;
    default:
      return ErrorKind::kInternal;
  }
}

int ExitCodeFor(const arrow::Status& status) {
  if (status.ok()) return 0;
  return ClassifyError(status) == ErrorKind::kUser ? 1 : 2;
}

arrow::Status WithContext(const arrow::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return status.WithMessage(fmt::format("{}: {}", context, status.message()));
}

}  // namespace weir
