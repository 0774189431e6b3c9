"""Bazel macros that boot headless Linux guests with zvmm: zvmm_guest_test, zvmm_host_test.

Load them from this repository or from another workspace that declares it:

    load("@zvmm//tests:defs.bzl", "zvmm_guest_test", "zvmm_host_test")

Every label these macros add themselves is a Label() of this file's repository,
so it resolves in zvmm's repository whoever loads them; the labels you pass
(script, kernel, files, programs, modules, data) are resolved in your package,
as usual.

zvmm_guest_test: boot the guest image (//guest-images:bzImage and
//guest-images:initramfs.cpio, or your `kernel`) with a small cpio holding
`script` as /workload.sh (guest-images/make-workload-cpio), under zvmm, through
tests/kvm-host/run: directly when this host's KVM can boot Linux, inside the
emulated KVM host (QEMU TCG, nested KVM) otherwise. The guest's init runs the
script with bash and reports its exit status, so zvmm's exit status is the
script's.

zvmm_host_test: run a script on that (emulated) KVM host instead, which boots
the guest as often as it needs (tests/guest/host_lib.sh) and can look at disk
images and host devices between boots.

Results: $XML_OUTPUT_FILE gets one JUnit test case per check of
tests/guest/lib.sh (`check`, `run`, `fio_json`; host_lib.sh's `hcheck`) plus one
for zvmm's exit status; $TEST_UNDECLARED_OUTPUTS_DIR gets the guest console,
zvmm's stderr, every disk's final zone report and the files the guest sent
with `save_output` (e.g. fio JSON); when no guest could run at all (no usable
KVM, emulated host failed, QEMU missing) $TEST_INFRASTRUCTURE_FAILURE_FILE says
why. docs/testing.md ("Guest tests in your workspace") has the details.
"""

def _zvmm(label):
    return Label(label)

# zvmm, the guest image and the emulated KVM host: what both macros run.
_ZVMM = _zvmm("//vmm:zvmm")
_ZVMM_ZONES = _zvmm("//zoned:zvmm-zones")
_ZVMM_CTL = _zvmm("//vmm/control:zvmm-ctl")
_BZIMAGE = _zvmm("//guest-images:bzImage")
_INITRAMFS = _zvmm("//guest-images:initramfs.cpio")
_MAKE_WORKLOAD = _zvmm("//guest-images:workload_cpio")
_KVM_HOST = _zvmm("//tests/kvm-host:harness")
_RESULTS = _zvmm("//tests/guest:results.sh")
_GUEST_BOOT = _zvmm("//tests/guest:guest_boot.sh")
_HOST_LIB = _zvmm("//tests/guest:host_lib.sh")
_RUN_GUEST_TEST = _zvmm("//tests/guest:run_guest_test.sh")
_RUN_HOST_TEST = _zvmm("//tests/guest:run_host_test.sh")
_HOST_IMAGES = {
    series: [
        _zvmm("//tests/kvm-host:host-%s/vmlinux" % series),
        _zvmm("//tests/kvm-host:host-%s/initramfs.cpio" % series),
    ]
    for series in ["6.12", "6.1"]
}

# The guest lib (`check`, `run`, `finish`, `save_output`, `fio_json`, zone
# helpers): add it to `files` to get /work/lib.sh.
ZVMM_GUEST_LIB = _zvmm("//tests/guest:lib.sh")

def _shell_quote(s):
    # sh_test args are split with Bourne shell rules: keep each value one word.
    return "'" + s.replace("'", "'\\''") + "'"

def _loc(label):
    return "$(rootpath %s)" % label

