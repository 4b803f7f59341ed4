#include "weir/cli/change_table_view.h"

#include <algorithm>

#include <sys/ioctl.h>
#include <unistd.h>

#include "weir/cli/value_format.h"
#include "weir/common/error.h"

namespace weir::cli {

namespace {

// The terminal's height and width, or 24 x 80 when unknown.
std::pair<size_t, size_t> TerminalSize(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0) {
    return {size.ws_row, size.ws_col};
  }
  return {24, 80};
}

constexpr size_t kMaxCell = 30;

std::string Cut(const std::string& text) { return TruncateText(text, kMaxCell); }

}  // namespace

arrow::Status ChangeTableView::Apply(const arrow::RecordBatch& changes) {
  if (changes.num_columns() == 0 || changes.schema()->field(0)->name() != "op") {
    return InternalError("a change batch starts with the op column");
  }
  if (names_.empty()) {
    for (int c = 1; c < changes.num_columns(); ++c)
      names_.push_back(changes.schema()->field(c)->name());
  }
  for (int64_t r = 0; r < changes.num_rows(); ++r) {
    std::string op;
    AppendTextValue(*changes.column(0), r, &op, "");
    std::vector<std::string> row;
    for (int c = 1; c < changes.num_columns(); ++c) {
      std::string cell;
      AppendTextValue(*changes.column(c), r, &cell, "NULL");
      row.push_back(std::move(cell));
    }
    if (op == "+I" || op == "+U") {
      // An update's new row takes its old row's place, so rows do not jump around.
      if (op == "+U" && slot_ <= rows_.size()) {
        rows_.insert(rows_.begin() + static_cast<std::ptrdiff_t>(slot_), std::move(row));
      } else {
        rows_.push_back(std::move(row));
      }
      slot_ = kNoSlot;
    } else {
      // The last equal row goes: the most recent one an update replaces.
      auto it = std::find(rows_.rbegin(), rows_.rend(), row);
      slot_ = kNoSlot;
      if (it != rows_.rend()) {
        auto erased = rows_.erase(std::next(it).base());
        if (op == "-U") slot_ = static_cast<size_t>(erased - rows_.begin());
      }
    }
    ++changes_;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - drawn_ >= refresh_) {
    Draw(/*final=*/false);
    drawn_ = now;
  }
  return arrow::Status::OK();
}

void ChangeTableView::Finish() { Draw(/*final=*/true); }

void ChangeTableView::Draw(bool final) {
  const auto [height, width] = TerminalSize(out_);
  std::vector<size_t> widths;
  for (const std::string& name : names_) widths.push_back(DisplayWidth(Cut(name)));
  // Room for the status line, three rules, the header and the footer.
  const size_t shown = std::min(rows_.size(), height > 8 ? height - 7 : 1);
  const size_t first = rows_.size() - shown;  // the newest rows
  for (size_t r = first; r < rows_.size(); ++r) {
    for (size_t c = 0; c < widths.size(); ++c)
      widths[c] = std::max(widths[c], DisplayWidth(Cut(rows_[r][c])));
  }
  std::string text = final ? "" : "\x1b[H\x1b[2J";  // home, clear screen
  auto clip = [&](std::string line) {
    if (DisplayWidth(line) > width) line = TruncateText(line, width);
    return line + "\n";
  };
  text += clip(final ? "Final result" : "Refresh: live (Ctrl-C ends the query)");
  std::string rule = "+";
  for (size_t w : widths) rule += std::string(w + 2, '-') + "+";
  auto line_of = [&](const std::vector<std::string>& cells) {
    std::string line = "|";
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = Cut(cells[c]);
      line += " " + cell + std::string(widths[c] - DisplayWidth(cell), ' ') + " |";
    }
    return line;
  };
  text += clip(rule) + clip(line_of(names_)) + clip(rule);
  for (size_t r = first; r < rows_.size(); ++r) text += clip(line_of(rows_[r]));
  text += clip(rule);
  text += clip(std::to_string(rows_.size()) + (rows_.size() == 1 ? " row" : " rows") +
               (first > 0 ? " (the newest " + std::to_string(shown) + " shown)" : "") +
               ", " + std::to_string(changes_) + " changes");
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace weir::cli
