// zvmm's control-socket commands (docs/usage.md "Control socket" documents
// each with an example) over the protocol layer (qmp_server.h):
//   query-status, quit, power-cut, query-disks, query-zones,
//   zone-set-condition, zone-reset, zone-finish, zone-open, zone-close,
//   inject-error, clear-errors
// and the events ZONE_CONDITION_CHANGED (emitted here), GUEST_STATUS and
// SHUTDOWN (emitted by Vmm::run).
//
// Handlers run on the event loop's thread. Disks are reached only through
// thread-safe calls: ZonedDevice::report_zones, ZoneEngine::inject_condition
// and resource_counts, the InstrumentedDevice's counters and fault rules, and
// host-side zone operations through a SyncZoneClient on the disk's inner
// device (its own queue, as one more front-end queue would; not counted in the
// guest's I/O counters and not subject to injected faults).
#pragma once

#include <atomic>
#include <string>

#include "vmm/control/qmp_server.h"
#include "vmm/disks.h"
#include "vmm/vm_stop.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zvmm::control {

// What a stop requested through the socket was (Vmm::run reads it).
enum class ControlStop { kNone, kQuit, kPowerCut };

struct ControlTarget {
  Disks& disks;
  VmStop& stop;
  std::atomic<ControlStop>& requested;
};

// Adds every command above to `server`.
void add_zvmm_commands(QmpServer& server, ControlTarget target);

// Names used on the wire. Zone statuses: "io-error", "zone-offline",
// "zone-read-only", "zone-full", "invalid-transition", "open-resource",
// "active-resource", "unaligned-write", "boundary-error", "invalid-zone-op",
// "invalid-field", "out-of-range", "misaligned", "append-too-large", "ok".
std::string status_name(zoned::ZoneStatus s);
bool parse_status_name(const std::string& name, zoned::ZoneStatus& out);

}  // namespace zvmm::control
