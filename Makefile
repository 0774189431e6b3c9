# zvmm: `make demo` and `make test` work on a fresh Debian 12 machine.
BAZEL ?= bazel

.PHONY: all setup build images test unit-test guest-test tsan-test demo bench clean

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
	$(BAZEL) test --config=tsan //zoned:zone_concurrency_test

unit-test: setup
	$(BAZEL) test --test_tag_filters=-guest //...

guest-test: setup
	$(BAZEL) test --test_tag_filters=guest //...

tsan-test: setup
	$(BAZEL) test --config=tsan //zoned:zone_concurrency_test

demo: setup
	@tools/demo.sh

bench: setup
	@tools/bench.sh

clean:
	$(BAZEL) clean
