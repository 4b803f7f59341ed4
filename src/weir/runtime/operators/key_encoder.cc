#include "weir/runtime/operators/key_encoder.h"

#include <cmath>
#include <cstring>

#include <arrow/builder.h>
#include <arrow/type.h>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/ipc/writer.h>

#include "weir/common/error.h"
#include "weir/expr/key_hash.h"
#include "weir/state/key_group.h"

namespace weir::runtime {

namespace {

enum class Enc {
  kInt,
  kUInt,
  kDouble,
  kFloat,
  kBool,
  kBinary,
  kLargeBinary,
  kView,
  kFixed
};

Enc EncodingOf(const arrow::DataType& t, bool* ok) {
  using arrow::Type;
  *ok = true;
  switch (t.id()) {
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64:
    case Type::DATE32:
    case Type::DATE64:
    case Type::TIME32:
    case Type::TIME64:
    case Type::TIMESTAMP:
    case Type::DURATION:
      return Enc::kInt;
    case Type::UINT8:
    case Type::UINT16:
    case Type::UINT32:
    case Type::UINT64:
      return Enc::kUInt;
    case Type::DOUBLE:
      return Enc::kDouble;
    case Type::FLOAT:
      return Enc::kFloat;
    case Type::BOOL:
      return Enc::kBool;
    case Type::STRING:
    case Type::BINARY:
      return Enc::kBinary;
    case Type::LARGE_STRING:
    case Type::LARGE_BINARY:
      return Enc::kLargeBinary;
    case Type::STRING_VIEW:
    case Type::BINARY_VIEW:
      return Enc::kView;
    case Type::FIXED_SIZE_BINARY:
    case Type::DECIMAL32:
    case Type::DECIMAL64:
    case Type::DECIMAL128:
    case Type::DECIMAL256:
      return Enc::kFixed;
    default:
      *ok = false;
      return Enc::kInt;
  }
}

int64_t ReadInt(const arrow::Array& a, int64_t row) {
  switch (arrow::bit_width(a.type_id())) {
    case 8:
      return a.data()->GetValues<int8_t>(1)[row];
    case 16:
      return a.data()->GetValues<int16_t>(1)[row];
    case 32:
      return a.data()->GetValues<int32_t>(1)[row];
    default:
      return a.data()->GetValues<int64_t>(1)[row];
  }
}

uint64_t ReadUInt(const arrow::Array& a, int64_t row) {
  switch (arrow::bit_width(a.type_id())) {
    case 8:
      return a.data()->GetValues<uint8_t>(1)[row];
    case 16:
      return a.data()->GetValues<uint16_t>(1)[row];
    case 32:
      return a.data()->GetValues<uint32_t>(1)[row];
    default:
      return a.data()->GetValues<uint64_t>(1)[row];
  }
}

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

template <typename T>
T Get(std::string_view s, size_t* pos) {
  T v;
  std::memcpy(&v, s.data() + *pos, sizeof(v));
  *pos += sizeof(v);
  return v;
}

}  // namespace

arrow::Result<KeyEncoder> KeyEncoder::Make(const std::shared_ptr<arrow::Schema>& schema,
                                           const std::vector<int>& key_indices) {
  KeyEncoder e;
  for (int i : key_indices) {
    const auto& f = schema->field(i);
    bool ok;
    EncodingOf(*f->type(), &ok);
    if (!ok) {
      return UserError("column '{}' of type {} cannot be used as a key", f->name(),
                       f->type()->ToString());
    }
    e.indices_.push_back(i);
    e.fields_.push_back(f);
  }
  return e;
}

std::vector<const arrow::Array*> KeyEncoder::Columns(
    const arrow::RecordBatch& batch) const {
  std::vector<const arrow::Array*> out;
  out.reserve(indices_.size());
  // The batch caches its boxed columns, so the raw pointers live as long as it does.
  for (int i : indices_) out.push_back(batch.column(i).get());
  return out;
}

arrow::Result<std::vector<uint64_t>> KeyEncoder::HashEncoded(
    const std::vector<const std::string*>& keys) const {
  ARROW_ASSIGN_OR_RAISE(auto arrays, Decode(keys));
  auto batch = arrow::RecordBatch::Make(arrow::schema(fields_),
                                        static_cast<int64_t>(keys.size()), arrays);
  std::vector<int> all(fields_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  return expr::HashKeyColumns(*batch, all);
}

std::optional<int64_t> KeyEncoder::DecodeSingleInteger(std::string_view encoded) {
  if (encoded.size() != 1 + sizeof(int64_t) || encoded[0] == '\0') return std::nullopt;
  int64_t v;
  std::memcpy(&v, encoded.data() + 1, sizeof(v));
  return v;
}

bool KeyEncoder::single_integer() const {
  if (fields_.size() != 1) return false;
  bool ok;
  const Enc e = EncodingOf(*fields_[0]->type(), &ok);
  return ok && (e == Enc::kInt || e == Enc::kUInt);
}

void KeyEncoder::Encode(const std::vector<const arrow::Array*>& columns, int64_t row,
                        std::string* out) const {
  out->clear();
  for (const arrow::Array* column : columns) {
    const arrow::Array& a = *column;
    if (a.IsNull(row)) {
      out->push_back('\0');
      continue;
    }
    out->push_back('\1');
    bool ok;
    switch (EncodingOf(*a.type(), &ok)) {
      case Enc::kInt:
        Put(out, ReadInt(a, row));
        break;
      case Enc::kUInt:
        Put(out, ReadUInt(a, row));
        break;
      case Enc::kDouble:
      case Enc::kFloat: {
        double d = a.type_id() == arrow::Type::DOUBLE
                       ? a.data()->GetValues<double>(1)[row]
                       : a.data()->GetValues<float>(1)[row];
        if (d == 0.0) d = 0.0;
        if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
        Put(out, d);
        break;
      }
      case Enc::kBool:
        out->push_back(static_cast<const arrow::BooleanArray&>(a).Value(row) ? '\1'
                                                                             : '\0');
        break;
      case Enc::kBinary: {
        auto v = static_cast<const arrow::BinaryArray&>(a).GetView(row);
        Put(out, static_cast<uint32_t>(v.size()));
        out->append(v.data(), v.size());
        break;
      }
      case Enc::kLargeBinary: {
        auto v = static_cast<const arrow::LargeBinaryArray&>(a).GetView(row);
        Put(out, static_cast<uint32_t>(v.size()));
        out->append(v.data(), v.size());
        break;
      }
      case Enc::kView: {
        auto v = static_cast<const arrow::BinaryViewArray&>(a).GetView(row);
        Put(out, static_cast<uint32_t>(v.size()));
        out->append(v.data(), v.size());
        break;
      }
      case Enc::kFixed: {
        const auto& fixed = static_cast<const arrow::FixedSizeBinaryArray&>(a);
        out->append(reinterpret_cast<const char*>(fixed.GetValue(row)),
                    static_cast<size_t>(fixed.byte_width()));
        break;
      }
    }
  }
}

arrow::Result<arrow::ArrayVector> KeyEncoder::Decode(
    const std::vector<const std::string*>& keys) const {
  std::vector<std::string_view> views;
  views.reserve(keys.size());
  for (const std::string* key : keys) views.emplace_back(*key);
  return Decode(views);
}

arrow::Result<arrow::ArrayVector> KeyEncoder::Decode(
    const std::vector<std::string_view>& keys) const {
  // One integer-like column (the common GROUP BY id): straight into a buffer.
  if (single_integer()) {
    const auto& type = fields_[0]->type();
    const int width = arrow::bit_width(type->id()) / 8;
    const int64_t n = static_cast<int64_t>(keys.size());
    ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * width));
    ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateEmptyBitmap(n));
    int64_t nulls = 0;
    uint8_t* out = values->mutable_data();
    for (int64_t i = 0; i < n; ++i) {
      std::optional<int64_t> v = DecodeSingleInteger(keys[static_cast<size_t>(i)]);
      const int64_t x = v.value_or(0);
      if (v) {
        arrow::bit_util::SetBit(validity->mutable_data(), i);
      } else {
        ++nulls;
      }
      // Little-endian: the low `width` bytes are the narrower value.
      std::memcpy(out + i * width, &x, static_cast<size_t>(width));
    }
    std::shared_ptr<arrow::Buffer> bitmap = std::move(validity);
    if (nulls == 0) bitmap = nullptr;
    return arrow::ArrayVector{arrow::MakeArray(
        arrow::ArrayData::Make(type, n, {bitmap, std::move(values)}, nulls))};
  }
  // Column-wise: fixed-width numbers straight into value buffers, bytes through
  // their builders (no per-value scalars).
  const int64_t n = static_cast<int64_t>(keys.size());
  struct Column {
    Enc encoding;
    int width = 0;  // bytes per value of a fixed-width number
    std::shared_ptr<arrow::ResizableBuffer> values;
    std::shared_ptr<arrow::ResizableBuffer> validity;
    int64_t nulls = 0;
    std::unique_ptr<arrow::ArrayBuilder> builder;  // other types
  };
  std::vector<Column> columns(fields_.size());
  for (size_t c = 0; c < fields_.size(); ++c) {
    Column& col = columns[c];
    bool ok;
    col.encoding = EncodingOf(*fields_[c]->type(), &ok);
    ARROW_ASSIGN_OR_RAISE(
        col.validity, arrow::AllocateResizableBuffer(arrow::bit_util::BytesForBits(n)));
    std::memset(col.validity->mutable_data(), 0,
                static_cast<size_t>(col.validity->size()));
    if (col.encoding == Enc::kInt || col.encoding == Enc::kUInt ||
        col.encoding == Enc::kDouble || col.encoding == Enc::kFloat) {
      col.width = arrow::bit_width(fields_[c]->type()->id()) / 8;
      ARROW_ASSIGN_OR_RAISE(col.values, arrow::AllocateResizableBuffer(n * col.width));
    } else {
      ARROW_ASSIGN_OR_RAISE(col.builder, arrow::MakeBuilder(fields_[c]->type()));
      ARROW_RETURN_NOT_OK(col.builder->Reserve(n));
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view key = keys[static_cast<size_t>(i)];
    size_t pos = 0;
    for (size_t c = 0; c < fields_.size(); ++c) {
      Column& col = columns[c];
      if (key[pos++] == '\0') {
        ++col.nulls;
        if (col.builder) {
          ARROW_RETURN_NOT_OK(col.builder->AppendNull());
        } else {
          std::memset(col.values->mutable_data() + i * col.width, 0,
                      static_cast<size_t>(col.width));
        }
        continue;
      }
      arrow::bit_util::SetBit(col.validity->mutable_data(), i);
      uint8_t* slot = col.values ? col.values->mutable_data() + i * col.width : nullptr;
      switch (col.encoding) {
        case Enc::kInt:
        case Enc::kUInt: {
          // Little-endian: the low `width` bytes are the narrower value.
          const int64_t v = Get<int64_t>(key, &pos);
          std::memcpy(slot, &v, static_cast<size_t>(col.width));
          break;
        }
        case Enc::kDouble: {
          const double v = Get<double>(key, &pos);
          std::memcpy(slot, &v, sizeof(v));
          break;
        }
        case Enc::kFloat: {
          const float v = static_cast<float>(Get<double>(key, &pos));
          std::memcpy(slot, &v, sizeof(v));
          break;
        }
        case Enc::kBool:
          ARROW_RETURN_NOT_OK(static_cast<arrow::BooleanBuilder*>(col.builder.get())
                                  ->Append(key[pos++] != '\0'));
          break;
        case Enc::kBinary:
        case Enc::kLargeBinary:
        case Enc::kView: {
          const uint32_t len = Get<uint32_t>(key, &pos);
          std::string_view bytes(key.data() + pos, len);
          pos += len;
          if (col.encoding == Enc::kBinary) {
            ARROW_RETURN_NOT_OK(
                static_cast<arrow::BinaryBuilder*>(col.builder.get())->Append(bytes));
          } else if (col.encoding == Enc::kLargeBinary) {
            ARROW_RETURN_NOT_OK(static_cast<arrow::LargeBinaryBuilder*>(col.builder.get())
                                    ->Append(bytes));
          } else {
            ARROW_RETURN_NOT_OK(
                static_cast<arrow::BinaryViewBuilder*>(col.builder.get())->Append(bytes));
          }
          break;
        }
        case Enc::kFixed: {
          auto* fixed = static_cast<arrow::FixedSizeBinaryBuilder*>(col.builder.get());
          ARROW_RETURN_NOT_OK(
              fixed->Append(reinterpret_cast<const uint8_t*>(key.data() + pos)));
          pos += static_cast<size_t>(fixed->byte_width());
          break;
        }
      }
    }
  }
  arrow::ArrayVector out;
  for (size_t c = 0; c < fields_.size(); ++c) {
    Column& col = columns[c];
    if (col.builder) {
      ARROW_ASSIGN_OR_RAISE(auto a, col.builder->Finish());
      out.push_back(std::move(a));
      continue;
    }
    std::shared_ptr<arrow::Buffer> bitmap = std::move(col.validity);
    if (col.nulls == 0) bitmap = nullptr;
    out.push_back(arrow::MakeArray(arrow::ArrayData::Make(
        fields_[c]->type(), n, {bitmap, std::move(col.values)}, col.nulls)));
  }
  return out;
}