def _common(kernel, host_kernel):
    """Arguments and runfiles both runners share."""
    if host_kernel not in _HOST_IMAGES:
        fail("host_kernel must be one of %s, got %r" % (sorted(_HOST_IMAGES.keys()), host_kernel))
    host_vmlinux, host_initramfs = _HOST_IMAGES[host_kernel]
    args = [
        "--zvmm",
        _loc(_ZVMM),
        "--zvmm-zones",
        _loc(_ZVMM_ZONES),
        "--kernel",
        _loc(kernel),
        "--initramfs",
        _loc(_INITRAMFS),
        "--make-workload",
        _loc(_MAKE_WORKLOAD),
        "--kvm-host",
        _loc(_KVM_HOST),
        "--host-image",
        _loc(host_vmlinux),
        "--host-kernel",
        host_kernel,
        "--results",
        _loc(_RESULTS),
    ]
    data = [
        _ZVMM,
        _ZVMM_ZONES,
        kernel,
        _INITRAMFS,
        _MAKE_WORKLOAD,
        _KVM_HOST,
        host_vmlinux,
        host_initramfs,
        _RESULTS,
    ]
    return args, data

def _workload_args(files, programs, modules, setup):
    # What both runners take the same way: workload files, programs and
    # modules, and the KVM host's setup commands.
    args = []
    for f in files:
        args += ["--file", _loc(f)]
    for p in programs:
        args += ["--program", _loc(p)]
    for m in modules:
        args += ["--module", _loc(m)]
    for cmd in setup:
        args += ["--setup", _shell_quote(cmd)]
    return args

def _tags(tags):
    # requires-kvm: the Bazel convention for "needs /dev/kvm" (an execution
    # requirement; locally only a tag). guest: `make guest-test` and
    # --test_tag_filters. No "local": the test can be sandboxed, cached and
    # run remotely.
    result = ["guest", "requires-kvm"]
    return result + [t for t in tags if t not in result]

def _guest_test(
        name, script, kernel, modules, files, programs, disks, cpus, memory,
        host_kernel, setup, extra_args, expect_status, expect_output, timeout,
        exec_properties, data, tags, runner, lead_args, **kwargs):
    kernel = kernel or _BZIMAGE
    args, common_data = _common(kernel, host_kernel)
    args += [
        "--guest-boot",
        _loc(_GUEST_BOOT),
        "--script",
        _loc(script),
        "--cpus",
        str(cpus),
        "--memory",
        memory,
        "--expect-status",
        str(expect_status),
    ]
    if expect_output != None:
        args += ["--expect-output", _shell_quote(expect_output)]
    for disk in disks:
        args += ["--disk", _shell_quote(disk)]
    args += _workload_args(files, programs, modules, setup)
    if extra_args:
        args += ["--"] + [_shell_quote(a) for a in extra_args]
    native.sh_test(
        name = name,
        srcs = [runner],
        args = lead_args + args,
        data = common_data + [_GUEST_BOOT, _RUN_GUEST_TEST, script] + files + programs + modules + data,
        tags = _tags(tags),
        timeout = timeout,
        exec_properties = exec_properties,
        **kwargs
    )


