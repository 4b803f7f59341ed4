#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <gtest/gtest.h>

#include "weir/state/key_group.h"
#include "weir/state/keyed_state_backend.h"
#include "weir/state/typed_state.h"

namespace weir::state {
namespace {

TEST(StateBackendTest, TypedStatesArePerKey) {
  auto backend = MakeInMemoryStateBackend();
  auto count = *GetValueState<int64_t>(backend.get(), "count");
  auto names = *GetListState<std::string>(backend.get(), "names");
  auto totals = *GetMapState<std::string, double>(backend.get(), "totals");
  auto sum = *GetReducingState<int64_t>(
      backend.get(), "sum", [](const int64_t& a, const int64_t& b) { return a + b; });
  backend->SetCurrentKey("alice", 1);
  EXPECT_FALSE(count.Value().has_value());
  count.Update(3);
  names.Add("x");
  names.Add("y");
  totals.Put("eur", 1.5);
  sum.Add(4);
  sum.Add(5);
  backend->SetCurrentKey("bob", 2);
  EXPECT_FALSE(count.Value().has_value());
  EXPECT_TRUE(names.Get().empty());
  count.Update(7);
  backend->SetCurrentKey("alice", 1);
  EXPECT_EQ(count.Value(), 3);
  EXPECT_EQ(names.Get(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(totals.Get("eur"), 1.5);
  EXPECT_FALSE(totals.Contains("usd"));
  EXPECT_EQ(sum.Get(), 9);
  totals.Remove("eur");
  EXPECT_TRUE(totals.Entries().empty());
  count.Clear();
  EXPECT_FALSE(count.Value().has_value());
  // Re-registering a name as another kind is an error.
  EXPECT_FALSE(backend->Register("count", StateKind::kList, {}).ok());
}

TEST(StateBackendTest, TtlExpiresEntriesNotWrittenRecently) {
  int64_t now = 1000;
  auto backend = MakeInMemoryStateBackend([&] { return now; });
  auto v = *GetValueState<int64_t>(backend.get(), "v",
                                   StateTtl{std::chrono::milliseconds(100)});
  backend->SetCurrentKey("k", 0);
  v.Update(1);
  now += 99;
  EXPECT_EQ(v.Value(), 1);
  now += 1;
  EXPECT_FALSE(v.Value().has_value());
  EXPECT_EQ(backend->num_entries(), 0);
}

TEST(StateBackendTest, SnapshotRestoresByKeyGroupForRescaling) {
  constexpr int kMax = 128;
  auto backend = MakeInMemoryStateBackend();
  auto v = *GetValueState<int64_t>(backend.get(), "v");
  auto m = *GetMapState<int64_t, std::string>(backend.get(), "m");
  for (int64_t k = 0; k < 200; ++k) {
    const std::string key = "key-" + std::to_string(k);
    backend->SetCurrentKey(key, static_cast<int>(k % kMax));
    v.Update(k * 10);
    m.Put(k, key);
  }
  auto sink = *arrow::io::BufferOutputStream::Create();
  ASSERT_TRUE(backend->Snapshot(sink.get()).ok());
  auto buffer = *sink->Finish();

  // Rescale from 1 to 3 subtasks: each restores only its key groups, together all.
  int64_t restored = 0;
  for (int s = 0; s < 3; ++s) {
    const KeyGroupRange range = KeyGroupRangeFor(s, 3, kMax);
    for (int g = range.first; g <= range.last; ++g)
      EXPECT_EQ(SubtaskForKeyGroup(g, 3, kMax), s);
    auto part = MakeInMemoryStateBackend();
    arrow::io::BufferReader in(buffer);
    ASSERT_TRUE(part->Restore(&in, range).ok());
    auto pv = *GetValueState<int64_t>(part.get(), "v");
    auto pm = *GetMapState<int64_t, std::string>(part.get(), "m");
    for (int64_t k = 0; k < 200; ++k) {
      const int g = static_cast<int>(k % kMax);
      part->SetCurrentKey("key-" + std::to_string(k), g);
      if (range.Contains(g)) {
        EXPECT_EQ(pv.Value(), k * 10);
        EXPECT_EQ(pm.Get(k), "key-" + std::to_string(k));
        ++restored;
      } else {
        EXPECT_FALSE(pv.Value().has_value());
      }
    }
  }
  EXPECT_EQ(restored, 200);

  // A truncated or foreign snapshot is an error, never a crash.
  auto cut = arrow::SliceBuffer(buffer, 0, buffer->size() / 2);
  arrow::io::BufferReader truncated(cut);
  auto bad = MakeInMemoryStateBackend()->Restore(&truncated, KeyGroupRange{0, kMax - 1});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("truncated"), std::string::npos) << bad;
  arrow::io::BufferReader garbage(arrow::Buffer::FromString("not a snapshot at all"));
  EXPECT_FALSE(MakeInMemoryStateBackend()->Restore(&garbage, KeyGroupRange{0, 1}).ok());
}

TEST(StateBackendTest, SnapshotAsPiecesReferencesLargeValuesAndEqualsTheBytes) {
  auto backend = MakeInMemoryStateBackend();
  const int id = *backend->Register("blob", StateKind::kValue, {});
  const std::string large(100000, 'x');
  backend->SetCurrentKey("k1", 3);
  backend->Put(id, large);
  backend->SetCurrentKey("k2", 7);
  backend->Put(id, "small");
  auto pieces = backend->SnapshotAsPieces();
  ASSERT_TRUE(pieces.ok());
  std::string joined;
  bool referenced = false;
  for (std::string_view piece : pieces->pieces) {
    joined.append(piece);
    referenced |= piece.size() == large.size();
  }
  EXPECT_TRUE(referenced);  // the large value is one piece of its own, not copied
  EXPECT_EQ(static_cast<int64_t>(joined.size()), pieces->size);
  EXPECT_EQ(joined, *backend->SnapshotBytes());
  auto restored = MakeInMemoryStateBackend();
  arrow::io::BufferReader reader(arrow::Buffer::FromString(joined));
  ASSERT_TRUE(restored->Restore(&reader, KeyGroupRange{0, 127}).ok());
  const int rid = *restored->Register("blob", StateKind::kValue, {});
  restored->SetCurrentKey("k1", 3);
  std::string value;
  ASSERT_TRUE(restored->Get(rid, &value));
  EXPECT_EQ(value, large);
}

}  // namespace
}  // namespace weir::state
