"""zvmm_guest_test: boot a headless guest with zvmm and run a script inside it.

The guest is the project's image (//guest-images:bzImage and
//guest-images:initramfs.cpio) plus a small cpio holding `script` as
/workload.sh (guest-images/make-workload-cpio). zvmm runs through
tests/kvm-host/run, i.e. directly when this host's KVM can boot Linux and
inside the emulated KVM host (QEMU TCG, nested KVM) otherwise. The guest's
init runs the script with bash and reports its exit status through the
exit-status port, so zvmm's exit status is the script's.

zvmm_host_test: run a script on that (emulated) KVM host instead, which boots
the guest as often as it needs (tests/guest/host_lib.sh) and can look at disk
images and host devices between boots.
"""

# zvmm, the guest image and the emulated KVM host: what both macros run.
_COMMON_ARGS = [
    "--zvmm",
    "$(location //vmm:zvmm)",
    "--kernel",
    "$(location //guest-images:bzImage)",
    "--initramfs",
    "$(location //guest-images:initramfs.cpio)",
    "--make-workload",
    "$(location //guest-images:workload_cpio)",
    "--kvm-host",
    "$(location //tests/kvm-host:harness)",
    "--host-image",
    "$(location //tests/kvm-host:host-6.12/vmlinux)",
]

_COMMON_DATA = [
    "//vmm:zvmm",
    "//guest-images:bzImage",
    "//guest-images:initramfs.cpio",
    "//guest-images:workload_cpio",
    "//tests/kvm-host:harness",
    "//tests/kvm-host:host-6.12/initramfs.cpio",
    "//tests/kvm-host:host-6.12/vmlinux",
]

def _shell_quote(s):
    # sh_test args are split with Bourne shell rules: keep each value one word.
    return "'" + s.replace("'", "'\\''") + "'"

def zvmm_guest_test(
        name,
        script,
        cpus = 1,
        memory = "512M",
        disks = [],
        extra_args = [],
        timeout = "moderate",
        expect_status = 0,
        expect_output = None,
        files = [],
        data = [],
        tags = [],
        **kwargs):
    """Declares an sh_test that passes when the guest script exits with `expect_status`.

    Args:
      name: test name.
      script: label of the bash script run inside the guest as /workload.sh.
      cpus: zvmm --cpus.
      memory: zvmm --memory.
      disks: zvmm --disk SPEC strings. zvmm runs in a fresh empty directory, so
        a relative `file=IMG` is an image created for this run (use `size=`).
      extra_args: more zvmm arguments (e.g. ["--cmdline", "..."]).
      timeout: Bazel test timeout.
      expect_status: zvmm's expected exit status (0: the script succeeded).
      expect_output: optional grep -E pattern that zvmm's combined stdout and
        stderr (the guest console and zvmm's messages) must match.
      files: labels of files packed into the guest as /work/NAME (e.g.
        "//tests/guest:lib.sh", the assertion helpers).
      data: extra files the script needs (made available, not packed).
      tags: extra tags; "local" and "guest" are always added.
      **kwargs: passed to sh_test.
    """
    args = _COMMON_ARGS + [
        "--script",
        "$(location %s)" % script,
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
    for f in files:
        args += ["--file", "$(location %s)" % f]
    if extra_args:
        args += ["--"] + [_shell_quote(a) for a in extra_args]
    native.sh_test(
        name = name,
        srcs = ["//tests/guest:run_guest_test.sh"],
        args = args,
        data = _COMMON_DATA + [script] + files + data,
        tags = ["local", "guest"] + tags,
        timeout = timeout,
        **kwargs
    )

def zvmm_host_test(
        name,
        host_script,
        guest_scripts = [],
        files = ["//tests/guest:lib.sh"],
        setup = [],
        host_timeout = 300,
        timeout = "moderate",
        data = [],
        tags = [],
        **kwargs):
    """Declares an sh_test that runs `host_script` inside the emulated KVM host.

    The host script (bash, run in a fresh empty directory) starts with
    `source "$ZVMM_HOST_LIB"` (tests/guest/host_lib.sh) and boots the guest
    with `boot_guest NAME [ZVMM_ARG...]`, where NAME.sh is one of
    `guest_scripts`; between boots it may inspect images with `zvmm_zones`
    (//zoned:zvmm-zones) and drive a zvmm started with --control through
    `zvmm_ctl` (//vmm/control:zvmm-ctl). The test passes when the host script exits 0.

    Args:
      name: test name.
      host_script: label of the bash script run in the emulated host.
      guest_scripts: labels of guest workload scripts (NAME.sh).
      files: labels packed into every guest workload as /work/NAME.
      setup: commands the emulated host runs first (e.g. "modprobe null_blk ...").
      host_timeout: the harness' timeout in seconds.
      timeout: Bazel test timeout.
      data: extra runfiles.
      tags: extra tags; "local" and "guest" are always added.
      **kwargs: passed to sh_test.
    """
    args = _COMMON_ARGS + [
        "--zvmm-zones",
        "$(location //zoned:zvmm-zones)",
        "--zvmm-ctl",
        "$(location //vmm/control:zvmm-ctl)",
        "--host-lib",
        "$(location //tests/guest:host_lib.sh)",
        "--host-script",
        "$(location %s)" % host_script,
        "--timeout",
        str(host_timeout),
    ]
    for g in guest_scripts:
        args += ["--guest-script", "$(location %s)" % g]
    for f in files:
        args += ["--file", "$(location %s)" % f]
    for cmd in setup:
        args += ["--setup", _shell_quote(cmd)]
    native.sh_test(
        name = name,
        srcs = ["//tests/guest:run_host_test.sh"],
        args = args,
        data = _COMMON_DATA + [
            host_script,
            "//zoned:zvmm-zones",
            "//vmm/control:zvmm-ctl",
            "//tests/guest:host_lib.sh",
        ] + guest_scripts + files + data,
        tags = ["local", "guest"] + tags,
        timeout = timeout,
        **kwargs
    )
