# The simplest guest: reaches userspace and succeeds.
echo "guest: hello from $(uname -r)"
exit 0
