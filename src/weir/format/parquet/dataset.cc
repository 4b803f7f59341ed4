#include "weir/format/parquet/dataset.h"

#include <map>
#include <set>

#include <arrow/io/file.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>

#include "weir/common/error.h"
#include "weir/format/parquet/parquet_error.h"
#include "weir/types/partition_value.h"

namespace weir::format {

namespace {

// Maps the string and binary layouts a writer may have stored in the file's Arrow
// schema (views, large offsets, dictionaries) to plain utf8/binary, at every nesting
// level. Every kernel, filter, join and pushdown then sees one layout per logical
// type; the scanner casts each decoded column to it.
std::shared_ptr<arrow::DataType> PlainLayout(
    const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRING_VIEW:
    case arrow::Type::LARGE_STRING:
      return arrow::utf8();
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::LARGE_BINARY:
      return arrow::binary();
    case arrow::Type::DICTIONARY:
      return PlainLayout(static_cast<const arrow::DictionaryType&>(*type).value_type());
    default:
      break;
  }
  if (type->num_fields() == 0) return type;
  arrow::FieldVector children;
  bool changed = false;
  for (const auto& child : type->fields()) {
    auto plain = PlainLayout(child->type());
    changed = changed || plain != child->type();
    children.push_back(child->WithType(plain));
  }
  if (!changed) return type;
  switch (type->id()) {
    case arrow::Type::STRUCT:
      return arrow::struct_(children);
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW:
      return arrow::list(children[0]);
    case arrow::Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(
          children[0], static_cast<const arrow::FixedSizeListType&>(*type).list_size());
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapType&>(*type);
      return std::make_shared<arrow::MapType>(children[0]->type()->field(0),
                                              children[0]->type()->field(1),
                                              map.keys_sorted());
    }
    default:
      return type;
  }
}

arrow::Result<std::shared_ptr<arrow::Schema>> ReadFileSchema(const std::string& path) {
  return CatchParquet(path, [&]() -> arrow::Result<std::shared_ptr<arrow::Schema>> {
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
    auto reader = parquet::ParquetFileReader::Open(file);
    ARROW_ASSIGN_OR_RAISE(auto arrow_reader,
                          parquet::arrow::FileReader::Make(arrow::default_memory_pool(),
                                                           std::move(reader)));
    std::shared_ptr<arrow::Schema> schema;
    ARROW_RETURN_NOT_OK(arrow_reader->GetSchema(&schema));
    arrow::FieldVector fields;
    for (const auto& field : schema->fields()) {
      fields.push_back(field->WithType(PlainLayout(field->type())));
    }
    return arrow::schema(std::move(fields), schema->metadata());
  });
}

// Column names must be unique at every nesting level: projections and filters
// address columns by name.
arrow::Status CheckUniqueNames(const arrow::FieldVector& fields,
                               const std::string& prefix, const std::string& path) {
  std::set<std::string> seen;
  for (const auto& f : fields) {
    if (!seen.insert(f->name()).second) {
      return UserError(
          "'{}': column name '{}{}' appears more than once; weir needs unique column "
          "names",
          path, prefix, f->name());
    }
    ARROW_RETURN_NOT_OK(
        CheckUniqueNames(f->type()->fields(), prefix + f->name() + ".", path));
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<std::shared_ptr<ParquetDataset>> ParquetDataset::Open(
    const std::vector<std::string>& inputs, const DatasetOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto files, DiscoverFiles(inputs));
  return OpenFiles(std::move(files), options);
}

arrow::Result<std::shared_ptr<ParquetDataset>> ParquetDataset::OpenFiles(
    std::vector<DiscoveredFile> files, const DatasetOptions& options) {
  auto ds = std::make_shared<ParquetDataset>();
  ds->files_ = std::move(files);
  if (ds->files_.empty()) return UserError("no data file found in the given inputs");
  ARROW_ASSIGN_OR_RAISE(ds->file_schema_, ReadFileSchema(ds->files_.front().path));
  ARROW_RETURN_NOT_OK(
      CheckUniqueNames(ds->file_schema_->fields(), "", ds->files_.front().path));

  // Partition keys in first-seen order, and every raw value per key for inference.
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> raw_values;
  if (options.hive_partitioning) {
    for (const auto& f : ds->files_) {
      for (const auto& [k, v] : f.partition_values) {
        if (!raw_values.count(k)) keys.push_back(k);
        raw_values[k].push_back(v);
      }
    }
  }
  arrow::FieldVector partition_fields;
  for (const auto& key : keys) {
    if (ds->file_schema_->GetFieldIndex(key) >= 0) {
      return UserError(
          "partition column '{}' (from directory names) also exists in the data file "
          "'{}'",
          key, ds->files_.front().path);
    }
    std::shared_ptr<arrow::DataType> type;
    if (options.partition_schema) {
      if (auto f = options.partition_schema->GetFieldByName(key)) type = f->type();
    }
    if (!type) type = types::InferPartitionType(raw_values[key]);
    partition_fields.push_back(arrow::field(key, type));
  }
  ds->partition_schema_ = arrow::schema(partition_fields);

  for (const auto& f : ds->files_) {
    std::vector<std::shared_ptr<arrow::Scalar>> scalars;
    for (const auto& field : partition_fields) {
      std::shared_ptr<arrow::Scalar> value = arrow::MakeNullScalar(field->type());
      for (const auto& [k, v] : f.partition_values) {
        if (k != field->name()) continue;
        auto parsed = types::ParsePartitionValue(v, field->type());
        if (!parsed.ok()) return WithContext(parsed.status(), f.path);
        value = *parsed;
      }
      scalars.push_back(std::move(value));
    }
    ds->partition_scalars_.push_back(std::move(scalars));
  }

  arrow::FieldVector all = ds->file_schema_->fields();
  all.insert(all.end(), partition_fields.begin(), partition_fields.end());
  ds->schema_ = arrow::schema(all, ds->file_schema_->metadata());
  return ds;
}

}  // namespace weir::format
