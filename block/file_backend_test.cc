#include "block/file_backend.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <thread>
#include <numeric>

namespace zvmm::block {
namespace {

std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::vector<uint8_t> bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

void exercise_queue(FileBackend& file, IoQueue& q) {
  auto a = bytes(4096, 1), b = bytes(8192, 7);
  int done = 0;
  std::vector<int64_t> results;
  const OneSegment sa(a), sb(b);
  q.submit_writev(0, sa, [&](int64_t r) { results.push_back(r), ++done; });
  q.submit_writev(65536, sb, [&](int64_t r) { results.push_back(r), ++done; });
  q.submit_flush([&](int64_t r) { results.push_back(r), ++done; });
  while (done < 3) q.wait_completions();
  EXPECT_EQ(results, (std::vector<int64_t>{4096, 8192, 0}));
  std::vector<uint8_t> ra(4096), rb(8192);
  done = 0;
  const OneSegment sra(ra), srb(rb);
  q.submit_readv(0, sra, [&](int64_t r) { EXPECT_EQ(r, 4096); ++done; });
  q.submit_readv(65536, srb, [&](int64_t r) { EXPECT_EQ(r, 8192); ++done; });
  while (done < 2) q.wait_completions();
  EXPECT_EQ(ra, a);
  EXPECT_EQ(rb, b);
  EXPECT_EQ(q.in_flight(), 0u);
  // Scatter-gather: three segments written at 128 KiB, read back split
  // differently, and a read straddling the end of the file (zeros after it).
  auto s0 = bytes(512, 11), s1 = bytes(1024, 22), s2 = bytes(2560, 33);
  const std::vector<iovec> wv{{s0.data(), s0.size()}, {s1.data(), s1.size()}, {s2.data(), s2.size()}};
  std::vector<uint8_t> all(s0);
  all.insert(all.end(), s1.begin(), s1.end());
  all.insert(all.end(), s2.begin(), s2.end());
  std::vector<uint8_t> r0(1536, 0xee), r1(2560, 0xee);
  const std::vector<iovec> rv{{r0.data(), r0.size()}, {r1.data(), r1.size()}};
  const uint64_t end = file.size_bytes();
  std::vector<uint8_t> t0(512, 0xee), t1(3584, 0xee);  // 512 bytes in the file, 3584 past its end
  const std::vector<iovec> tv{{t0.data(), t0.size()}, {t1.data(), t1.size()}};
  done = 0;
  results.clear();
  q.submit_writev(128 * 1024, wv, [&](int64_t r) { results.push_back(r), ++done; });
  q.submit_writev(end - 512, std::span(wv).first(1), [&](int64_t r) { results.push_back(r), ++done; });
  while (done < 2) q.wait_completions();
  EXPECT_EQ(results, (std::vector<int64_t>{4096, 512}));
  done = 0;
  results.clear();
  q.submit_readv(128 * 1024, rv, [&](int64_t r) { results.push_back(r), ++done; });
  q.submit_readv(end - 512, tv, [&](int64_t r) { results.push_back(r), ++done; });
  while (done < 2) q.wait_completions();
  EXPECT_EQ(results, (std::vector<int64_t>{4096, 4096}));
  std::vector<uint8_t> got(r0);
  got.insert(got.end(), r1.begin(), r1.end());
  EXPECT_EQ(got, all);
  EXPECT_EQ(t0, s0);
  EXPECT_EQ(t1, std::vector<uint8_t>(3584, 0));
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(FileBackend, IoUringQueueReadWriteFlush) {
  auto file = FileBackend::create(temp_path("uring.img"), 1 << 20);
  auto q = file->create_queue(4);
  if (q->kind() != IoQueueKind::kIoUring) GTEST_SKIP() << "io_uring unavailable: errno " << file->io_uring_error();
  exercise_queue(*file, *q);
}

TEST(FileBackend, IoUringPluggedBatchIsSubmittedAtUnplug) {
  auto file = FileBackend::create(temp_path("plug.img"), 1 << 20);
  auto q = file->create_queue(4);
  if (q->kind() != IoQueueKind::kIoUring) GTEST_SKIP() << "io_uring unavailable: errno " << file->io_uring_error();
  std::vector<std::vector<uint8_t>> bufs;
  for (int i = 0; i < 10; ++i) bufs.push_back(bytes(4096, static_cast<uint8_t>(i)));
  int done = 0;
  q->plug();  // 10 requests on a depth-4 ring: 4 held SQEs, 6 in the backlog
  std::deque<OneSegment> segs;
  for (int i = 0; i < 10; ++i) {
    segs.emplace_back(bufs[i]);
    q->submit_writev(i * 4096, segs.back(), [&](int64_t r) { EXPECT_EQ(r, 4096); ++done; });
  }
  EXPECT_EQ(q->drain_completions(), 0u);  // nothing reached the kernel yet
  q->unplug();
  while (done < 10) q->wait_completions();
  EXPECT_EQ(q->in_flight(), 0u);
  std::vector<uint8_t> buf(4096);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(file->read(i * 4096, buf), 4096);
    EXPECT_EQ(buf, bufs[i]) << i;
  }
}

TEST(FileBackend, IoUringBacklogBeyondRingDepth) {
  auto file = FileBackend::create(temp_path("backlog.img"), 1 << 20);
  auto q = file->create_queue(2);
  std::vector<std::vector<uint8_t>> bufs;
  for (int i = 0; i < 20; ++i) bufs.push_back(bytes(4096, static_cast<uint8_t>(i)));
  int done = 0;
  std::deque<OneSegment> segs;
  for (int i = 0; i < 20; ++i) {
    segs.emplace_back(bufs[i]);
    q->submit_writev(i * 4096, segs.back(), [&](int64_t r) { EXPECT_EQ(r, 4096); ++done; });
  }
  while (done < 20) q->wait_completions();
  std::vector<uint8_t> buf(4096);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(file->read(i * 4096, buf), 4096);
    EXPECT_EQ(buf, bufs[i]);
  }
}

TEST(FileBackend, SynchronousFallbackQueue) {
  auto file = FileBackend::create(temp_path("sync.img"), 1 << 20, {.use_io_uring = false});
  auto q = file->create_queue(4);
  EXPECT_EQ(q->kind(), IoQueueKind::kSynchronous);
  exercise_queue(*file, *q);
}

TEST(FileBackend, IoUringLeavesNoStaleSignalAfterADrain) {
  // Completions that finish inside io_uring_enter also signal the eventfd;
  // reaping them resets it, so the owner's next poll does not wake for nothing.
  auto file = FileBackend::create(temp_path("signal.img"), 1 << 20);
  auto q = file->create_queue(4);
  if (q->kind() != IoQueueKind::kIoUring) GTEST_SKIP() << "io_uring unavailable: errno " << file->io_uring_error();
  std::vector<uint8_t> buf(4096);
  for (int i = 0; i < 3; ++i) {
    bool done = false;
    const OneSegment seg(buf);
    q->submit_readv(0, seg, [&](int64_t r) { EXPECT_EQ(r, 4096); done = true; });
    while (!done) q->wait_completions();
    pollfd pfd{q->completion_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&pfd, 1, 0), 0) << "round " << i;
  }
}