arrow::Status PutPerKey(const KeyEncoder& encoder, state::KeyedStateBackend* backend,
                        int state_id, int max_parallelism,
                        const std::vector<const std::string*>& keys,
                        const std::function<std::string(size_t)>& value_of,
                        std::set<int>* key_groups) {
  if (keys.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto hashes, encoder.HashEncoded(keys));
  for (size_t i = 0; i < keys.size(); ++i) {
    const int group = state::KeyGroupForHash(hashes[i], max_parallelism);
    if (key_groups) key_groups->insert(group);
    backend->SetCurrentKey(*keys[i], group);
    backend->Put(state_id, value_of(i));
  }
  return arrow::Status::OK();
}

arrow::Status SaveInputSchema(state::KeyedStateBackend* backend, const std::string& name,
                              const arrow::Schema& schema,
                              const std::set<int>& key_groups) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, state::StateKind::kValue, {}));
  ARROW_ASSIGN_OR_RAISE(auto bytes, arrow::ipc::SerializeSchema(schema));
  const std::string_view value(reinterpret_cast<const char*>(bytes->data()),
                               static_cast<size_t>(bytes->size()));
  for (int group : key_groups) {
    // One entry per key group; the key only has to be distinct per group.
    backend->SetCurrentKey(
        std::string_view(reinterpret_cast<const char*>(&group), sizeof(group)), group);
    backend->Put(id, value);
  }
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Schema>> LoadInputSchema(
    state::KeyedStateBackend* backend, const std::string& name) {
  ARROW_ASSIGN_OR_RAISE(int id, backend->Register(name, state::StateKind::kValue, {}));
  std::string key;
  backend->ForEachKey(id, [&](std::string_view k) {
    if (key.empty()) key.assign(k);
  });
  if (key.empty()) return nullptr;
  backend->SetCurrentKey(key, 0);
  std::string bytes;
  if (!backend->Get(id, &bytes)) return nullptr;
  auto buffer = std::make_shared<arrow::Buffer>(bytes);
  arrow::io::BufferReader reader(buffer);
  auto schema = arrow::ipc::ReadSchema(&reader, nullptr);
  if (!schema.ok()) return InternalError("operator state is corrupt: bad input schema");
  return *schema;
}

}  // namespace weir::runtime
