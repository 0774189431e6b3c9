"""zvmm_guest_test: boot a headless guest with zvmm and run a script inside it.

The guest is the project's image (//guest-images:bzImage and
//guest-images:initramfs.cpio) plus a small cpio holding `script` as
/workload.sh (guest-images/make-workload-cpio). zvmm runs through
tests/kvm-host/run, i.e. directly when this host's KVM can boot Linux and
inside the emulated KVM host (QEMU TCG, nested KVM) otherwise. The guest's
init runs the script with bash and reports its exit status through the
exit-status port, so zvmm's exit status is the script's.
"""

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
        data = [],
        tags = [],
        **kwargs):
    """Declares an sh_test that passes when the guest script exits with `expect_status`.

    Args:
      name: test name.
      script: label of the bash script run inside the guest as /workload.sh.
      cpus: zvmm --cpus.
      memory: zvmm --memory.
      disks: zvmm --disk SPEC strings; a `path=FILE` inside a spec is also
        copied into the emulated host.
      extra_args: more zvmm arguments (e.g. ["--cmdline", "..."]).
      timeout: Bazel test timeout.
      expect_status: zvmm's expected exit status (0: the script succeeded).
      expect_output: optional grep -E pattern that zvmm's combined stdout and
        stderr (the guest console and zvmm's messages) must match.
      data: extra files the script needs (made available, not packed).
      tags: extra tags; "local" and "guest" are always added.
      **kwargs: passed to sh_test.
    """
    args = [
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
    if extra_args:
        args += ["--"] + [_shell_quote(a) for a in extra_args]
    native.sh_test(
        name = name,
        srcs = ["//tests/guest:run_guest_test.sh"],
        args = args,
        data = [
            script,
            "//vmm:zvmm",
            "//guest-images:bzImage",
            "//guest-images:initramfs.cpio",
            "//guest-images:workload_cpio",
            "//tests/kvm-host:harness",
            "//tests/kvm-host:host-6.12/initramfs.cpio",
            "//tests/kvm-host:host-6.12/vmlinux",
        ] + data,
        tags = ["local", "guest"] + tags,
        timeout = timeout,
        **kwargs
    )