def zvmm_guest_test(
        name,
        script,
        kernel = None,
        modules = [],
        files = [],
        programs = [],
        disks = [],
        cpus = 1,
        memory = "512M",
        host_kernel = "6.12",
        setup = [],
        extra_args = [],
        expect_status = 0,
        expect_output = None,
        timeout = "moderate",
        exec_properties = {},
        data = [],
        tags = [],
        **kwargs):
    """A test that boots a guest with zvmm and passes when `script` exits `expect_status`.

    Args:
      name: test name.
      script: label of a bash script, run in the guest as /workload.sh (as
        root, in /root, after the image's init mounted /proc, /sys, /dev,
        /tmp and loaded virtio_blk, mq-deadline, btrfs and zonefs).
      kernel: label of the guest kernel, a bzImage or an uncompressed ELF
        vmlinux (x86-64, 64-bit boot entry). Default: zvmm's Debian 6.12 cloud
        kernel (//guest-images:bzImage). Your kernel boots with zvmm's
        initramfs (busybox, bash, fio, blkzone, nvme-cli, ...): build in what
        the image's modules would give (virtio-blk, NVMe, zoned block
        devices) or pass them as `modules`.
      modules: labels of kernel modules (.ko, .ko.xz or .ko.zst) built for
        `kernel`, insmod'ed in this order before the script runs; one that
        does not load fails the test as check "insmod NAME".
      files: labels of files (or directories) packed into the guest as
        /work/NAME. Add ZVMM_GUEST_LIB (//tests/guest:lib.sh) for the check
        helpers, sourced as `source /work/lib.sh`.
      programs: labels of executables (e.g. your cc_binary) packed as
        /work/bin/NAME, which is on the script's PATH, with the shared
        libraries `ldd` lists for them on this host (libc, libstdc++, ...).
        A cc_binary links its cc_library deps statically by default, which is
        what works; libraries found only through an rpath into Bazel's output
        tree do not come along.
      disks: zvmm --disk SPECs, each given as is: every --disk key works
        (docs/usage.md "Disks"): `virtio-blk,file=IMG,size=...,zone-size=...,
        zone-capacity=...,conventional-zones=N,max-open=N,max-active=N,
        max-append=...,zoned=hm|ha|none,readonly=on|off,queues=N,
        kick-yield=auto|on|off`, `virtio-blk,host=/dev/DEV,...`,
        `nvme,file=IMG,...` with `nsid=N,ctrl=ID,serial=S,queues=N,mdts=N`
        besides the image keys, `nvme,host=/dev/DEV,...`. zvmm runs in a fresh
        empty directory, so a relative `file=IMG` with `size=` is an image
        created for this run; an absolute `file=/path` that exists is brought
        in. `host=` devices exist on the KVM host only after `setup` creates
        them (e.g. null_blk). Each disk's final zone report is an output.
      cpus: zvmm --cpus, guest vCPUs (1-254).
      memory: zvmm --memory, a size such as "512M" or "2G".
      host_kernel: the emulated KVM host's kernel series, "6.12" (default) or
        "6.1" (which still exposes host-aware disks as zoned). Ignored on a
        host whose own KVM boots Linux.
      setup: shell commands run as root on the KVM host before zvmm starts
        (tests/kvm-host/run --setup), e.g. "modprobe null_blk nr_devices=1
        zoned=1". On a direct KVM host they need root and change that host
        (two such tests at once would collide: add tags = ["exclusive"] if
        your tests run there; in the emulated host each test has its own).
      extra_args: more zvmm arguments, e.g. ["--cmdline", "console=ttyS0 ..."].
      expect_status: zvmm's expected exit status (0: the script succeeded;
        7: a guest crash, see docs/usage.md "Exit status").
      expect_output: optional grep -E pattern that the guest console or
        zvmm's stderr must match.
      timeout: Bazel test timeout ("short" 60 s, "moderate" 300 s, "long"
        900 s, "eternal"). The harness stops the boot 10 s before it and
        reports the console's last lines.
      exec_properties: passed to the test as is: the platform properties a
        remote executor matches (e.g. {"OSFamily": "Linux", "kvm": "true"};
        docs/testing.md "Remote execution").
      data: extra runfiles the test needs outside the guest.
      tags: more tags. Always set: "guest", "requires-kvm". No "local": the
        test may be sandboxed, cached and run remotely.
      **kwargs: passed to sh_test (size, flaky, shard_count, visibility, ...).
    """
    _guest_test(
        name, script, kernel, modules, files, programs, disks, cpus, memory,
        host_kernel, setup, extra_args, expect_status, expect_output, timeout,
        exec_properties, data, tags, _RUN_GUEST_TEST, [], **kwargs
    )

