#include "weir/sql/plan/logical_plan.h"

#include <arrow/compute/api_aggregate.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <fmt/format.h>

namespace weir::sql {
namespace {

std::string Columns(const arrow::Schema& schema) {
  std::string out;
  for (const auto& field : schema.fields()) {
    if (!out.empty()) out += ", ";
    out += field->name();
  }
  return out;
}

std::string JoinTypeName(PlanJoinType type) {
  switch (type) {
    case PlanJoinType::kInner:
      return "inner";
    case PlanJoinType::kLeft:
      return "left";
    case PlanJoinType::kRight:
      return "right";
    case PlanJoinType::kFull:
      return "full";
    case PlanJoinType::kSemi:
      return "semi";
    case PlanJoinType::kAnti:
      return "anti";
  }
  return "?";
}

// Appends the optimizer's estimate (and a join's build side) to the first line
// written for a node, which starts at `start`.
void Annotate(const PlanNode& node, size_t start, const PlanNoteFn& extra,
              std::string* out) {
  std::string note;
  if (node.estimated_rows) note = fmt::format("est. {:.0f} rows", *node.estimated_rows);
  if (node.kind == PlanKind::kJoin && node.build_left)
    note += std::string(note.empty() ? "" : ", ") + "build left";
  if (node.kind == PlanKind::kJoin && node.runtime_filter)
    note += std::string(note.empty() ? "" : ", ") + "runtime filter";
  if (extra) {
    std::string more = extra(node);
    if (!more.empty()) note += std::string(note.empty() ? "" : ", ") + more;
  }
  if (note.empty()) return;
  size_t end = out->find('\n', start);
  if (end == std::string::npos) end = out->size();
  out->insert(end, " (" + note + ")");
}

void Render(const PlanNode& node, int depth, const PlanNoteFn& extra, std::string* out) {
  std::string pad(static_cast<size_t>(depth) * 2, ' ');
  size_t start = out->size();
  switch (node.kind) {
    case PlanKind::kScan: {
      std::string columns;
      for (const std::string& c : node.scan_columns) {
        columns += (columns.empty() ? "" : ", ") + c;
      }
      *out += fmt::format("{}Scan {} [{}] connector={}", pad, node.table->name, columns,
                          node.table->connector());
      std::string path = node.table->Option("path");
      if (!path.empty()) *out += fmt::format(" path={}", path);
      if (node.scan_filter) {
        *out += fmt::format("\n{}  pushed filter: {}", pad, node.scan_filter->ToString());
      }
      if (!node.table->partition_keys.empty() && node.scan_filter) {
        *out += fmt::format("\n{}  partition pruning on: ", pad);
        for (size_t i = 0; i < node.table->partition_keys.size(); ++i) {
          *out += (i ? ", " : "") + node.table->partition_keys[i];
        }
      }
      *out += "\n";
      Annotate(node, start, extra, out);
      return;
    }
    case PlanKind::kValues:
      *out += fmt::format("{}Values rows={} [{}]\n", pad, node.values->num_rows(),
                          Columns(*node.schema));
      return;
    case PlanKind::kFilter:
      *out += fmt::format("{}Filter {}\n", pad, node.predicate.ToString());
      break;
    case PlanKind::kProject: {
      std::string items;
      for (int i = 0; i < node.schema->num_fields(); ++i) {
        std::string expr = node.exprs[i].ToString();
        const std::string& name = node.schema->field(i)->name();
        items += (i ? ", " : "") + (expr == name ? name : expr + " AS " + name);
      }
      *out += fmt::format("{}Project {}\n", pad, items.empty() ? "(no columns)" : items);
      break;
    }
    case PlanKind::kAggregate: {
      std::string keys;
      for (const std::string& key : node.group_keys)
        keys += (keys.empty() ? "" : ", ") + key;
      std::string aggs;
      for (const AggregateCall& call : node.aggregates) {
        aggs += (aggs.empty() ? "" : ", ") +
                fmt::format("{}({}) AS {}", call.function, call.input, call.output);
      }
      *out += fmt::format("{}Aggregate keys=[{}] aggregates=[{}]\n", pad, keys, aggs);
      break;
    }
    case PlanKind::kJoin: {
      std::string keys;
      for (size_t i = 0; i < node.left_keys.size(); ++i) {
        keys += (i ? " AND " : "") +
                fmt::format("{} {} {}", node.left_keys[i],
                            node.null_equal_keys ? "IS NOT DISTINCT FROM" : "=",
                            node.right_keys[i]);
      }
      *out += fmt::format("{}HashJoin {} on {}", pad, JoinTypeName(node.join_type),
                          keys.empty() ? "true" : keys);
      if (!(node.residual == arrow::compute::literal(true))) {
        *out += fmt::format(" residual {}", node.residual.ToString());
      }
      *out += "\n";
      break;
    }
    case PlanKind::kSort: {
      std::string keys;
      for (const SortField& key : node.sort_fields) {
        keys += (keys.empty() ? "" : ", ") +
                fmt::format("{} {} NULLS {}", key.field, key.descending ? "DESC" : "ASC",
                            key.nulls_first ? "FIRST" : "LAST");
      }
      *out += fmt::format("{}Sort {}\n", pad, keys);
      break;
    }
    case PlanKind::kLimit:
      *out += fmt::format("{}Limit offset={} limit={}\n", pad, node.offset,
                          node.limit ? std::to_string(*node.limit) : "none");
      break;
    case PlanKind::kWindowTvf:
      *out += pad + "WindowTableFunction " + node.window.ToString() + "\n";
      break;
    case PlanKind::kUnion:
      *out += fmt::format("{}UnionAll\n", pad);
      break;
    case PlanKind::kOver: {
      std::string calls;
      for (const OverCall& call : node.over_calls) {
        calls += (calls.empty() ? "" : ", ") +
                 fmt::format("{} AS {}", call.display, call.output);
      }
      *out += fmt::format("{}OverAggregate({}, select=[{}])\n", pad, node.over.ToString(),
                          calls);
      break;
    }
    case PlanKind::kRank:
      *out += fmt::format(
          "{}Rank(rankType=[{}], rankRange=[rankStart={}, rankEnd={}], {}, "
          "outputRankNumber=[{}])\n",
          pad, node.rank.TypeName(), node.rank.start, node.rank.end,
          node.over.ToString(false), node.rank.output_rank ? "true" : "false");
      break;
    case PlanKind::kCorrelate: {
      std::string args;
      for (const auto& arg : node.exprs)
        args += (args.empty() ? "" : ", ") + arg.ToString();
      std::string columns;
      for (const std::string& name : CorrelateColumnNames(node)) {
        columns += (columns.empty() ? "" : ", ") + name;
      }
      *out += fmt::format(
          "{}Correlate {}({}) joinType=[{}] -> [{}]\n", pad, node.table_function->name(),
          args, node.join_type == PlanJoinType::kLeft ? "LEFT" : "INNER", columns);
      break;
    }
  }
  Annotate(node, start, extra, out);
  for (const PlanPtr& input : node.inputs) Render(*input, depth + 1, extra, out);
}

}  // namespace

std::vector<std::string> CorrelateColumnNames(const PlanNode& node) {
  std::vector<std::string> names;
  const int width = node.schema->num_fields();
  const int produced = static_cast<int>(node.table_function->fields().size());
  for (int i = width - produced; i < width; ++i) {
    names.push_back(node.schema->field(i)->name());
  }
  return names;
}

bool PlanNode::HasKind(PlanKind wanted) const {
  if (kind == wanted) return true;
  for (const PlanPtr& input : inputs) {
    if (input->HasKind(wanted)) return true;
  }
  return false;
}

std::string PlanToString(const PlanPtr& plan, const PlanNoteFn& note) {
  std::string out;
  Render(*plan, 0, note, &out);
  return out;
}

namespace {

std::string DurationText(int64_t micros) {
  struct Unit {
    int64_t micros;
    const char* name;
  };
  for (Unit unit :
       {Unit{86'400'000'000LL, "d"}, Unit{3'600'000'000LL, "h"},
        Unit{60'000'000LL, "min"}, Unit{1'000'000LL, "s"}, Unit{1'000LL, "ms"}}) {
    if (micros != 0 && micros % unit.micros == 0) {
      return fmt::format("{} {}", micros / unit.micros, unit.name);
    }
  }
  return fmt::format("{} us", micros);
}

}  // namespace

std::string WindowTvfSpec::ToString() const {
  std::string time = VisibleName(time_field);
  std::string out;
  switch (kind) {
    case Kind::kTumble:
      out = fmt::format("TUMBLE(time_col=[{}], size=[{}]", time, DurationText(size));
      break;
    case Kind::kHop:
      out = fmt::format("HOP(time_col=[{}], size=[{}], slide=[{}]", time,
                        DurationText(size), DurationText(slide));
      break;
    case Kind::kCumulate:
      out = fmt::format("CUMULATE(time_col=[{}], max_size=[{}], step=[{}]", time,
                        DurationText(size), DurationText(slide));
      break;
    case Kind::kSession: {
      std::string keys;
      for (const std::string& f : partition_fields) {
        keys += (keys.empty() ? "" : ", ") + VisibleName(f);
      }
      out = fmt::format("SESSION(time_col=[{}], gap=[{}]", time, DurationText(size));
      if (!keys.empty()) out += fmt::format(", partition keys=[{}]", keys);
      break;
    }
  }
  if (offset != 0) out += fmt::format(", offset=[{}]", DurationText(offset));
  return out + ")";
}

std::string OverSpec::ToString(bool with_frame) const {
  std::vector<std::string> parts;
  if (!partition_keys.empty()) {
    std::string keys;
    for (const std::string& key : partition_keys) {
      keys += (keys.empty() ? "" : ", ") + key;
    }
    parts.push_back(fmt::format("partitionBy=[{}]", keys));
  }
  if (!order.empty()) {
    std::string keys;
    for (const SortField& key : order) {
      keys += (keys.empty() ? "" : ", ") +
              fmt::format("{} {}", key.field, key.descending ? "DESC" : "ASC");
    }
    parts.push_back(fmt::format("orderBy=[{}]", keys));
  }
  std::string frame;
  if (whole_partition) {
    frame = "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";
  } else {
    auto amount = [&](int64_t n) {
      return time_range ? DurationText(n) : std::to_string(n);
    };
    std::string start = !preceding ? "UNBOUNDED PRECEDING"
                        : *preceding < 0
                            ? fmt::format("{} FOLLOWING", amount(-*preceding))
                            : fmt::format("{} PRECEDING", amount(*preceding));
    std::string end = !following        ? "UNBOUNDED FOLLOWING"
                      : *following == 0 ? "CURRENT ROW"
                                        : fmt::format("{} FOLLOWING", amount(*following));
    frame = fmt::format("{} BETWEEN {} AND {}", rows ? "ROWS" : "RANGE", start, end);
  }
  if (with_frame) parts.push_back(fmt::format("window=[{}]", frame));
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string RankSpec::TypeName() const {
  switch (type) {
    case Type::kRowNumber:
      return "ROW_NUMBER";
    case Type::kRank:
      return "RANK";
    case Type::kDenseRank:
      return "DENSE_RANK";
  }
  return "?";
}

std::string VisibleName(const std::string& internal) {
  size_t hash = internal.rfind('#');
  return hash == std::string::npos ? internal : internal.substr(0, hash);
}

}  // namespace weir::sql