TEST(FileBackend, MemoryBackedFilesGetTheSynchronousQueue) {
  // io_uring would punt every tmpfs request to a kernel worker thread.
  const std::string path = "/dev/shm/zvmm-file-backend-test-" + std::to_string(::getpid());
  std::unique_ptr<FileBackend> file;
  try {
    file = FileBackend::create(path, 1 << 20);
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no /dev/shm: " << e.what();
  }
  ::unlink(path.c_str());  // the open fd keeps the file
  ASSERT_TRUE(file->memory_backed());
  auto q = file->create_queue(4);
  EXPECT_EQ(q->kind(), IoQueueKind::kSynchronous);
  exercise_queue(*file, *q);
}

TEST(FileBackend, SynchronousCompletionsAreReadyWithoutTheEventFd) {
  auto file = FileBackend::create(temp_path("ready.img"), 1 << 20, {.use_io_uring = false});
  auto q = file->create_queue(4);
  EXPECT_FALSE(q->has_ready());
  std::vector<uint8_t> buf(4096);
  int64_t result = -1;
  const OneSegment seg(buf);
  q->submit_readv(0, seg, [&](int64_t r) { result = r; });
  EXPECT_EQ(result, -1);  // callbacks never run inside submit
  EXPECT_TRUE(q->has_ready());
  pollfd pfd{q->completion_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);  // no eventfd write, no wakeup
  EXPECT_EQ(q->drain_completions(), 1u);
  EXPECT_EQ(result, 4096);
  EXPECT_FALSE(q->has_ready());
  // post() from another thread still signals the fd.
  bool posted = false;
  std::thread([&] { q->post([&] { posted = true; }); }).join();
  EXPECT_EQ(::poll(&pfd, 1, 0), 1);
  q->wait_completions();
  EXPECT_TRUE(posted);
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
}

