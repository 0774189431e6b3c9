# zvmm: `make demo` and `make test` work on a fresh Debian 12 machine.
BAZEL ?= bazel
# The bazel command for the example workspace: its own, new output base each run.
BAZEL_EXAMPLE ?= bazel

.PHONY: all setup build images test unit-test guest-test tsan-test asan-test example-test fuzz demo bench clean

all: build

setup:
	@tools/setup.sh

build: setup
	$(BAZEL) build //...

images: setup
	$(BAZEL) build //guest-images:image //tests/kvm-host:host_image_6.12

# Every test: unit tests, guest tests (through the emulated KVM host when this
# machine cannot boot Linux guests itself) and the ThreadSanitizer run.
test: setup
	$(BAZEL) test //...
	$(MAKE) --no-print-directory asan-test
	$(MAKE) --no-print-directory tsan-test
	$(MAKE) --no-print-directory example-test

unit-test: setup
	$(BAZEL) test --test_tag_filters=-guest //...

guest-test: setup
	$(BAZEL) test --test_tag_filters=guest //...

# ThreadSanitizer over the code that runs on many threads at once; the
# concurrency test repeats because races show up only in some interleavings.
# (Not the virtio tests: the rings live in guest memory, shared with the guest by
# design and ordered with fences around plain loads and stores, which TSan reports.)
TSAN_TESTS := //zoned:zone_concurrency_test //zoned:zone_engine_test //zoned:zoned_device_test \
	//zoned:zone_inflight_model_test //zoned:zone_stall_test \
	//block:file_backend_test

tsan-test: setup
	$(BAZEL) test --config=tsan --runs_per_test=//zoned:zone_concurrency_test@10 $(TSAN_TESTS)

# AddressSanitizer + UndefinedBehaviorSanitizer (g++) over the unit tests of
# the code guests, images, the command line and the control socket reach, with
# the fuzz targets' corpus replays (docs/testing.md "Fuzzing"). Not the VM
# setup tests of vmm/ (a cold ASan build of every unit test took over 10 min on
# 2 cores, beyond make test's budget), nor the tests that run the -static zvmm
# or zvmm-ctl binaries, which cannot link with the sanitizers.
ASAN_TESTS ?= -- //base/... //block/... //devices/... //zoned/... //vmm/control/... \
	-//vmm/control:zvmm_ctl_test \
	//vmm:cli_fuzz //vmm:cli_test //vmm:disk_config_test //vmm:disks_test //vmm:nvme_disks_test

asan-test: setup
	$(BAZEL) test --config=asan --build_tests_only --test_tag_filters=-guest $(ASAN_TESTS)

# examples/bazel-workspace, a workspace that loads @zvmm//tests:defs.bzl, built
# and tested from a new output base (tools/example-test.sh; compiled actions
# from a disk cache under $ZVMM_CACHE).
example-test: setup
	@EXAMPLE_BAZEL="$(BAZEL_EXAMPLE)" tools/example-test.sh

# libFuzzer over every guest- and file-facing parser (clang 14): FUZZ_SECONDS
# per target (default 60). See docs/testing.md "Fuzzing".
fuzz: setup
	@tools/fuzz/run.sh

demo: setup
	@tools/demo.sh

bench: setup
	@tools/bench.sh

clean:
	$(BAZEL) clean
