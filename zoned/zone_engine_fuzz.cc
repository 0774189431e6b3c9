// libFuzzer target: the zone engine driven by an input-decoded operation
// sequence and compared after every step with the reference model of
// zoned/testing/zone_ref_model.h (the one zone_model_test uses): every status,
// every zone's condition, write pointer and non-sequential flag, the open and
// active counts, appends' assigned sectors and the data reads return.
//
// Input layout: byte 0: bit 0 host-aware, bit 1 4 KiB logical blocks,
// bits 2-4 max open (% 5), bits 5-7 max active (% 6; 0 = no limit). Then per
// operation: u8 kind, u8 zone, u8 a, u8 b:
//   kind % 8: 0-2 write (b % 4: 0 at an offset a in the zone, 1 past the end,
//                         else at the model's write pointer; a bit 7:
//                         misaligned by a sector; length from a),
//             3   append (a bit 0: not at the zone start),
//             4   open/close/finish/reset (b % 4; a bit 0: not at the zone start),
//             5   reset all,  6  inject READONLY/OFFLINE (a bit 0; at most 2 zones),
//             7   read and compare a range
// On a mismatch the process aborts with what differed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/fuzz/fuzz_input.h"
#include "zoned/test_support.h"
#include "zoned/testing/zone_ref_model.h"

