#include "devices/nvme/nvme_controller.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "block/io_vecs.h"
#include "base/le.h"
#include "devices/nvme/admin_capabilities.h"
#include "devices/nvme/admin_reply.h"
#include "devices/nvme/changed_zone_list.h"
#include "devices/nvme/controller_regs.h"
#include "devices/nvme/features.h"
#include "devices/nvme/identify.h"
#include "devices/nvme/log_pages.h"
#include "devices/nvme/io_commands.h"
#include "devices/nvme/io_sq.h"
#include "devices/nvme/nvme_command.h"
#include "devices/nvme/prp.h"
#include "devices/nvme/queue_ring.h"
#include "devices/nvme/shared_cq.h"
#include "devices/nvme/zns_commands.h"
#include "devices/worker_thread.h"

namespace zvmm::nvme {

namespace {

Status generic(GenericStatus s) { return Status::generic(s, true); }
Status specific(CommandSpecificStatus s) { return Status::specific(s, true); }

// What an admin command produced.
struct AdminOutcome {
  Status status;
  uint32_t dw0 = 0;
  bool held = false;  // an Asynchronous Event Request: completed later
};

// Asynchronous Event Configuration bit enabling a notice (Notice type info).
constexpr uint8_t kZoneDescriptorChangedInfo = 0xef;  // Notice info EFh
constexpr uint8_t kChangedZoneListLid = 0xbf;         // its log page

std::optional<uint32_t> notice_aec_bit(uint8_t info) {
  switch (info) {
    case 0x00: return 1u << 8;   // Namespace Attribute Notices
    case 0x01: return 1u << 9;   // Firmware Activation Notices
    case 0x03: return 1u << 11;  // Asymmetric Namespace Access Change
    case 0xef: return 1u << 27;  // Zone Descriptor Changed Notices
    default: return std::nullopt;
  }
}

}  // namespace

class NvmeController::Impl {
 public:
  Impl(ControllerConfig config, const GuestMemory& mem, NvmeInterrupt& irq)
      : config_((config.validate(), std::move(config))),
        mem_(mem),
        irq_(irq),
        caps_(make_capabilities(config_)),
        namespaces_(make_namespaces(config_, caps_)),
        nvm_only_config_(without_zoned_namespaces(config_, caps_)),
        features_(config_, caps_),
        io_ctx_{mem_, PrpLimits(config_.mdts), namespaces_, health_, errors_},
        regs_(config_.registers),
        sqs_(size_t{config_.max_io_queues} + 1),
        cqs_(size_t{config_.max_io_queues} + 1) {
    io_ctx_.zoned.append_limit_bytes = zone_append_limit_bytes(caps_.zone_append_size_limit, config_.mdts);
    for (const IoNamespace& ns : namespaces_) {
      changed_zones_.push_back(ns.zns ? std::make_unique<ChangedZoneList>() : nullptr);
    }
  }

  ~Impl() { stop(); }

  const ControllerConfig& config() const { return config_; }

  void mmio_read(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    if (offset < reg::kRegisterFileBytes) {
      std::lock_guard lock(mu_);
      regs_.read(offset, data);
    }
    // Doorbells are write-only: they read 0.
  }

  void mmio_write(uint64_t offset, std::span<const uint8_t> data) {
    bool changed = false;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      if (offset < reg::kRegisterFileBytes) {
        if (auto ev = regs_.write(offset, data)) changed = handle_event(*ev);
      } else if (auto db = decode_doorbell(offset, data.size(), config_.max_io_queues)) {
        doorbell_write(*db, load_le<uint32_t>(data));
      }
      changed = std::exchange(pending_doorbells_changed_, false) || changed;
    }
    if (changed) notify_doorbells_changed();
  }

  std::vector<NvmeDoorbell> doorbells() const {
    std::lock_guard lock(mu_);
    std::vector<NvmeDoorbell> out;
    if (!shadow_) return out;
    for (const IoSq& sq : sqs_) {
      if (sq.queue) out.push_back({sq_tail_doorbell(sq.queue->qid()), &sq.queue->doorbell()});
    }
    return out;
  }

