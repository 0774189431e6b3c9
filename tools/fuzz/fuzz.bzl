"""zvmm_fuzz_test: a libFuzzer target that is also a regression test.

zvmm_fuzz_test(name, srcs, deps, corpus = "fuzz/<name>") declares a cc_test
whose sources define LLVMFuzzerTestOneInput and whose arguments are every file
of its seed corpus (a directory beside the BUILD file, made by
tools/fuzz/make_corpus.py); `dict` is a libFuzzer dictionary in the package
that `make fuzz` passes.

- Plain build (g++, `bazel test //...`): linked with //tools/fuzz:replay_main,
  the test replays each corpus file once.
- --config=fuzz (clang 14): linked with -fsanitize=fuzzer (libFuzzer's main);
  `bazel test` still replays each corpus file once (libFuzzer runs the files it
  is given and exits), and `make fuzz` runs the binary as a fuzzer.
"""

def zvmm_fuzz_test(name, srcs, deps = [], corpus = None, dict = None, size = "small", tags = [], **kwargs):
    corpus = corpus or ("fuzz/" + name)
    native.filegroup(
        name = name + "_corpus",
        testonly = True,
        srcs = native.glob([corpus + "/*"]),
    )
    if dict:
        tags = tags + ["fuzz_dict:" + dict]  # read by tools/fuzz/run.sh
    native.cc_test(
        name = name,
        size = size,
        srcs = srcs,
        deps = deps + select({
            "//tools/fuzz:fuzzing": [],
            "//conditions:default": ["//tools/fuzz:replay_main"],
        }),
        linkopts = select({
            "//tools/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = [":" + name + "_corpus"],
        args = ["$(locations :" + name + "_corpus)"],
        tags = tags + ["fuzz"],
        **kwargs
    )