def zvmm_guest_test_inspected(name, checker, **kwargs):
    """A guest test run by `checker` instead of directly: for tests of the harness.

    Takes zvmm_guest_test's arguments. The sh_test runs `checker` with the
    guest test runner's path (tests/guest/run_guest_test.sh) and then that
    test's arguments; the checker runs the runner itself (with its own
    XML_OUTPUT_FILE, TEST_UNDECLARED_OUTPUTS_DIR, ...) and inspects what it
    produced. zvmm's //tests/guest:harness_test uses it on a guest test that
    fails on purpose.
    """
    _guest_test(
        name = name,
        script = kwargs.pop("script"),
        kernel = kwargs.pop("kernel", None),
        modules = kwargs.pop("modules", []),
        files = kwargs.pop("files", []),
        programs = kwargs.pop("programs", []),
        disks = kwargs.pop("disks", []),
        cpus = kwargs.pop("cpus", 1),
        memory = kwargs.pop("memory", "512M"),
        host_kernel = kwargs.pop("host_kernel", "6.12"),
        setup = kwargs.pop("setup", []),
        extra_args = kwargs.pop("extra_args", []),
        expect_status = kwargs.pop("expect_status", 0),
        expect_output = kwargs.pop("expect_output", None),
        timeout = kwargs.pop("timeout", "moderate"),
        exec_properties = kwargs.pop("exec_properties", {}),
        data = kwargs.pop("data", []),
        tags = kwargs.pop("tags", []),
        runner = checker,
        lead_args = [_loc(_RUN_GUEST_TEST)],
        **kwargs
    )

def zvmm_host_test(
        name,
        host_script,
        guest_scripts = [],
        files = [ZVMM_GUEST_LIB],
        programs = [],
        modules = [],
        kernel = None,
        host_kernel = "6.12",
        setup = [],
        host_timeout = None,
        timeout = "moderate",
        exec_properties = {},
        data = [],
        tags = [],
        **kwargs):
    """A test that runs `host_script` on the (emulated) KVM host; passes when it exits 0.

    The host script (bash, run in a fresh empty directory) starts with
    `source "$ZVMM_HOST_LIB"` (tests/guest/host_lib.sh) and boots the guest
    with `boot_guest NAME [ZVMM_ARG...]`, where NAME.sh is one of
    `guest_scripts`; between boots it may inspect images with `zvmm_zones`
    (//zoned:zvmm-zones) and drive a zvmm started with --control through
    `zvmm_ctl` (//vmm/control:zvmm-ctl).

    Args:
      name: test name.
      host_script: label of the bash script run on the KVM host.
      guest_scripts: labels of guest workload scripts (NAME.sh).
      files: labels packed into every guest workload as /work/NAME (default:
        the guest lib, /work/lib.sh).
      programs: executables packed into every workload as /work/bin/NAME
        with their shared libraries (see zvmm_guest_test).
      modules: kernel modules insmod'ed in every guest before its script.
      kernel: the guest kernel (bzImage or vmlinux; default zvmm's), as
        $ZVMM_GUEST_KERNEL for boot_guest.
      host_kernel: the emulated host's kernel series, "6.12" or "6.1".
      setup: commands the KVM host runs first (e.g. "modprobe null_blk ...").
      host_timeout: the harness' timeout in seconds (default: 10 s less than
        the Bazel timeout).
      timeout: Bazel test timeout.
      exec_properties: passed to the test as is (remote execution).
      data: extra runfiles.
      tags: more tags; "guest" and "requires-kvm" are always set.
      **kwargs: passed to sh_test.
    """
    kernel = kernel or _BZIMAGE
    args, common_data = _common(kernel, host_kernel)
    args += [
        "--zvmm-ctl",
        _loc(_ZVMM_CTL),
        "--host-lib",
        _loc(_HOST_LIB),
        "--host-script",
        _loc(host_script),
    ]
    if host_timeout != None:
        args += ["--timeout", str(host_timeout)]
    for g in guest_scripts:
        args += ["--guest-script", _loc(g)]
    args += _workload_args(files, programs, modules, setup)
    native.sh_test(
        name = name,
        srcs = [_RUN_HOST_TEST],
        args = args,
        data = common_data + [host_script, _ZVMM_CTL, _HOST_LIB] + guest_scripts +
               files + programs + modules + data,
        tags = _tags(tags),
        timeout = timeout,
        exec_properties = exec_properties,
        **kwargs
    )
