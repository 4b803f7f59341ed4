#pragma once

// Element-wise Arrow kernels written as a plain loop over rows, for the SQL
// functions whose semantics Arrow's own kernels do not match (Flink's SUBSTRING,
// LPAD, SPLIT_INDEX, Java date patterns, …). Arguments may be arrays or scalars.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/array/data.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/function.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

namespace weir::sql {

/// Reads the arguments of one kernel call row by row, whether each is an array or
/// a scalar (a scalar stands for the same value in every row).
class RowArgs {
 public:
  /// Wraps `batch`, which must outlive this object.
  explicit RowArgs(const arrow::compute::ExecSpan& batch) : batch_(batch) {}

  /// Returns the number of rows.
  int64_t length() const { return batch_.length; }

  /// Returns the type of argument `arg`.
  const arrow::DataType& type(int arg) const { return *batch_[arg].type(); }

  /// Returns true when argument `arg` is NULL in `row`.
  bool IsNull(int arg, int64_t row) const {
    const arrow::compute::ExecValue& value = batch_[arg];
    if (value.is_scalar()) return !value.scalar->is_valid;
    return value.array.IsNull(row);
  }

  /// Returns true when any argument is NULL in `row`.
  bool AnyNull(int64_t row) const {
    for (int i = 0; i < batch_.num_values(); ++i) {
      if (IsNull(i, row)) return true;
    }
    return false;
  }

  /// Returns the value of utf8 (or binary) argument `arg` in `row`.
  std::string_view String(int arg, int64_t row) const {
    const arrow::compute::ExecValue& value = batch_[arg];
    if (value.is_scalar()) {
      return static_cast<const arrow::BaseBinaryScalar&>(*value.scalar).view();
    }
    const int32_t* offsets = value.array.GetValues<int32_t>(1);
    const char* data = reinterpret_cast<const char*>(value.array.buffers[2].data);
    return std::string_view(data + offsets[row], offsets[row + 1] - offsets[row]);
  }

  /// Appends the non-null elements of list<utf8> argument `arg` in `row` to `out`.
  void ListStrings(int arg, int64_t row, std::vector<std::string_view>* out) const {
    const arrow::compute::ExecValue& value = batch_[arg];
    if (value.is_scalar()) {
      const auto& list = static_cast<const arrow::BaseListScalar&>(*value.scalar);
      if (!list.is_valid || list.value == nullptr) return;
      const auto& strings = static_cast<const arrow::StringArray&>(*list.value);
      for (int64_t i = 0; i < strings.length(); ++i) {
        if (!strings.IsNull(i)) out->push_back(strings.GetView(i));
      }
      return;
    }
    const int32_t* offsets = value.array.GetValues<int32_t>(1);
    const arrow::ArraySpan& child = value.array.child_data[0];
    const int32_t* child_offsets = child.GetValues<int32_t>(1);
    const char* data = reinterpret_cast<const char*>(child.buffers[2].data);
    for (int32_t i = offsets[row]; i < offsets[row + 1]; ++i) {
      if (child.IsNull(i)) continue;
      out->emplace_back(data + child_offsets[i], child_offsets[i + 1] - child_offsets[i]);
    }
  }

  /// Returns the value of a 64-bit argument `arg` (int64, timestamp) in `row`.
  int64_t Int64(int arg, int64_t row) const { return Fixed<int64_t>(arg, row); }

  /// Returns the value of a 32-bit argument `arg` (int32, date32) in `row`.
  int32_t Int32(int arg, int64_t row) const { return Fixed<int32_t>(arg, row); }

 private:
  template <typename T>
  T Fixed(int arg, int64_t row) const {
    const arrow::compute::ExecValue& value = batch_[arg];
    if (value.is_scalar()) {
      return *reinterpret_cast<const T*>(
          static_cast<const arrow::internal::PrimitiveScalarBase&>(*value.scalar).data());
    }
    return value.array.GetValues<T>(1)[row];
  }

  const arrow::compute::ExecSpan& batch_;
};

/// Runs `Row(args, row, &builder)` for every row and emits the built array, typed
/// as the kernel's output type (so an Int64Builder can build timestamps).
template <typename Builder, arrow::Status (*Row)(const RowArgs&, int64_t, Builder*)>
arrow::Status RowExec(arrow::compute::KernelContext* ctx,
                      const arrow::compute::ExecSpan& batch,
                      arrow::compute::ExecResult* out) {
  RowArgs args(batch);
  Builder builder(ctx->memory_pool());
  ARROW_RETURN_NOT_OK(builder.Reserve(batch.length));
  for (int64_t row = 0; row < batch.length; ++row) {
    ARROW_RETURN_NOT_OK(Row(args, row, &builder));
  }
  std::shared_ptr<arrow::ArrayData> data;
  ARROW_RETURN_NOT_OK(builder.FinishInternal(&data));
  const arrow::compute::OutputType& out_type = ctx->kernel()->signature->out_type();
  if (out_type.kind() == arrow::compute::OutputType::FIXED) {
    data->type = out_type.type();
  }
  out->value = std::move(data);
  return arrow::Status::OK();
}

/// Registers the function `name` with one row-loop kernel of the given signature.
/// `pure` is false for functions whose result changes between calls (NOW()), which
/// keeps Arrow from folding them into constants.
template <typename Builder, arrow::Status (*Row)(const RowArgs&, int64_t, Builder*)>
arrow::Status AddRowFunction(arrow::compute::FunctionRegistry* registry, std::string name,
                             std::vector<arrow::compute::InputType> inputs,
                             std::shared_ptr<arrow::DataType> output,
                             arrow::compute::FunctionDoc doc, bool pure = true) {
  auto function = std::make_shared<arrow::compute::ScalarFunction>(
      std::move(name), arrow::compute::Arity(static_cast<int>(inputs.size())),
      std::move(doc), /*default_options=*/nullptr, pure);
  arrow::compute::ScalarKernel kernel(std::move(inputs), std::move(output),
                                      RowExec<Builder, Row>);
  kernel.null_handling = arrow::compute::NullHandling::COMPUTED_NO_PREALLOCATE;
  kernel.mem_allocation = arrow::compute::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

}  // namespace weir::sql
