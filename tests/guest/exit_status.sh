# A non-zero status travels guest -> exit-status port -> zvmm's exit status.
exit 42
