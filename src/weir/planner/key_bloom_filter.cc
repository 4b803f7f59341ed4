#include "weir/planner/key_bloom_filter.h"

#include <mutex>

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/function.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <fmt/format.h>

namespace weir::planner {
namespace {

namespace cp = arrow::compute;

constexpr char kFunctionName[] = "weir_key_bloom_filter";
constexpr double kFalsePositiveRate = 0.01;

bool IsStringLike(const arrow::DataType& type) {
  return arrow::is_base_binary_like(type.id());
}

bool IsIntegerLike(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || type.id() == arrow::Type::DATE32 ||
         type.id() == arrow::Type::DATE64 || type.id() == arrow::Type::TIMESTAMP;
}

// The values of `array` as BIGINT (integers widened; dates and timestamps as their
// ticks).
arrow::Result<std::shared_ptr<arrow::Int64Array>> AsInt64(const arrow::Array& array) {
  if (array.type_id() == arrow::Type::INT64) {
    return std::static_pointer_cast<arrow::Int64Array>(array.Slice(0));
  }
  std::shared_ptr<arrow::Array> source = array.Slice(0);
  if (!arrow::is_integer(array.type_id())) {
    // Dates and timestamps: reinterpret as their storage integers first.
    const auto width =
        array.type_id() == arrow::Type::DATE32 ? arrow::int32() : arrow::int64();
    auto data = array.data()->Copy();
    data->type = width;
    source = arrow::MakeArray(data);
  }
  ARROW_ASSIGN_OR_RAISE(arrow::Datum cast, cp::Cast(source, arrow::int64()));
  return std::static_pointer_cast<arrow::Int64Array>(cast.make_array());
}

// Calls `fn(i, hash)` for the non-null values of `array`.
template <typename Fn>
arrow::Status ForEachHash(const parquet::BlockSplitBloomFilter& filter,
                          const arrow::Array& array, bool strings, Fn&& fn) {
  if (strings) {
    auto visit = [&](const auto& typed) {
      for (int64_t i = 0; i < typed.length(); ++i) {
        if (typed.IsNull(i)) continue;
        const std::string_view value = typed.GetView(i);
        parquet::ByteArray bytes(static_cast<uint32_t>(value.size()),
                                 reinterpret_cast<const uint8_t*>(value.data()));
        fn(i, filter.Hash(&bytes));
      }
    };
    switch (array.type_id()) {
      case arrow::Type::STRING:
      case arrow::Type::BINARY:
        visit(static_cast<const arrow::BinaryArray&>(array));
        break;
      case arrow::Type::LARGE_STRING:
      case arrow::Type::LARGE_BINARY:
        visit(static_cast<const arrow::LargeBinaryArray&>(array));
        break;
      case arrow::Type::STRING_VIEW:
      case arrow::Type::BINARY_VIEW:
        visit(static_cast<const arrow::BinaryViewArray&>(array));
        break;
      default:
        return arrow::Status::TypeError("no string keys: ", array.type()->ToString());
    }
    return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto values, AsInt64(array));
  constexpr int64_t kChunk = 1024;
  uint64_t hashes[kChunk];
  for (int64_t start = 0; start < values->length(); start += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, values->length() - start));
    filter.Hashes(values->raw_values() + start, n, hashes);
    for (int j = 0; j < n; ++j) {
      if (!values->IsNull(start + j)) fn(start + j, hashes[j]);
    }
  }
  return arrow::Status::OK();
}

// The kernel's options: the filter it tests against.
class BloomFilterOptions : public cp::FunctionOptions {
 public:
  explicit BloomFilterOptions(std::shared_ptr<const KeyBloomFilter> filter);
  std::shared_ptr<const KeyBloomFilter> filter;
};

class BloomFilterOptionsType : public cp::FunctionOptionsType {
 public:
  const char* type_name() const override { return "KeyBloomFilterOptions"; }
  std::string Stringify(const cp::FunctionOptions& options) const override {
    const auto& o = static_cast<const BloomFilterOptions&>(options);
    return fmt::format("bloom filter of {} bytes", o.filter ? o.filter->size_bytes() : 0);
  }
  bool Compare(const cp::FunctionOptions& a,
               const cp::FunctionOptions& b) const override {
    return static_cast<const BloomFilterOptions&>(a).filter ==
           static_cast<const BloomFilterOptions&>(b).filter;
  }
  std::unique_ptr<cp::FunctionOptions> Copy(
      const cp::FunctionOptions& options) const override {
    return std::make_unique<BloomFilterOptions>(
        static_cast<const BloomFilterOptions&>(options).filter);
  }
  static const BloomFilterOptionsType* Get() {
    static const BloomFilterOptionsType type;
    return &type;
  }
};

BloomFilterOptions::BloomFilterOptions(std::shared_ptr<const KeyBloomFilter> f)
    : cp::FunctionOptions(BloomFilterOptionsType::Get()), filter(std::move(f)) {}

