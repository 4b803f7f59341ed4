#include "weir/format/parquet/metadata_inspector.h"

#include <sstream>

#include <arrow/io/file.h>
#include <arrow/scalar.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>
#include <arrow/util/utf8.h>
#include <fmt/format.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/page_index.h>
#include <parquet/schema.h>
#include <parquet/statistics.h>

#include "weir/format/parquet/parquet_error.h"

namespace weir::format {

namespace {

void DescribeSchemaNode(const parquet::schema::Node& node, int depth,
                        std::vector<std::string>* out) {
  std::string rep = parquet::Repetition::REQUIRED == node.repetition()   ? "required"
                    : parquet::Repetition::OPTIONAL == node.repetition() ? "optional"
                                                                         : "repeated";
  std::string indent(depth * 2, ' ');
  std::string logical = node.logical_type() && !node.logical_type()->is_none()
                            ? " (" + node.logical_type()->ToString() + ")"
                            : "";
  if (node.is_primitive()) {
    const auto& p = static_cast<const parquet::schema::PrimitiveNode&>(node);
    std::string phys = parquet::TypeToString(p.physical_type());
    if (p.physical_type() == parquet::Type::FIXED_LEN_BYTE_ARRAY) {
      phys += fmt::format("({})", p.type_length());
    }
    out->push_back(fmt::format("{}{} {} {}{}", indent, rep, phys, node.name(), logical));
    return;
  }
  const auto& g = static_cast<const parquet::schema::GroupNode&>(node);
  if (depth == 0) {
    out->push_back(fmt::format("message {}", node.name()));
  } else {
    out->push_back(fmt::format("{}{} group {}{}", indent, rep, node.name(), logical));
  }
  for (int i = 0; i < g.field_count(); ++i)
    DescribeSchemaNode(*g.field(i), depth + 1, out);
}

void StatsToStrings(const parquet::Statistics& stats, ColumnChunkInfo* c) {
  if (stats.HasNullCount()) c->null_count = stats.null_count();
  if (stats.HasDistinctCount()) c->distinct_count = stats.distinct_count();
  if (!stats.HasMinMax()) return;
  std::shared_ptr<arrow::Scalar> min, max;
  if (parquet::arrow::StatisticsAsScalars(stats, &min, &max).ok() && min && max) {
    c->min = min->ToString();
    c->max = max->ToString();
  } else {
    c->min = "<" + std::to_string(stats.EncodeMin().size()) + " bytes>";
    c->max = "<" + std::to_string(stats.EncodeMax().size()) + " bytes>";
  }
}

}  // namespace

arrow::Result<FileInfo> InspectFile(const std::string& path) {
  return CatchParquet(path, [&]() -> arrow::Result<FileInfo> {
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
    FileInfo info;
    info.path = path;
    ARROW_ASSIGN_OR_RAISE(info.file_size, file->GetSize());
    auto reader = parquet::ParquetFileReader::Open(file);
    auto md = reader->metadata();
    info.created_by = md->created_by();
    info.format_version = parquet::ParquetVersionToString(md->version());
    info.footer_num_rows = md->num_rows();
    DescribeSchemaNode(*md->schema()->schema_root(), 0, &info.parquet_schema);
    if (auto kv = md->key_value_metadata()) {
      for (int64_t i = 0; i < kv->size(); ++i) {
        // The serialized Arrow schema is binary; show that it is there, not its bytes.
        std::string value = kv->key(i) == "ARROW:schema"
                                ? "<" + std::to_string(kv->value(i).size()) + " bytes>"
                                : kv->value(i);
        info.key_value_metadata.emplace_back(kv->key(i), value);
      }
    }
    for (int rg = 0; rg < md->num_row_groups(); ++rg) {
      auto rgm = md->RowGroup(rg);
      RowGroupInfo r;
      r.num_rows = rgm->num_rows();
      r.total_byte_size = rgm->total_byte_size();
      r.compressed_size = rgm->total_compressed_size();
      for (int c = 0; c < rgm->num_columns(); ++c) {
        auto chunk = rgm->ColumnChunk(c);
        const auto* descr = md->schema()->Column(c);
        ColumnChunkInfo ci;
        ci.path = chunk->path_in_schema()->ToDotString();
        ci.physical_type = parquet::TypeToString(chunk->type());
        ci.logical_type =
            descr->logical_type() ? descr->logical_type()->ToString() : "None";
        for (auto e : chunk->encodings())
          ci.encodings.push_back(parquet::EncodingToString(e));
        ci.compression = arrow::util::Codec::GetCodecAsString(chunk->compression());
        ci.num_values = chunk->num_values();
        ci.compressed_size = chunk->total_compressed_size();
        ci.uncompressed_size = chunk->total_uncompressed_size();
        ci.has_statistics = chunk->is_stats_set();
        if (ci.has_statistics) {
          if (auto stats = chunk->statistics()) StatsToStrings(*stats, &ci);
        }
        ci.has_column_index = chunk->GetColumnIndexLocation().has_value();
        ci.has_offset_index = chunk->GetOffsetIndexLocation().has_value();
        ci.has_bloom_filter = chunk->bloom_filter_offset().has_value();
        r.columns.push_back(std::move(ci));
      }
      info.num_rows += r.num_rows;
      info.row_groups.push_back(std::move(r));
    }
    return info;
  });
}

std::string FormatFileInfoText(const FileInfo& info) {
  std::ostringstream os;
  os << "file:        " << info.path << "\n";
  os << "size:        " << info.file_size << " bytes\n";
  os << "created by:  " << info.created_by << "\n";
  os << "version:     " << info.format_version << "\n";
  os << "rows:        " << info.num_rows;
  if (info.footer_num_rows != info.num_rows) {
    os << " (the footer says " << info.footer_num_rows
       << "; row groups are authoritative)";
  }
  os << "\n";
  os << "row groups:  " << info.row_groups.size() << "\n\nschema:\n";
  for (const auto& line : info.parquet_schema) os << "  " << line << "\n";
  if (!info.key_value_metadata.empty()) {
    os << "\nkey-value metadata:\n";
    for (const auto& [k, v] : info.key_value_metadata)
      os << "  " << k << " = " << v << "\n";
  }
  for (size_t i = 0; i < info.row_groups.size(); ++i) {
    const auto& r = info.row_groups[i];
    os << fmt::format("\nrow group {}: {} rows, {} bytes uncompressed, {} compressed\n",
                      i, r.num_rows, r.total_byte_size, r.compressed_size);
    for (const auto& c : r.columns) {
      std::string enc;
      for (const auto& e : c.encodings) enc += (enc.empty() ? "" : ",") + e;
      os << fmt::format("  {} {} [{}] {} {}->{} bytes", c.path, c.physical_type,
                        c.logical_type, c.compression, c.uncompressed_size,
                        c.compressed_size);
      os << " enc=" << enc;
      if (c.min) os << " min=" << *c.min << " max=" << *c.max;
      if (c.null_count) os << " nulls=" << *c.null_count;
      if (c.distinct_count) os << " distinct=" << *c.distinct_count;
      if (!c.has_statistics) os << " no-stats";
      os << (c.has_column_index && c.has_offset_index ? " page-index" : "");
      os << (c.has_bloom_filter ? " bloom-filter" : "") << "\n";
    }
  }
  return os.str();
}

std::string JsonQuote(const std::string& s) {
  // Invalid UTF-8 (binary statistics, say) is escaped byte by byte so the output
  // stays valid JSON.
  const bool valid_utf8 = arrow::util::ValidateUTF8(s);
  std::string out = "\"";
  for (unsigned char c : s) {
    if (!valid_utf8 && c >= 0x80) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string FormatFileInfoJson(const FileInfo& info) {
  std::ostringstream os;
  auto opt_str = [](const std::optional<std::string>& v) {
    return v ? JsonQuote(*v) : std::string("null");
  };
  auto opt_int = [](const std::optional<int64_t>& v) {
    return v ? std::to_string(*v) : std::string("null");
  };
  os << "{\"path\":" << JsonQuote(info.path) << ",\"file_size\":" << info.file_size
     << ",\"created_by\":" << JsonQuote(info.created_by)
     << ",\"format_version\":" << JsonQuote(info.format_version)
     << ",\"num_rows\":" << info.num_rows
     << ",\"footer_num_rows\":" << info.footer_num_rows << ",\"schema\":[";
  for (size_t i = 0; i < info.parquet_schema.size(); ++i) {
    os << (i ? "," : "") << JsonQuote(info.parquet_schema[i]);
  }
  os << "],\"key_value_metadata\":{";
  for (size_t i = 0; i < info.key_value_metadata.size(); ++i) {
    os << (i ? "," : "") << JsonQuote(info.key_value_metadata[i].first) << ":"
       << JsonQuote(info.key_value_metadata[i].second);
  }
  os << "},\"row_groups\":[";
  for (size_t i = 0; i < info.row_groups.size(); ++i) {
    const auto& r = info.row_groups[i];
    os << (i ? "," : "") << "{\"num_rows\":" << r.num_rows
       << ",\"total_byte_size\":" << r.total_byte_size
       << ",\"compressed_size\":" << r.compressed_size << ",\"columns\":[";
    for (size_t j = 0; j < r.columns.size(); ++j) {
      const auto& c = r.columns[j];
      os << (j ? "," : "") << "{\"path\":" << JsonQuote(c.path)
         << ",\"physical_type\":" << JsonQuote(c.physical_type)
         << ",\"logical_type\":" << JsonQuote(c.logical_type) << ",\"encodings\":[";
      for (size_t k = 0; k < c.encodings.size(); ++k) {
        os << (k ? "," : "") << JsonQuote(c.encodings[k]);
      }
      os << "],\"compression\":" << JsonQuote(c.compression)
         << ",\"num_values\":" << c.num_values
         << ",\"compressed_size\":" << c.compressed_size
         << ",\"uncompressed_size\":" << c.uncompressed_size
         << ",\"statistics\":" << (c.has_statistics ? "{" : "null");
      if (c.has_statistics) {
        os << "\"min\":" << opt_str(c.min) << ",\"max\":" << opt_str(c.max)
           << ",\"null_count\":" << opt_int(c.null_count)
           << ",\"distinct_count\":" << opt_int(c.distinct_count) << "}";
      }
      os << ",\"column_index\":" << (c.has_column_index ? "true" : "false")
         << ",\"offset_index\":" << (c.has_offset_index ? "true" : "false")
         << ",\"bloom_filter\":" << (c.has_bloom_filter ? "true" : "false") << "}";
    }
    os << "]}";
  }
  os << "]}";
  return os.str();
}

}  // namespace weir::format
