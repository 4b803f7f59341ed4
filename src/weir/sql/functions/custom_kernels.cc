// Registration of weir's SQL kernels, and the two the binder itself calls:
// weir_try_cast (TRY_CAST) and weir_array_element (array[i]).

#include "weir/sql/functions/custom_kernels.h"

#include <mutex>

#include <arrow/array.h>
#include <arrow/array/builder_base.h>
#include <arrow/array/concatenate.h>
#include <arrow/array/util.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

arrow::Result<std::shared_ptr<arrow::Array>> ToArray(const cp::ExecValue& value,
                                                     int64_t length,
                                                     arrow::MemoryPool* pool) {
  if (value.is_array()) return value.array.ToArray();
  return arrow::MakeArrayFromScalar(*value.scalar, length, pool);
}

struct TryCastState : public cp::KernelState {
  cp::CastOptions options;
};

arrow::Result<std::unique_ptr<cp::KernelState>> InitTryCast(
    cp::KernelContext*, const cp::KernelInitArgs& args) {
  if (args.options == nullptr) {
    return arrow::Status::Invalid(
        "weir_try_cast needs CastOptions naming the target type");
  }
  auto state = std::make_unique<TryCastState>();
  state->options = static_cast<const cp::CastOptions&>(*args.options);
  if (state->options.to_type.type == nullptr) {
    return arrow::Status::Invalid("weir_try_cast needs a target type");
  }
  return state;
}

arrow::Result<arrow::TypeHolder> ResolveTryCast(cp::KernelContext* ctx,
                                                const std::vector<arrow::TypeHolder>&) {
  return static_cast<const TryCastState*>(ctx->state())->options.to_type;
}

// Casts the whole array at once; when that fails, casts value by value and leaves
// NULL where a value does not convert.
arrow::Status ExecTryCast(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                          cp::ExecResult* out) {
  const cp::CastOptions& options =
      static_cast<const TryCastState*>(ctx->state())->options;
  ARROW_ASSIGN_OR_RAISE(auto input, ToArray(batch[0], batch.length, ctx->memory_pool()));
  auto whole = cp::Cast(*input, options.to_type, options, ctx->exec_context());
  if (whole.ok()) {
    out->value = (*whole)->data();
    return arrow::Status::OK();
  }
  std::unique_ptr<arrow::ArrayBuilder> builder;
  ARROW_RETURN_NOT_OK(
      arrow::MakeBuilder(ctx->memory_pool(), options.to_type.GetSharedPtr(), &builder));
  ARROW_RETURN_NOT_OK(builder->Reserve(input->length()));
  for (int64_t i = 0; i < input->length(); ++i) {
    if (input->IsNull(i)) {
      ARROW_RETURN_NOT_OK(builder->AppendNull());
      continue;
    }
    auto one =
        cp::Cast(*input->Slice(i, 1), options.to_type, options, ctx->exec_context());
    if (!one.ok()) {
      ARROW_RETURN_NOT_OK(builder->AppendNull());
      continue;
    }
    ARROW_RETURN_NOT_OK(
        builder->AppendArraySlice(arrow::ArraySpan(*(*one)->data()), 0, 1));
  }
  std::shared_ptr<arrow::ArrayData> data;
  ARROW_RETURN_NOT_OK(builder->FinishInternal(&data));
  out->value = std::move(data);
  return arrow::Status::OK();
}

