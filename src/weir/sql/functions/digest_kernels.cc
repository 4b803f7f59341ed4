// MD5, SHA1 and SHA2 (Flink's hash functions) through OpenSSL's EVP digests, and
// UUID(): one random version-4 UUID per row.

#include <openssl/evp.h>

#include <array>
#include <random>

#include <arrow/builder.h>
#include <arrow/compute/registry.h>

#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/row_kernel.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

// Lower-case hex of `n` bytes.
std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

arrow::Status AppendDigest(std::string_view data, const EVP_MD* md,
                           arrow::StringBuilder* out) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, md, nullptr) != 1) {
    return arrow::Status::Invalid("the digest failed");
  }
  return out->Append(Hex(digest.data(), length));
}

template <const EVP_MD* (*Md)()>
arrow::Status DigestRow(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  return AppendDigest(args.String(0, row), Md(), out);
}

// SHA2(s, bits): 224, 256, 384 or 512 bits (0 means 256); another length is NULL.
arrow::Status Sha2Row(const RowArgs& args, int64_t row, arrow::StringBuilder* out) {
  if (args.AnyNull(row)) return out->AppendNull();
  const int64_t bits = args.Int64(1, row);
  const EVP_MD* md = bits == 224                ? EVP_sha224()
                     : bits == 256 || bits == 0 ? EVP_sha256()
                     : bits == 384              ? EVP_sha384()
                     : bits == 512              ? EVP_sha512()
                                                : nullptr;
  if (md == nullptr) return out->AppendNull();
  return AppendDigest(args.String(0, row), md, out);
}

// A version-4 (random) UUID per row, in its 36-character text form.
arrow::Status UuidExec(cp::KernelContext* ctx, const cp::ExecSpan& batch,
                       cp::ExecResult* out) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  arrow::StringBuilder builder(ctx->memory_pool());
  ARROW_RETURN_NOT_OK(builder.Reserve(batch.length));
  ARROW_RETURN_NOT_OK(builder.ReserveData(batch.length * 36));
  for (int64_t i = 0; i < batch.length; ++i) {
    std::array<unsigned char, 16> bytes{};
    const uint64_t a = random();
    const uint64_t b = random();
    for (int k = 0; k < 8; ++k) {
      bytes[k] = static_cast<unsigned char>(a >> (8 * k));
      bytes[8 + k] = static_cast<unsigned char>(b >> (8 * k));
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122
    std::string hex = Hex(bytes.data(), bytes.size());
    std::string text = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" +
                       hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
    ARROW_RETURN_NOT_OK(builder.Append(text));
  }
  std::shared_ptr<arrow::Array> result;
  ARROW_RETURN_NOT_OK(builder.Finish(&result));
  out->value = result->data();
  return arrow::Status::OK();
}

cp::FunctionDoc Doc(std::string summary, std::vector<std::string> arg_names) {
  return cp::FunctionDoc(std::move(summary), "", std::move(arg_names));
}

}  // namespace

arrow::Status RegisterDigestKernels(cp::FunctionRegistry* registry) {
  auto utf8 = arrow::utf8();
  using arrow::StringBuilder;
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, DigestRow<EVP_md5>>(
      registry, "weir_md5", {utf8}, utf8, Doc("MD5 as 32 hex digits", {"string"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, DigestRow<EVP_sha1>>(
      registry, "weir_sha1", {utf8}, utf8, Doc("SHA-1 as 40 hex digits", {"string"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, DigestRow<EVP_sha224>>(
      registry, "weir_sha224", {utf8}, utf8, Doc("SHA-224 in hex", {"string"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, DigestRow<EVP_sha256>>(
      registry, "weir_sha256", {utf8}, utf8, Doc("SHA-256 in hex", {"string"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, DigestRow<EVP_sha384>>(
      registry, "weir_sha384", {utf8}, utf8, Doc("SHA-384 in hex", {"string"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, DigestRow<EVP_sha512>>(
      registry, "weir_sha512", {utf8}, utf8, Doc("SHA-512 in hex", {"string"}))));
  ARROW_RETURN_NOT_OK((AddRowFunction<StringBuilder, Sha2Row>(
      registry, "weir_sha2", {utf8, arrow::int64()}, utf8,
      Doc("SHA-2 of 224, 256, 384 or 512 bits in hex", {"string", "bits"}))));
  // Not pure: Arrow must not fold it into one constant.
  auto uuid = std::make_shared<cp::ScalarFunction>(
      "weir_uuid", cp::Arity::Nullary(), Doc("A random UUID per row", {}),
      /*default_options=*/nullptr, /*is_pure=*/false);
  cp::ScalarKernel kernel({}, utf8, UuidExec);
  kernel.null_handling = cp::NullHandling::OUTPUT_NOT_NULL;
  kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
  kernel.can_write_into_slices = false;
  ARROW_RETURN_NOT_OK(uuid->AddKernel(std::move(kernel)));
  return registry->AddFunction(std::move(uuid));
}

}  // namespace weir::sql