  void set_doorbells_changed(std::function<void()> callback) {
    std::lock_guard lock(mu_);
    doorbells_changed_ = std::move(callback);
  }

  void raise_async_event(AsyncEventType type, uint8_t info, uint8_t log_page) {
    std::lock_guard lock(aer_mu_);
    if (type == AsyncEventType::kNotice) {
      auto bit = notice_aec_bit(info);
      if (!bit || !(features_.async_event_config() & *bit)) return;
    } else if (type == AsyncEventType::kSmartHealth) {
      if (!(features_.async_event_config() & 0xff)) return;
    }
    const auto t = static_cast<uint8_t>(type);
    if (masked_types_ & (1u << t)) return;  // one per type until its log page is read
    events_.push_back(uint32_t{t} | uint32_t{info} << 8 | uint32_t{log_page} << 16);
    masked_types_ |= 1u << t;
    deliver_events_locked();
  }

  bool zone_changed(uint32_t nsid, uint64_t sector) {
    for (size_t i = 0; i < namespaces_.size(); ++i) {
      const IoNamespace& ns = namespaces_[i];
      if (ns.nsid != nsid || !ns.zns) continue;
      const zoned::ZoneGeometry& g = ns.device->geometry();
      if (sector >= g.device_sectors()) return false;
      changed_zones_[i]->add(ns.zns->lba(g.zone_start(g.zone_index(sector))));
      // Dropped unless enabled (AEC bit 27), and masked while a Notice is
      // outstanding (until the host reads log BFh with RAE 0): the list
      // keeps every change meanwhile.
      raise_async_event(AsyncEventType::kNotice, kZoneDescriptorChangedInfo, kChangedZoneListLid);
      return true;
    }
    return false;
  }

  void reset() {
    bool changed;
    {
      std::lock_guard lock(mu_);
      changed = teardown();
      regs_.reset();
    }
    if (changed) notify_doorbells_changed();
  }

  void stop() {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    teardown();
    stopped_ = true;
  }

 private:
  struct IoSq {
    // The SQ tail doorbell's EventFd: one per queue id for the controller's
    // life (PciRoot may still hold it registered while a queue is deleted).
    EventFd doorbell;
    std::unique_ptr<IoSubmissionQueue> queue;
    std::unique_ptr<devices::WorkerThread> worker;  // null once stopped (shutdown)
  };
  struct Shadow {
    std::span<uint8_t> doorbells;  // PRP1 page
    std::span<uint8_t> event_idx;  // PRP2 page
    ShadowSlot slot(uint16_t qid, bool sq) const {
      return ShadowSlot::for_queue(doorbells, event_idx, qid, sq);
    }
  };

  // What this controller implements (Identify, the features and the effects
  // log follow it). The Zoned Namespace command set is offered when a
  // namespace is zoned (host-managed: ControllerConfig::validate() made sure
  // ZNS can serve it): Zone Management Send/Receive and Zone Append, ZASL
  // from the smallest max append size of the zoned namespaces and MDTS, and
  // Zone Descriptor Changed notices (OAES bit 27; zone_changed()).
  static AdminCapabilities make_capabilities(const ControllerConfig& c) {
    AdminCapabilities caps;
    caps.flush_broadcast = true;  // IoSubmissionQueue flushes every namespace for NSID FFFFFFFFh
    uint64_t min_append_bytes = 0;
    for (const NamespaceConfig& ns : c.namespaces) {
      if (ns.device->model() != zoned::ZonedModel::kHostManaged) continue;
      const uint64_t bytes = ns.device->max_append_sectors() * zoned::kSectorSize;
      min_append_bytes = caps.zoned_command_set ? std::min(min_append_bytes, bytes) : bytes;
      caps.zoned_command_set = true;
    }
    if (caps.zoned_command_set) {
      caps.zoned_io_opcodes.assign(std::begin(kZonedIoOpcodes), std::end(kZonedIoOpcodes));
      caps.zone_append_size_limit = zone_append_size_limit(min_append_bytes, c.mdts);
      caps.zone_descriptor_changed_notices = true;
    }
    return caps;
  }