TEST(FileBackend, ReadsBeyondEndOfFileAreZeros) {
  auto file = FileBackend::create(temp_path("eof.img"), 4096);
  std::vector<uint8_t> buf(8192, 0xAA);
  EXPECT_EQ(file->read(0, buf), 8192);
  for (uint8_t b : buf) ASSERT_EQ(b, 0);
  auto q = file->create_queue(2);
  std::fill(buf.begin(), buf.end(), 0xAA);
  bool done = false;
  const OneSegment seg(buf);
  q->submit_readv(0, seg, [&](int64_t r) { EXPECT_EQ(r, 8192); done = true; });
  while (!done) q->wait_completions();
  for (uint8_t b : buf) ASSERT_EQ(b, 0);
}

TEST(FileBackend, DiscardReadsZeros) {
  auto file = FileBackend::create(temp_path("discard.img"), 1 << 20);
  auto data = bytes(65536, 3);
  ASSERT_EQ(file->write(0, data), 65536);
  ASSERT_EQ(file->discard(4096, 8192), 0);
  std::vector<uint8_t> buf(65536);
  ASSERT_EQ(file->read(0, buf), 65536);
  for (size_t i = 0; i < buf.size(); ++i) ASSERT_EQ(buf[i], i >= 4096 && i < 12288 ? 0 : data[i]) << i;
}

// Discards through a queue (io_uring fallocate, or inline on the synchronous
// queue): the range reads zeros, the rest keeps its bytes, the result is 0.
TEST(FileBackend, QueuedDiscardReadsZerosOnBothQueueKinds) {
  for (bool uring : {true, false}) {
    SCOPED_TRACE(uring ? "io_uring" : "synchronous");
    auto file = FileBackend::create(temp_path(uring ? "qdiscard-u.img" : "qdiscard-s.img"), 1 << 20,
                                    {.use_io_uring = uring});
    auto q = file->create_queue(8);
    if (uring && q->kind() != IoQueueKind::kIoUring) continue;  // io_uring unavailable here
    auto data = bytes(65536, 5);
    ASSERT_EQ(file->write(0, data), 65536);
    int64_t result = 1;
    bool done = false;
    q->submit_discard(8192, 16384, [&](int64_t r) { result = r, done = true; });
    while (!done) q->wait_completions();
    EXPECT_EQ(result, 0);
    std::vector<uint8_t> buf(65536);
    ASSERT_EQ(file->read(0, buf), 65536);
    for (size_t i = 0; i < buf.size(); ++i) ASSERT_EQ(buf[i], i >= 8192 && i < 24576 ? 0 : data[i]) << i;
  }
}

TEST(FileBackend, OpenErrorsNameThePath) {
  try {
    FileBackend::open(temp_path("does-not-exist.img"));
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("does-not-exist.img"), std::string::npos);
  }
}

// An Asio event loop drives completions through the queue's eventfd.
TEST(FileBackend, AsioIoContextDrivesCompletions) {
  auto file = FileBackend::create(temp_path("asio.img"), 1 << 20);
  auto q = file->create_queue(8);
  boost::asio::io_context io;
  boost::asio::posix::stream_descriptor fd(io, ::dup(q->completion_fd()));
  int completed = 0;
  const int total = 16;
  std::vector<std::vector<uint8_t>> bufs;
  for (int i = 0; i < total; ++i) bufs.push_back(bytes(4096, static_cast<uint8_t>(i)));
  std::function<void()> arm = [&] {
    fd.async_wait(boost::asio::posix::stream_descriptor::wait_read, [&](boost::system::error_code ec) {
      ASSERT_FALSE(ec);
      q->consume_signal();
      q->drain_completions();
      if (completed < total) arm();
    });
  };
  std::deque<OneSegment> segs;
  for (int i = 0; i < total; ++i) {
    segs.emplace_back(bufs[i]);
    q->submit_writev(i * 4096, segs.back(), [&](int64_t r) { EXPECT_EQ(r, 4096); ++completed; });
  }
  arm();
  io.run();
  EXPECT_EQ(completed, total);
  // post() from another thread also wakes the loop.
  bool posted = false;
  io.restart();
  fd.async_wait(boost::asio::posix::stream_descriptor::wait_read, [&](boost::system::error_code) {
    q->consume_signal();
    q->drain_completions();
  });
  std::thread t([&] { q->post([&] { posted = true; }); });
  io.run();
  t.join();
  EXPECT_TRUE(posted);
}

}  // namespace
}  // namespace zvmm::block
