// Exact DECIMAL multiplication, division and remainder at Flink's result type. Arrow's
// own decimal kernels pick result types of their own (a division scales the dividend by
// the divisor's precision) that exceed 76 digits for wide operands, and they truncate
// where Flink rounds half up.

#include <algorithm>

#include <arrow/builder.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/util/decimal.h>

#include "weir/sql/functions/custom_kernels.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

struct DecimalOpState : public cp::KernelState {
  std::shared_ptr<arrow::DataType> out_type;
};

arrow::Result<std::unique_ptr<cp::KernelState>> InitDecimalOp(
    cp::KernelContext*, const cp::KernelInitArgs& args) {
  const auto* options = static_cast<const cp::CastOptions*>(args.options);
  if (options == nullptr || options->to_type.type == nullptr ||
      options->to_type.id() != arrow::Type::DECIMAL128) {
    return arrow::Status::Invalid(
        "weir_decimal_multiply/divide need CastOptions naming a DECIMAL128 result");
  }
  auto state = std::make_unique<DecimalOpState>();
  state->out_type = options->to_type.GetSharedPtr();
  return state;
}

arrow::Result<arrow::TypeHolder> ResolveDecimalOp(cp::KernelContext* ctx,
                                                  const std::vector<arrow::TypeHolder>&) {
  return static_cast<const DecimalOpState*>(ctx->state())->out_type;
}

// Reads row `row` of a decimal128 argument (array or scalar).
class DecimalArg {
 public:
  explicit DecimalArg(const cp::ExecValue& value) : value_(value) {}
  bool IsNull(int64_t row) const {
    if (value_.is_scalar()) return !value_.scalar->is_valid;
    return value_.array.IsNull(row);
  }
  arrow::Decimal256 Get(int64_t row) const {
    if (value_.is_scalar()) {
      return arrow::Decimal256(
          static_cast<const arrow::Decimal128Scalar&>(*value_.scalar).value);
    }
    const uint8_t* bytes =
        value_.array.buffers[1].data +
        (value_.array.offset + row) * arrow::Decimal128Type::kByteWidth;
    return arrow::Decimal256(arrow::Decimal128(bytes));
  }
  int32_t scale() const {
    return static_cast<const arrow::DecimalType&>(*value_.type()).scale();
  }

 private:
  const cp::ExecValue& value_;
};

// Rounds numerator / denominator half away from zero (Java's HALF_UP).
arrow::Result<arrow::Decimal256> DivideRounded(const arrow::Decimal256& numerator,
                                               const arrow::Decimal256& denominator) {
  ARROW_ASSIGN_OR_RAISE(auto parts, numerator.Divide(denominator));
  arrow::Decimal256 quotient = parts.first;
  arrow::Decimal256 twice_remainder = arrow::Decimal256::Abs(parts.second) * 2;
  if (twice_remainder >= arrow::Decimal256::Abs(denominator)) {
    bool negative = numerator.IsNegative() != denominator.IsNegative();
    quotient += negative ? arrow::Decimal256(-1) : arrow::Decimal256(1);
  }
  return quotient;
}

enum class Op { kMultiply, kDivide, kRemainder };