arrow::Status RegisterTryCast(cp::FunctionRegistry* registry) {
  auto function = std::make_shared<cp::ScalarFunction>(
      "weir_try_cast", cp::Arity::Unary(),
      cp::FunctionDoc("Casts like cast, giving NULL for values that do not convert", "",
                      {"value"}, "CastOptions", /*options_required=*/true));
  cp::ScalarKernel kernel({cp::InputType::Any()}, cp::OutputType(ResolveTryCast),
                          ExecTryCast, InitTryCast);
  kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

arrow::Result<arrow::TypeHolder> ResolveElement(
    cp::KernelContext*, const std::vector<arrow::TypeHolder>& types) {
  return static_cast<const arrow::BaseListType&>(*types[0].type).value_type();
}

// Element positions of every row of a list array, whatever its list type.
struct ListSlots {
  std::shared_ptr<arrow::Array> values;
  std::function<int64_t(int64_t)> offset;
  std::function<int64_t(int64_t)> length;
};

ListSlots SlotsOf(const std::shared_ptr<arrow::Array>& lists) {
  switch (lists->type_id()) {
    case arrow::Type::LARGE_LIST: {
      auto array = std::static_pointer_cast<arrow::LargeListArray>(lists);
      return {array->values(), [array](int64_t i) { return array->value_offset(i); },
              [array](int64_t i) { return array->value_length(i); }};
    }
    case arrow::Type::FIXED_SIZE_LIST: {
      auto array = std::static_pointer_cast<arrow::FixedSizeListArray>(lists);
      return {array->values(), [array](int64_t i) { return array->value_offset(i); },
              [array](int64_t i) { return array->value_length(i); }};
    }
    default: {
      auto array = std::static_pointer_cast<arrow::ListArray>(lists);
      return {array->values(), [array](int64_t i) { return array->value_offset(i); },
              [array](int64_t i) { return array->value_length(i); }};
    }
  }
}

// array[index] with a 1-based index: gathers the addressed elements with "take",
// NULL where the list or index is NULL or the index is out of range.
arrow::Status ExecArrayElement(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                               cp::ExecResult* out) {
  arrow::MemoryPool* pool = ctx->memory_pool();
  ARROW_ASSIGN_OR_RAISE(auto lists, ToArray(batch[0], batch.length, pool));
  ARROW_ASSIGN_OR_RAISE(auto raw_index, ToArray(batch[1], batch.length, pool));
  ARROW_ASSIGN_OR_RAISE(
      auto index_array,
      cp::Cast(*raw_index, arrow::int64(), cp::CastOptions::Safe(), ctx->exec_context()));
  const auto& index = static_cast<const arrow::Int64Array&>(*index_array);
  ListSlots slots = SlotsOf(lists);
  arrow::Int64Builder take_indices(pool);
  ARROW_RETURN_NOT_OK(take_indices.Reserve(batch.length));
  for (int64_t i = 0; i < batch.length; ++i) {
    if (lists->IsNull(i) || index.IsNull(i) || index.Value(i) < 1 ||
        index.Value(i) > slots.length(i)) {
      take_indices.UnsafeAppendNull();
    } else {
      take_indices.UnsafeAppend(slots.offset(i) + index.Value(i) - 1);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto indices, take_indices.Finish());
  ARROW_ASSIGN_OR_RAISE(
      arrow::Datum taken,
      cp::Take(slots.values, indices, cp::TakeOptions::Defaults(), ctx->exec_context()));
  out->value = taken.array();
  return arrow::Status::OK();
}

arrow::Status RegisterArrayElement(cp::FunctionRegistry* registry) {
  auto function = std::make_shared<cp::ScalarFunction>(
      "weir_array_element", cp::Arity::Binary(),
      cp::FunctionDoc("Returns the element at a 1-based index, NULL when out of range",
                      "", {"list", "index"}));
  for (arrow::Type::type id :
       {arrow::Type::LIST, arrow::Type::LARGE_LIST, arrow::Type::FIXED_SIZE_LIST}) {
    cp::ScalarKernel kernel({cp::InputType(id), cp::InputType(cp::match::Integer())},
                            cp::OutputType(ResolveElement), ExecArrayElement);
    kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
    kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
    kernel.can_write_into_slices = false;
    ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  }
  return registry->AddFunction(std::move(function));
}

// Interleaves the arguments starting at `first`, every `stride`-th: row i holds
// argument first, first + stride, … of row i, one after the other.
arrow::Result<std::shared_ptr<arrow::Array>> Interleave(cp::KernelContext* ctx,
                                                        const cp::ExecSpan& batch,
                                                        int first, int stride) {
  arrow::MemoryPool* pool = ctx->memory_pool();
  arrow::ArrayVector columns;
  for (int a = first; a < batch.num_values(); a += stride) {
    ARROW_ASSIGN_OR_RAISE(auto column, ToArray(batch[a], batch.length, pool));
    columns.push_back(std::move(column));
  }
  ARROW_ASSIGN_OR_RAISE(auto all, arrow::Concatenate(columns, pool));
  const int64_t n = static_cast<int64_t>(columns.size());
  arrow::Int64Builder indices(pool);
  ARROW_RETURN_NOT_OK(indices.Reserve(batch.length * n));
  for (int64_t row = 0; row < batch.length; ++row) {
    for (int64_t k = 0; k < n; ++k) indices.UnsafeAppend(row + k * batch.length);
  }
  ARROW_ASSIGN_OR_RAISE(auto take, indices.Finish());
  ARROW_ASSIGN_OR_RAISE(
      arrow::Datum taken,
      cp::Take(all, take, cp::TakeOptions::Defaults(), ctx->exec_context()));
  return taken.make_array();
}

// Offsets 0, n, 2n, … of lists of n elements each.
arrow::Result<std::shared_ptr<arrow::Array>> EvenOffsets(cp::KernelContext* ctx,
                                                         int64_t rows, int32_t n) {
  arrow::Int32Builder offsets(ctx->memory_pool());
  ARROW_RETURN_NOT_OK(offsets.Reserve(rows + 1));
  for (int64_t row = 0; row <= rows; ++row)
    offsets.UnsafeAppend(static_cast<int32_t>(row * n));
  return offsets.Finish();
}

arrow::Status ExecMakeArray(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                            cp::ExecResult* out) {
  ARROW_ASSIGN_OR_RAISE(auto values, Interleave(ctx, batch, 0, 1));
  ARROW_ASSIGN_OR_RAISE(auto offsets, EvenOffsets(ctx, batch.length, batch.num_values()));
  ARROW_ASSIGN_OR_RAISE(
      auto lists, arrow::ListArray::FromArrays(*offsets, *values, ctx->memory_pool()));
  out->value = lists->data();
  return arrow::Status::OK();
}

arrow::Status ExecMakeMap(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                          cp::ExecResult* out) {
  ARROW_ASSIGN_OR_RAISE(auto keys, Interleave(ctx, batch, 0, 2));
  if (keys->null_count() > 0) return arrow::Status::Invalid("MAP keys must not be NULL");
  ARROW_ASSIGN_OR_RAISE(auto items, Interleave(ctx, batch, 1, 2));
  ARROW_ASSIGN_OR_RAISE(auto offsets,
                        EvenOffsets(ctx, batch.length, batch.num_values() / 2));
  ARROW_ASSIGN_OR_RAISE(
      auto maps, arrow::MapArray::FromArrays(offsets, keys, items, ctx->memory_pool()));
  out->value = maps->data();
  return arrow::Status::OK();
}

arrow::Status RegisterConstructors(cp::FunctionRegistry* registry) {
  struct Spec {
    const char* name;
    int arity;
    cp::OutputType::Resolver resolve;
    cp::ArrayKernelExec exec;
    const char* doc;
  };
  const Spec specs[] = {
      {"weir_make_array", 1,
       [](cp::KernelContext*, const std::vector<arrow::TypeHolder>& types)
           -> arrow::Result<arrow::TypeHolder> {
         return arrow::list(types[0].GetSharedPtr());
       },
       ExecMakeArray, "Makes an array of its arguments (ARRAY[a, …])"},
      {"weir_make_map", 2,
       [](cp::KernelContext*, const std::vector<arrow::TypeHolder>& types)
           -> arrow::Result<arrow::TypeHolder> {
         return arrow::map(types[0].GetSharedPtr(), types[1].GetSharedPtr());
       },
       ExecMakeMap, "Makes a map of key, value argument pairs (MAP[k, v, …])"},
  };
  for (const Spec& spec : specs) {
    auto function = std::make_shared<cp::ScalarFunction>(
        spec.name, cp::Arity::VarArgs(spec.arity), cp::FunctionDoc(spec.doc, "", {}));
    cp::ScalarKernel kernel(
        cp::KernelSignature::Make(
            std::vector<cp::InputType>(spec.arity, cp::InputType::Any()),
            cp::OutputType(spec.resolve),
            /*is_varargs=*/true),
        spec.exec);
    kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
    kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
    kernel.can_write_into_slices = false;
    ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
    ARROW_RETURN_NOT_OK(registry->AddFunction(std::move(function)));
  }
  return arrow::Status::OK();
}

arrow::Status RegisterAll() {
  cp::FunctionRegistry* registry = cp::GetFunctionRegistry();
  ARROW_RETURN_NOT_OK(RegisterTryCast(registry));
  ARROW_RETURN_NOT_OK(RegisterArrayElement(registry));
  ARROW_RETURN_NOT_OK(RegisterConstructors(registry));
  ARROW_RETURN_NOT_OK(RegisterStringKernels(registry));
  ARROW_RETURN_NOT_OK(RegisterDigestKernels(registry));
  ARROW_RETURN_NOT_OK(RegisterJsonKernels(registry));
  ARROW_RETURN_NOT_OK(RegisterDecimalKernels(registry));
  return RegisterDatetimeKernels(registry);
}

}  // namespace

arrow::Status RegisterSqlKernels() {
  static std::once_flag once;
  static arrow::Status result;
  std::call_once(once, [] { result = RegisterAll(); });
  return result;
}

}  // namespace weir::sql
