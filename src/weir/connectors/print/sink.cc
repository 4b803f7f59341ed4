#include "weir/connectors/print/sink.h"

#include <mutex>

#include <arrow/array.h>
#include <arrow/scalar.h>

#include "weir/connectors/print/java_text.h"
#include "weir/runtime/changelog.h"

namespace weir::connectors {

namespace {

std::mutex& PrintMutex() {
  static std::mutex mu;
  return mu;
}

class PrintSink : public runtime::Operator {
 public:
  explicit PrintSink(PrintOptions options) : options_(std::move(options)) {}

  arrow::Status Open(runtime::OperatorContext* context) override {
    const auto& info = context->subtask();
    // Flink's PrintSinkOutputWriter: "id> ", "id:2> ", "2> " or nothing.
    prefix_ = options_.identifier;
    if (info.parallelism > 1) {
      prefix_ += (prefix_.empty() ? "" : ":") + std::to_string(info.index + 1);
    }
    if (!prefix_.empty()) prefix_ += "> ";
    return arrow::Status::OK();
  }

  arrow::Status ProcessBatch(int, const std::shared_ptr<arrow::RecordBatch>& batch,
                             runtime::Output*) override {
    std::string text;
    const int8_t* kinds = runtime::RowKinds(*batch);
    const int kind_column = runtime::RowKindIndex(*batch->schema());
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      text += prefix_;
      text += kinds ? runtime::RowKindString(static_cast<runtime::RowKind>(kinds[r]))
                    : std::string_view("+I");
      text += "[";
      bool first = true;
      for (int c = 0; c < batch->num_columns(); ++c) {
        if (c == kind_column) continue;
        if (!first) text += ", ";
        first = false;
        const arrow::Array& column = *batch->column(c);
        if (column.IsNull(r)) {
          text += "NULL";
        } else {
          AppendJavaText(column, r, &text);
        }
      }
      text += "]\n";
    }
    std::lock_guard<std::mutex> lock(PrintMutex());
    FILE* f = options_.standard_error ? stderr : stdout;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fflush(f);
    return arrow::Status::OK();
  }

 private:
  PrintOptions options_;
  std::string prefix_;
};

}  // namespace

runtime::OperatorFactory MakePrintSink(PrintOptions options) {
  return [options](const runtime::SubtaskInfo&)
             -> arrow::Result<std::unique_ptr<runtime::Operator>> {
    return std::make_unique<PrintSink>(options);
  };
}

}  // namespace weir::connectors