namespace zvmm::zoned {
namespace {

using namespace ref_model;

[[noreturn]] void mismatch(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "zone_engine_fuzz: engine and model differ after %s: %s\n", what.c_str(), detail.c_str());
  std::abort();
}

void run(fuzz::Input& in) {
  const uint8_t p = in.u8();
  const bool host_aware = p & 1;
  const uint32_t lba_bytes = p & 2 ? 4096 : 512;
  const uint32_t max_open = (p >> 2 & 7) % 5, max_active = (p >> 5) % 6;
  if (max_active && max_open > max_active) return;  // geometry refuses it
  ZoneGeometryConfig cfg;
  cfg.device_bytes = kZones * kZoneSec * 512;
  cfg.zone_size_bytes = kZoneSec * 512;
  cfg.zone_capacity_bytes = kCapSec * 512;
  cfg.nr_conventional = kConv;
  cfg.max_open = max_open;
  cfg.max_active = max_active;
  cfg.max_append_bytes = 16 * 512;
  cfg.logical_block_size = lba_bytes;
  cfg.model = host_aware ? ZonedModel::kHostAware : ZonedModel::kHostManaged;
  testing::EngineFixture f(cfg, "zone_engine_fuzz-" + std::to_string(getpid()) + ".img");
  auto c = f.client();
  const uint32_t lba = lba_bytes / 512;
  RefDevice ref{host_aware, max_open, max_active, lba, 16};
  auto expect = [](S got, S want, const std::string& what) {
    if (got != want) {
      mismatch(what, std::string("status ") + std::string(to_string(got)) + ", model " + std::string(to_string(want)));
    }
  };
  int op = 0;
  while (!in.empty() && op < 300) {
    ++op;
    const uint8_t kind = in.u8() % 8;
    const uint32_t zi = in.u8() % kZones;
    const uint8_t a = in.u8(), b = in.u8();
    const uint64_t zstart = zi * kZoneSec;
    const uint32_t salt = static_cast<uint32_t>(op);
    std::string what;
    if (kind <= 2) {
      const uint64_t n = lba * (1 + (a & 0x7f) % (16 / lba + 1));
      uint64_t sector = zstart + ref.z[zi].wp;
      if (b % 4 == 0 || zi < kConv) sector = zstart + (a % kZoneSec);
      if (b % 4 == 1) sector = kZones * kZoneSec - 1;
      if (!(a & 0x80)) sector -= sector % lba;
      what = "write " + std::to_string(sector) + "+" + std::to_string(n);
      uint64_t assigned = 0;
      const S want = ref.write(sector, n, salt, false, &assigned);
      expect(c.write(sector, testing::pattern(sector, n * 512, salt)), want, what);
    } else if (kind == 3) {
      const uint64_t n = lba * (1 + b % (20 / lba + 1));
      const uint64_t sector = a & 1 ? zstart + lba : zstart;
      what = "append " + std::to_string(sector) + "+" + std::to_string(n);
      uint64_t assigned = 0;
      const S want = ref.write(sector, n, salt, true, &assigned);
      const AppendResult r = c.append(sector, testing::pattern(want == S::kOk ? assigned : 0, n * 512, salt));
      expect(r.status, want, what);
      if (want == S::kOk && r.sector != assigned) {
        mismatch(what, "assigned " + std::to_string(r.sector) + ", model " + std::to_string(assigned));
      }
    } else if (kind == 4) {
      static constexpr ZoneOp kOps[] = {ZoneOp::kOpen, ZoneOp::kClose, ZoneOp::kFinish, ZoneOp::kReset};
      const ZoneOp zop = kOps[b % 4];
      const uint64_t sector = a & 1 ? zstart + lba : zstart;
      what = std::string(to_string(zop)) + " " + std::to_string(sector);
      expect(c.zone_op(zop, sector), ref.zone_op(zop, sector), what);
    } else if (kind == 5) {
      what = "reset-all";
      ref.reset_all();
      expect(c.reset_all(), S::kOk, what);
    } else if (kind == 6) {
      uint32_t faulty = 0;
      for (auto& z : ref.z) faulty += z.cond == C::kReadOnly || z.cond == C::kOffline;
      if (faulty >= 2 && ref.z[zi].cond != C::kReadOnly) continue;  // keep most zones usable
      const C cond = a & 1 ? C::kReadOnly : C::kOffline;
      what = "inject " + std::string(to_string(cond)) + " zone " + std::to_string(zi);
      expect(f.engine->inject_condition(zstart, cond), ref.inject(zi, cond), what);
    } else {
      uint64_t sector = (uint64_t{a} << 8 | b) % (kZones * kZoneSec);
      sector -= sector % lba;
      const uint64_t n = std::min<uint64_t>(lba * (1 + a % (64 / lba)), kZones * kZoneSec - sector);
      what = "read " + std::to_string(sector) + "+" + std::to_string(n);
      std::vector<uint8_t> buf(n * 512, 0xAA);
      bool offline = false;
      for (uint64_t s = sector; s < sector + n; s += kZoneSec - s % kZoneSec) {
        offline |= ref.z[s / kZoneSec].cond == C::kOffline && s / kZoneSec >= kConv;
      }
      const S st = c.read(sector, buf);
      expect(st, offline ? S::kZoneOffline : S::kOk, what);
      if (st == S::kOk) {
        for (uint64_t s = sector; s < sector + n; ++s) {
          const uint32_t zone = static_cast<uint32_t>(s / kZoneSec);
          const uint32_t want = s % kZoneSec < ref.visible(zone) ? ref.data[s] : 0;
          std::span<const uint8_t> got(buf.data() + (s - sector) * 512, 512);
          const bool ok = want ? testing::first_mismatch(got, s, want) == -1
                               : std::all_of(got.begin(), got.end(), [](uint8_t x) { return x == 0; });
          if (!ok) mismatch(what, "data of sector " + std::to_string(s));
        }
      }
    }
    for (uint32_t i = kConv; i < kZones; ++i) {
      const ZoneDescriptor d = f.engine->zone(i);
      if (d.cond != ref.z[i].cond) {
        mismatch(what, "zone " + std::to_string(i) + " is " + std::string(to_string(d.cond)) + ", model " +
                           std::string(to_string(ref.z[i].cond)));
      }
      if (d.cond != C::kFull && d.cond != C::kOffline && d.cond != C::kReadOnly && d.wp != i * kZoneSec + ref.z[i].wp) {
        mismatch(what, "zone " + std::to_string(i) + " wp " + std::to_string(d.wp));
      }
      if (d.non_seq != ref.z[i].non_seq) mismatch(what, "zone " + std::to_string(i) + " non_seq");
    }
    const auto counts = f.engine->resource_counts();
    if (counts.open != ref.count(is_open)) mismatch(what, "open count " + std::to_string(counts.open));
    if (counts.active != ref.count(is_active)) mismatch(what, "active count " + std::to_string(counts.active));
  }
}

}  // namespace
}  // namespace zvmm::zoned

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zvmm::fuzz::Input in(data, size);
  try {
    zvmm::zoned::run(in);
  } catch (const std::invalid_argument&) {
    // A geometry the engine refuses (checked before any operation).
  }
  return 0;
}