template <Op kOp>
arrow::Status ExecDecimalOp(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                            cp::ExecResult* out) {
  const auto& out_type = static_cast<const DecimalOpState*>(ctx->state())->out_type;
  const auto& result = static_cast<const arrow::Decimal128Type&>(*out_type);
  DecimalArg left(batch[0]);
  DecimalArg right(batch[1]);
  arrow::Decimal128Builder builder(out_type, ctx->memory_pool());
  ARROW_RETURN_NOT_OK(builder.Reserve(batch.length));
  // Digits a 256-bit value holds for sure: larger intermediates would overflow.
  constexpr int32_t kSafeDigits = 76;
  for (int64_t row = 0; row < batch.length; ++row) {
    if (left.IsNull(row) || right.IsNull(row)) {
      builder.UnsafeAppendNull();
      continue;
    }
    arrow::Decimal256 a = left.Get(row);
    arrow::Decimal256 b = right.Get(row);
    arrow::Decimal256 value;
    if constexpr (kOp == Op::kMultiply) {
      // |a|, |b| < 10^38: the product fits; then drop the extra scale.
      value = a * b;
      int32_t extra = left.scale() + right.scale() - result.scale();
      if (extra > 0) {
        ARROW_ASSIGN_OR_RAISE(
            value, DivideRounded(value, arrow::Decimal256::GetScaleMultiplier(extra)));
      } else if (extra < 0) {
        value = value.IncreaseScaleBy(-extra);
      }
    } else if constexpr (kOp == Op::kRemainder) {
      // Java's BigDecimal.remainder: at the larger scale, the sign of the dividend.
      if (b == arrow::Decimal256(0)) return arrow::Status::Invalid("division by zero");
      int32_t scale = std::max(left.scale(), right.scale());
      a = a.IncreaseScaleBy(scale - left.scale());
      b = b.IncreaseScaleBy(scale - right.scale());
      ARROW_ASSIGN_OR_RAISE(auto parts, a.Divide(b));
      value = parts.second;
    } else {
      if (b == arrow::Decimal256(0)) return arrow::Status::Invalid("division by zero");
      // a/b at the result scale: a * 10^(S - s1 + s2) / b, rounded.
      int32_t shift = result.scale() - left.scale() + right.scale();
      if (shift >= 0) {
        if (!a.FitsInPrecision(kSafeDigits - shift)) {
          return arrow::Status::Invalid("DECIMAL division overflows 76 digits");
        }
        a = a.IncreaseScaleBy(shift);
      } else {
        if (!b.FitsInPrecision(kSafeDigits + shift)) {
          return arrow::Status::Invalid("DECIMAL division overflows 76 digits");
        }
        b = b.IncreaseScaleBy(-shift);
      }
      ARROW_ASSIGN_OR_RAISE(value, DivideRounded(a, b));
    }
    // Flink gives NULL when the result does not fit its precision.
    if (!value.FitsInPrecision(result.precision())) {
      builder.UnsafeAppendNull();
      continue;
    }
    const auto& words = value.little_endian_array();
    builder.UnsafeAppend(arrow::Decimal128(static_cast<int64_t>(words[1]), words[0]));
  }
  std::shared_ptr<arrow::ArrayData> data;
  ARROW_RETURN_NOT_OK(builder.FinishInternal(&data));
  out->value = std::move(data);
  return arrow::Status::OK();
}

template <Op kOp>
arrow::Status AddDecimalOp(cp::FunctionRegistry* registry, std::string name,
                           std::string summary) {
  auto function = std::make_shared<cp::ScalarFunction>(
      std::move(name), cp::Arity::Binary(),
      cp::FunctionDoc(std::move(summary), "", {"left", "right"}, "CastOptions",
                      /*options_required=*/true));
  cp::ScalarKernel kernel(
      {cp::InputType(arrow::Type::DECIMAL128), cp::InputType(arrow::Type::DECIMAL128)},
      cp::OutputType(ResolveDecimalOp), ExecDecimalOp<kOp>, InitDecimalOp);
  kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(function));
}

}  // namespace

arrow::Status RegisterDecimalKernels(cp::FunctionRegistry* registry) {
  ARROW_RETURN_NOT_OK(AddDecimalOp<Op::kMultiply>(
      registry, "weir_decimal_multiply",
      "DECIMAL product at the result type of CastOptions, rounded half up"));
  ARROW_RETURN_NOT_OK(AddDecimalOp<Op::kDivide>(
      registry, "weir_decimal_divide",
      "DECIMAL quotient at the result type of CastOptions, rounded half up"));
  return AddDecimalOp<Op::kRemainder>(
      registry, "weir_decimal_remainder",
      "DECIMAL remainder (sign of the dividend) at the result type of CastOptions");
}

}  // namespace weir::sql