struct BloomFilterState : public cp::KernelState {
  std::shared_ptr<const KeyBloomFilter> filter;
};

arrow::Result<std::unique_ptr<cp::KernelState>> InitBloomFilter(
    cp::KernelContext*, const cp::KernelInitArgs& args) {
  const auto* options = dynamic_cast<const BloomFilterOptions*>(args.options);
  if (options == nullptr || options->filter == nullptr) {
    return arrow::Status::Invalid(kFunctionName, " needs its filter as options");
  }
  auto state = std::make_unique<BloomFilterState>();
  state->filter = options->filter;
  return state;
}

arrow::Status ExecBloomFilter(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                              cp::ExecResult* out) {
  const auto& state = static_cast<const BloomFilterState&>(*ctx->state());
  std::shared_ptr<arrow::Array> probe;
  if (batch[0].is_array()) {
    probe = batch[0].array.ToArray();
  } else {
    ARROW_ASSIGN_OR_RAISE(probe, arrow::MakeArrayFromScalar(
                                     *batch[0].scalar, batch.length, ctx->memory_pool()));
  }
  ARROW_ASSIGN_OR_RAISE(auto kept, state.filter->MayContain(*probe));
  out->value = kept->data();
  return arrow::Status::OK();
}

arrow::Status RegisterKernel() {
  static const arrow::Status registered = [] {
    auto function = std::make_shared<cp::ScalarFunction>(
        kFunctionName, cp::Arity::Unary(),
        cp::FunctionDoc("Whether a join's build side may hold the key",
                        "Tests each key against a bloom filter of the build side's keys; "
                        "false for NULL.",
                        {"keys"}, "KeyBloomFilterOptions", /*options_required=*/true));
    cp::ScalarKernel kernel({cp::InputType()}, cp::OutputType(arrow::boolean()),
                            ExecBloomFilter, InitBloomFilter);
    kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
    kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
    kernel.can_write_into_slices = false;
    ARROW_RETURN_NOT_OK(function->AddKernel(std::move(kernel)));
    return cp::GetFunctionRegistry()->AddFunction(std::move(function),
                                                  /*allow_overwrite=*/true);
  }();
  return registered;
}

}  // namespace

bool KeyBloomFilter::Supports(const arrow::DataType& type) {
  return IsIntegerLike(type) || IsStringLike(type);
}

arrow::Result<std::shared_ptr<const KeyBloomFilter>> KeyBloomFilter::Make(
    const arrow::ChunkedArray& keys, int64_t distinct) {
  if (!Supports(*keys.type())) {
    return arrow::Status::NotImplemented("no bloom filter for keys of type ",
                                         keys.type()->ToString());
  }
  std::shared_ptr<KeyBloomFilter> made(new KeyBloomFilter());
  made->strings_ = IsStringLike(*keys.type());
  const uint32_t bytes = parquet::BlockSplitBloomFilter::OptimalNumOfBytes(
      static_cast<uint64_t>(std::max<int64_t>(distinct, 1)), kFalsePositiveRate);
  made->filter_.Init(bytes);
  made->bytes_ = bytes;
  for (const auto& chunk : keys.chunks()) {
    ARROW_RETURN_NOT_OK(
        ForEachHash(made->filter_, *chunk, made->strings_,
                    [&](int64_t, uint64_t hash) { made->filter_.InsertHash(hash); }));
  }
  return made;
}

arrow::Result<std::shared_ptr<arrow::Array>> KeyBloomFilter::MayContain(
    const arrow::Array& probe) const {
  arrow::BooleanBuilder kept;
  ARROW_RETURN_NOT_OK(kept.Reserve(probe.length()));
  const bool same_family =
      strings_ ? IsStringLike(*probe.type()) : IsIntegerLike(*probe.type());
  if (!same_family) {
    for (int64_t i = 0; i < probe.length(); ++i) kept.UnsafeAppend(!probe.IsNull(i));
    return kept.Finish();
  }
  for (int64_t i = 0; i < probe.length(); ++i) kept.UnsafeAppend(false);
  ARROW_ASSIGN_OR_RAISE(auto result, kept.Finish());
  // Set the bits of the values the filter may hold.
  auto* bits = result->data()->buffers[1]->mutable_data();
  ARROW_RETURN_NOT_OK(
      ForEachHash(filter_, probe, strings_, [&](int64_t i, uint64_t hash) {
        if (filter_.FindHash(hash)) arrow::bit_util::SetBit(bits, i);
      }));
  return result;
}

arrow::Result<cp::Expression> KeyBloomFilterExpression(
    std::shared_ptr<const KeyBloomFilter> filter, const std::string& column) {
  ARROW_RETURN_NOT_OK(RegisterKernel());
  return cp::call(kFunctionName, {cp::field_ref(column)},
                  std::make_shared<BloomFilterOptions>(std::move(filter)));
}

}  // namespace weir::planner
