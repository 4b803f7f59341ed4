#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include <arrow/result.h>
#include <arrow/status.h>
#include <parquet/exception.h>

namespace weir::format {

/// Runs `fn` and converts any exception thrown by the Parquet library into a
/// status that names `path`. Parquet's C++ API throws on corrupt input; this is the
/// boundary where that becomes our error model.
template <typename Fn>
auto CatchParquet(const std::string& path, Fn&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  auto fail = [&](arrow::Status st) -> R {
    return st.WithMessage(path + ": " + st.message());
  };
  try {
    R result = fn();
    if constexpr (std::is_same_v<R, arrow::Status>) {
      if (!result.ok() && result.message().rfind(path, 0) != 0) return fail(result);
    } else {
      if (!result.ok() && result.status().message().rfind(path, 0) != 0) {
        return fail(result.status());
      }
    }
    return result;
  } catch (const parquet::ParquetStatusException& e) {
    return fail(e.status());
  } catch (const parquet::ParquetException& e) {
    return fail(arrow::Status::IOError("invalid Parquet file: ", e.what()));
  } catch (const std::bad_alloc&) {
    return fail(arrow::Status::OutOfMemory("out of memory while reading"));
  } catch (const std::exception& e) {
    return fail(arrow::Status::IOError("invalid Parquet file: ", e.what()));
  }
}

}  // namespace weir::format