  static std::vector<IoNamespace> make_namespaces(const ControllerConfig& c, const AdminCapabilities& caps) {
    std::vector<IoNamespace> v;
    for (const NamespaceConfig& ns : c.namespaces) {
      v.push_back(IoNamespace::from(ns, namespace_csi(ns, caps) == csi::kZoned));
    }
    return v;
  }

  // What Identify and Get Log Page see while CC.CSS is 000b (NVM command set
  // only): the zoned namespaces are inactive then (decode_io_command treats
  // them alike), as in QEMU, which attaches a zoned namespace only when
  // CC.CSS selects all I/O command sets.
  static ControllerConfig without_zoned_namespaces(const ControllerConfig& c, const AdminCapabilities& caps) {
    ControllerConfig out = c;
    std::erase_if(out.namespaces,
                  [&](const NamespaceConfig& ns) { return namespace_csi(ns, caps) == csi::kZoned; });
    return out;
  }
  const ControllerConfig& visible_config() const { return css_all_ ? config_ : nvm_only_config_; }

  void notify_doorbells_changed() {
    std::function<void()> cb;
    {
      std::lock_guard lock(mu_);
      cb = doorbells_changed_;
    }
    if (cb) cb();
  }

  // ---- Lifecycle (under mu_) ----

  // Returns whether the doorbell list changed.
  bool handle_event(const ControllerEvent& ev) {
    if (const auto* e = std::get_if<EnableEvent>(&ev)) {
      admin_sq_ = SubmissionQueue::create(mem_, 0, e->admin.sq_base, e->admin.sq_entries);
      auto cq = CompletionQueue::create(mem_, 0, e->admin.cq_base, e->admin.cq_entries, 0, true);
      if (!admin_sq_ || !cq) {
        std::fprintf(stderr, "nvme: admin queues outside guest RAM (ASQ 0x%llx, ACQ 0x%llx): CSTS.CFS\n",
                     static_cast<unsigned long long>(e->admin.sq_base),
                     static_cast<unsigned long long>(e->admin.cq_base));
        admin_sq_.reset();
        regs_.set_fatal();
        return false;
      }
      // CC.CSS is frozen while enabled, and no I/O SQ exists yet (teardown
      // deleted them), so the SQ workers started later see this setting.
      css_all_ = e->css == cc::kCssAllIoSets;
      io_ctx_.zoned.enabled = css_all_;
      std::lock_guard lock(aer_mu_);
      admin_cq_ = std::make_shared<SharedCq>(std::move(*cq), irq_);
      admin_sq_head_.store(0);
      return false;
    }
    if (std::holds_alternative<ResetEvent>(ev)) return teardown();
    const bool abrupt = std::get<ShutdownEvent>(ev).abrupt;
    shutdown(abrupt);
    return false;
  }

  // Controller reset: every queue stopped (in-flight I/O completes into the
  // engine, its completions dropped) and deleted, shadow doorbells and AERs
  // forgotten. Returns whether the doorbell list changed.
  bool teardown() {
    const bool changed = shadow_ && std::any_of(sqs_.begin(), sqs_.end(),
                                                [](const IoSq& s) { return s.queue != nullptr; });
    for (IoSq& sq : sqs_) {
      if (sq.queue) sq.queue->drop_completions();
    }
    for (IoSq& sq : sqs_) {
      sq.worker.reset();  // joins after quiesce()
      sq.queue.reset();
    }
    for (auto& cq : cqs_) cq.reset();
    {
      std::lock_guard lock(aer_mu_);
      aer_cids_.clear();
      events_.clear();
      masked_types_ = 0;
      admin_cq_.reset();
    }
    features_.reset();
    admin_sq_.reset();
    shadow_.reset();
    shutting_down_ = false;
    on_controller_reset_for_zoned_namespaces();
    return changed;
  }

  // Issue 12's rule for a controller level reset (CC.EN 1 -> 0, also a PCI
  // reset and VMM exit) and a shutdown (CC.SHN): the zoned namespaces' open
  // zones become closed (EMPTY when nothing is written), as at power on
  // (ZonedDevice::power_cycle_zones(); docs/zoned-model.md "Restart").
  // Called with every I/O queue stopped: the commands in flight completed
  // into the engine. NVM namespaces: nothing (already consistent). The
  // Changed Zone Lists are namespace state and stay.
  void on_controller_reset_for_zoned_namespaces() {
    for (const IoNamespace& ns : namespaces_) {
      if (ns.zns) ns.device->power_cycle_zones();
    }
  }

  // CC.SHN: stop fetching (workers stopped; completions of what was in
  // flight are still posted), flush every namespace, then SHST = 10b.
  void shutdown(bool abrupt) {
    shutting_down_ = true;
    for (IoSq& sq : sqs_) sq.worker.reset();
    on_controller_reset_for_zoned_namespaces();  // before the flush, which persists it
    for (const IoNamespace& ns : namespaces_) {
      try {
        auto q = ns.device->open_queue(1);
        bool done = false;
        zoned::ZoneStatus result = zoned::ZoneStatus::kOk;
        q->flush([&](zoned::ZoneStatus s) {
          result = s;
          done = true;
        });
        while (!done) q->wait();
        if (result != zoned::ZoneStatus::kOk) {
          std::fprintf(stderr, "nvme: namespace %u: flush at shutdown failed: %s\n", ns.nsid,
                       std::string(zoned::to_string(result)).c_str());
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nvme: namespace %u: flush at shutdown: %s\n", ns.nsid, e.what());
      }
    }
    (void)abrupt;  // an abrupt shutdown is not promised a flush; zvmm flushes anyway
    regs_.shutdown_complete();
  }

  bool accepting_commands() const {
    return regs_.ready() && !regs_.fatal() && !shutting_down_ &&
           regs_.shutdown_status() == ShutdownStatus::kNormal;
  }

  // ---- Doorbells (under mu_) ----

  void doorbell_write(const Doorbell& db, uint32_t value) {
    if (db.qid == 0) {
      if (!admin_sq_ || !admin_cq_) return;
      if (db.kind == Doorbell::kSqTail) {
        if (!admin_sq_->set_tail(value)) return invalid_doorbell(0x01);
      } else if (!admin_cq_->head_doorbell(value)) {
        // The host claims entries the controller never posted: it has lost
        // track of its own admin queue.
        std::fprintf(stderr, "nvme: admin CQ head doorbell %u is not within the posted entries: CSTS.CFS\n",
                     value);
        regs_.set_fatal();
        return;
      }
      process_admin();
      return;
    }
    if (db.kind == Doorbell::kSqTail) {
      IoSq& sq = sqs_[db.qid];
      if (!sq.queue) return invalid_doorbell(0x00);
      if (!sq.queue->tail_doorbell(value)) invalid_doorbell(0x01);
      return;
    }
    const auto& cq = cqs_[db.qid];
    if (!cq) return invalid_doorbell(0x00);
    if (!cq->head_doorbell(value)) invalid_doorbell(0x01);
  }

  // Error event: 00h Invalid Doorbell Register, 01h Invalid Doorbell Write
  // Value (log page 01h, Error Information), as QEMU does.
  void invalid_doorbell(uint8_t info) { raise_async_event(AsyncEventType::kError, info, 0x01); }

  // ---- Admin queue (under mu_) ----

  // Runs the admin commands the host made available, one at a time, each
  // completion posted as soon as it is known. Stops while the admin CQ has a
  // backlog (the commands stay in the SQ; the CQ head doorbell resumes).
  void process_admin() {
    while (admin_sq_ && accepting_commands() && !admin_sq_->empty() && !admin_cq_->backlogged()) {
      const Sqe sqe = admin_sq_->pop();
      admin_sq_head_.store(admin_sq_->head(), std::memory_order_relaxed);
      AdminOutcome out = execute_admin(sqe);
      if (out.held) continue;
      if (!out.status.ok()) errors_.record({.sqid = 0, .cid = sqe.cid(), .status = out.status, .nsid = sqe.nsid()});
      admin_cq_->post(Cqe{.dw0 = out.dw0,
                          .sq_head = static_cast<uint16_t>(admin_sq_->head()),
                          .sq_id = 0,
                          .cid = sqe.cid(),
                          .status = out.status.field()});
    }
    std::lock_guard lock(aer_mu_);
    deliver_events_locked();
  }

  AdminOutcome execute_admin(const Sqe& sqe) {
    if (sqe.fuse() != 0 || sqe.psdt() != 0) return {generic(GenericStatus::kInvalidField)};
    switch (sqe.opcode()) {
      case admin_opcode::kCreateIoCq: return create_io_cq(sqe);
      case admin_opcode::kCreateIoSq: return create_io_sq(sqe);
      case admin_opcode::kDeleteIoSq: return delete_io_sq(sqe);
      case admin_opcode::kDeleteIoCq: return delete_io_cq(sqe);
      case admin_opcode::kAbort: return {Status::success(), 1};  // not aborted
      case admin_opcode::kAsyncEventRequest: return async_event_request(sqe);
      case admin_opcode::kKeepAlive: return {Status::success()};
      case admin_opcode::kDoorbellBufferConfig: return doorbell_buffer_config(sqe);
      case admin_opcode::kIdentify: return identify(sqe);
      case admin_opcode::kGetFeatures: return get_features(sqe);
      case admin_opcode::kSetFeatures: return set_features(sqe);
      case admin_opcode::kGetLogPage: return get_log_page(sqe);
      default: return {generic(GenericStatus::kInvalidOpcode)};
    }
  }

  static uint16_t qid_of(const Sqe& sqe) { return sqe.cdw(10) & 0xffff; }
  static uint32_t qsize_of(const Sqe& sqe) { return (sqe.cdw(10) >> 16) + 1; }  // entries

  std::optional<Status> check_qsize(uint32_t entries) const {
    if (entries < 2 || entries - 1 > config_.registers.mqes) {
      return specific(CommandSpecificStatus::kInvalidQueueSize);
    }
    return std::nullopt;
  }

  AdminOutcome create_io_cq(const Sqe& sqe) {
    const uint16_t qid = qid_of(sqe);
    const uint32_t entries = qsize_of(sqe);
    const uint32_t cdw11 = sqe.cdw(11);
    const bool pc = cdw11 & 1, ien = cdw11 & 2;
    const uint16_t iv = cdw11 >> 16;
    if (qid == 0 || qid > config_.max_io_queues || cqs_[qid]) {
      return {specific(CommandSpecificStatus::kInvalidQueueIdentifier)};
    }
    if (auto s = check_qsize(entries)) return {*s};
    if (regs_.iocqes() != 4) return {specific(CommandSpecificStatus::kInvalidQueueSize)};
    if (sqe.prp1() % kMemoryPageSize) return {generic(GenericStatus::kInvalidPrpOffset)};
    if (!pc) return {generic(GenericStatus::kInvalidField)};
    if (ien && iv >= NvmeController::msix_vectors(config_)) {
      return {specific(CommandSpecificStatus::kInvalidInterruptVector)};
    }
    auto ring = CompletionQueue::create(mem_, qid, sqe.prp1(), entries, iv, ien);
    if (!ring) return {generic(GenericStatus::kInvalidField)};
    if (shadow_) ring->enable_shadow(shadow_->slot(qid, false));
    cqs_[qid] = std::make_shared<SharedCq>(std::move(*ring), irq_);
    return {Status::success()};
  }

  AdminOutcome create_io_sq(const Sqe& sqe) {
    const uint16_t qid = qid_of(sqe);
    const uint32_t entries = qsize_of(sqe);
    const uint32_t cdw11 = sqe.cdw(11);
    const bool pc = cdw11 & 1;
    const uint16_t cqid = cdw11 >> 16;
    if (cqid == 0 || cqid > config_.max_io_queues || !cqs_[cqid]) {
      return {specific(CommandSpecificStatus::kCompletionQueueInvalid)};
    }
    if (qid == 0 || qid > config_.max_io_queues || sqs_[qid].queue) {
      return {specific(CommandSpecificStatus::kInvalidQueueIdentifier)};
    }
    if (auto s = check_qsize(entries)) return {*s};
    if (regs_.iosqes() != 6) return {specific(CommandSpecificStatus::kInvalidQueueSize)};
    if (sqe.prp1() % kMemoryPageSize) return {generic(GenericStatus::kInvalidPrpOffset)};
    if (!pc) return {generic(GenericStatus::kInvalidField)};
    auto ring = SubmissionQueue::create(mem_, qid, sqe.prp1(), entries);
    if (!ring) return {generic(GenericStatus::kInvalidField)};
    IoSq& sq = sqs_[qid];
    try {
      sq.queue = std::make_unique<IoSubmissionQueue>(io_ctx_, std::move(*ring), cqs_[cqid], sq.doorbell);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nvme: Create I/O SQ %u: %s\n", qid, e.what());
      return {Status::generic(GenericStatus::kInternalError, false)};
    }
    if (shadow_) {
      sq.queue->enable_shadow(shadow_->slot(qid, true));
      pending_doorbells_changed_ = true;
    }
    ++cqs_[cqid]->sq_count;
    start_worker(sq);
    return {Status::success()};
  }

  void start_worker(IoSq& sq) {
    IoSubmissionQueue* q = sq.queue.get();
    const devices::KickYield policy = config_.kick_yield;
    sq.worker = std::make_unique<devices::WorkerThread>([q, policy](int stop_fd) {
      try {
        devices::run_queue_worker(*q, q->doorbell(), stop_fd, policy);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nvme: I/O SQ %u worker: %s\n", q->qid(), e.what());
      }
    });
  }

  AdminOutcome delete_io_sq(const Sqe& sqe) {
    const uint16_t qid = qid_of(sqe);
    if (qid == 0 || qid > config_.max_io_queues || !sqs_[qid].queue) {
      return {specific(CommandSpecificStatus::kInvalidQueueIdentifier)};
    }
    IoSq& sq = sqs_[qid];
    // The worker stops fetching and waits for the commands in flight; their
    // completions are posted before this command's.
    sq.worker.reset();
    --sq.queue->cq()->sq_count;
    sq.queue.reset();
    if (shadow_) pending_doorbells_changed_ = true;
    return {Status::success()};
  }

  AdminOutcome delete_io_cq(const Sqe& sqe) {
    const uint16_t qid = qid_of(sqe);
    if (qid == 0 || qid > config_.max_io_queues || !cqs_[qid]) {
      return {specific(CommandSpecificStatus::kInvalidQueueIdentifier)};
    }
    if (cqs_[qid]->sq_count > 0) return {specific(CommandSpecificStatus::kInvalidQueueDeletion)};
    cqs_[qid].reset();
    return {Status::success()};
  }

  AdminOutcome async_event_request(const Sqe& sqe) {
    std::lock_guard lock(aer_mu_);
    if (aer_cids_.size() >= size_t{caps_.async_event_request_limit} + 1) {
      return {specific(CommandSpecificStatus::kAsyncEventRequestLimitExceeded)};
    }
    aer_cids_.push_back(sqe.cid());
    return {.held = true};
  }

  // Completes held AERs with queued events (aer_mu_ held).
  void deliver_events_locked() {
    while (admin_cq_ && !aer_cids_.empty() && !events_.empty()) {
      const uint16_t cid = aer_cids_.front();
      aer_cids_.pop_front();
      const uint32_t dw0 = events_.front();
      events_.pop_front();
      admin_cq_->post(Cqe{.dw0 = dw0,
                          .sq_head = static_cast<uint16_t>(admin_sq_head_hint()),
                          .sq_id = 0,
                          .cid = cid,
                          .status = Status::success().field()});
    }
  }
  // SQHD for completions posted outside an admin pass (read racily: the
  // host uses SQHD only to learn about free SQ slots, and a stale value is
  // merely conservative).
  uint32_t admin_sq_head_hint() const { return admin_sq_head_.load(std::memory_order_relaxed); }

  AdminOutcome doorbell_buffer_config(const Sqe& sqe) {
    const uint64_t db = sqe.prp1(), ei = sqe.prp2();
    if (db % kMemoryPageSize || ei % kMemoryPageSize) return {generic(GenericStatus::kInvalidField)};
    auto db_page = mem_.slice(db, kMemoryPageSize);
    auto ei_page = mem_.slice(ei, kMemoryPageSize);
    if (!db_page || !ei_page || db == ei) return {generic(GenericStatus::kInvalidField)};
    shadow_ = Shadow{*db_page, *ei_page};
    // Existing I/O queues switch now (Linux sends this after creating them).
    for (uint16_t qid = 1; qid <= config_.max_io_queues; ++qid) {
      if (cqs_[qid]) cqs_[qid]->enable_shadow(shadow_->slot(qid, false));
      if (sqs_[qid].queue) sqs_[qid].queue->enable_shadow(shadow_->slot(qid, true));
    }
    pending_doorbells_changed_ = true;
    return {Status::success()};
  }

  // Copies `data` (zero padded) to the command's PRPs, `length` bytes.
  Status copy_to_host(const Sqe& sqe, std::span<const uint8_t> data, uint64_t length) {
    std::vector<iovec> iov;
    if (auto e = map_prps(mem_, {.prp1 = sqe.prp1(), .prp2 = sqe.prp2(), .length = length},
                          io_ctx_.limits, iov)) {
      return generic(e->status);
    }
    block::copy_to_zero_padded(iov, data);
    return Status::success();
  }

  // ---- Identify / Features / Log pages: nvme-data's builders; the reply's
  // data goes to the command's PRPs, the transfer length being the
  // command's (Identify 4096 bytes, Get Log Page NUMD dwords).

  AdminOutcome send_reply(const Sqe& sqe, const AdminReply& reply, uint64_t length) {
    if (!reply.status.ok()) return {reply.status, reply.dw0};
    if (length > 0) {
      const Status s = copy_to_host(sqe, reply.data, length);
      if (!s.ok()) return {s};
    }
    return {Status::success(), reply.dw0};
  }

  AdminOutcome identify(const Sqe& sqe) {
    return send_reply(sqe, nvme::identify(visible_config(), sqe, caps_), 4096);
  }

  AdminOutcome get_features(const Sqe& sqe) { return send_reply(sqe, features_.get(sqe), 0); }

  AdminOutcome set_features(const Sqe& sqe) {
    const bool io_queues = std::any_of(cqs_.begin(), cqs_.end(), [](const auto& c) { return c != nullptr; });
    AdminOutcome out = send_reply(sqe, features_.set(sqe, io_queues), 0);
    // A new Asynchronous Event Configuration may enable events held back.
    return out;
  }

  AdminOutcome get_log_page(const Sqe& sqe) {
    const GetLogPageCommand cmd = parse_get_log_page(sqe);
    const LogPageSources sources{visible_config(), caps_, health_, errors_, &features_,
                                 [this](uint32_t nsid) { return changed_zone_list(nsid); }};
    AdminReply reply = nvme::get_log_page(sqe, sources);
    if (reply.status.ok() && !cmd.rae) unmask_events_for_log(cmd.lid);
    return send_reply(sqe, reply, cmd.length);
  }

  ChangedZoneList* changed_zone_list(uint32_t nsid) {
    for (size_t i = 0; i < namespaces_.size(); ++i) {
      if (namespaces_[i].nsid == nsid) return changed_zones_[i].get();
    }
    return nullptr;
  }

  void unmask_events_for_log(uint8_t lid) {
    std::lock_guard lock(aer_mu_);
    // Error events name log 01h, SMART 02h; notices their own log page:
    // 03h firmware slot, 04h changed namespace list, 0Ch ANA, BFh changed
    // zone list. Reading any other page leaves the events masked.
    switch (lid) {
      case 0x01: masked_types_ &= ~(1u << static_cast<uint8_t>(AsyncEventType::kError)); break;
      case 0x02: masked_types_ &= ~(1u << static_cast<uint8_t>(AsyncEventType::kSmartHealth)); break;
      case 0x03:
      case 0x04:
      case 0x0c:
      case kChangedZoneListLid: masked_types_ &= ~(1u << static_cast<uint8_t>(AsyncEventType::kNotice)); break;
      default: break;
    }
  }

  // ---- State ----
  const ControllerConfig config_;
  const GuestMemory& mem_;
  NvmeInterrupt& irq_;
  const AdminCapabilities caps_;
  const std::vector<IoNamespace> namespaces_;
  const ControllerConfig nvm_only_config_;  // config_ without the zoned namespaces
  std::vector<std::unique_ptr<ChangedZoneList>> changed_zones_;  // as namespaces_; null: NVM
  FeatureStore features_;  // thread-safe accessors; get/set under mu_
  HealthCounters health_;
  ErrorLog errors_;
  IoContext io_ctx_;  // .zoned.enabled changes at enable, while no I/O SQ exists

  mutable std::mutex mu_;  // registers, admin queue, queue tables, shadow_
  ControllerRegisters regs_;
  std::optional<SubmissionQueue> admin_sq_;
  std::atomic<uint32_t> admin_sq_head_{0};
  std::vector<IoSq> sqs_;                         // by qid; [0] unused
  std::vector<std::shared_ptr<SharedCq>> cqs_;    // by qid; [0] unused
  std::optional<Shadow> shadow_;
  bool shutting_down_ = false;
  bool stopped_ = false;
  bool css_all_ = false;  // CC.CSS = 110b at the last enable
  bool pending_doorbells_changed_ = false;
  std::function<void()> doorbells_changed_;

  std::mutex aer_mu_;  // after mu_ if both; before any SharedCq's lock
  std::shared_ptr<SharedCq> admin_cq_;  // set/reset under mu_ and aer_mu_
  std::deque<uint16_t> aer_cids_;       // held Asynchronous Event Requests
  std::deque<uint32_t> events_;         // events waiting for a request (DW0)
  uint32_t masked_types_ = 0;           // bit per AsyncEventType reported and not yet read
};

NvmeController::NvmeController(ControllerConfig config, const GuestMemory& mem, NvmeInterrupt& irq)
    : impl_(std::make_unique<Impl>(std::move(config), mem, irq)) {}
NvmeController::~NvmeController() = default;
const ControllerConfig& NvmeController::config() const { return impl_->config(); }
void NvmeController::mmio_read(uint64_t offset, std::span<uint8_t> data) { impl_->mmio_read(offset, data); }
void NvmeController::mmio_write(uint64_t offset, std::span<const uint8_t> data) {
  impl_->mmio_write(offset, data);
}
std::vector<NvmeDoorbell> NvmeController::doorbells() const { return impl_->doorbells(); }
void NvmeController::set_doorbells_changed(std::function<void()> callback) {
  impl_->set_doorbells_changed(std::move(callback));
}
void NvmeController::raise_async_event(AsyncEventType type, uint8_t info, uint8_t log_page) {
  impl_->raise_async_event(type, info, log_page);
}
bool NvmeController::zone_changed(uint32_t nsid, uint64_t sector) { return impl_->zone_changed(nsid, sector); }
void NvmeController::reset() { impl_->reset(); }
void NvmeController::stop() { impl_->stop(); }

}  // namespace zvmm::nvme
