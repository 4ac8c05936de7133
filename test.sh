#!/usr/bin/env bash
# The test command of README.md: installs what the tests need, builds, runs every test project,
# and ends with one "N passed, N failed" line. Exit code 0 only if every test passed.
set -euo pipefail
cd "$(dirname "$0")"

# Servers used by the provider test suites (etcd, Redis). The runtime's own tests need only .NET;
# install quietly when missing, as root (CI and dev machines here), else say what to run.
missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} from Debian packages..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null) \
      || echo "warning: could not install ${missing[*]}; tests that need them will say so"
  else
    echo "warning: ${missing[*]} not installed; run: sudo apt-get install ${missing[*]}"
  fi
fi

# Garnet (a Redis-compatible server the Redis suites also run against) ships as a .NET tool.
# Install it once here, before the test projects run in parallel and would race to install it.
garnet_dir="${TMPDIR:-/tmp}"; garnet_dir="${garnet_dir%/}/actoredge-tools/garnet"
if [ -z "${GARNET_SERVER:-}" ] && ! command -v garnet-server >/dev/null 2>&1 && [ ! -x "$garnet_dir/garnet-server" ]; then
  echo "Installing garnet-server (.NET tool) into $garnet_dir..."
  dotnet tool install --tool-path "$garnet_dir" garnet-server >/dev/null \
    || echo "warning: could not install garnet-server; the Garnet tests will say so"
fi

dotnet build ActorEdge.sln -c Release -nologo -v quiet

log=$(mktemp)
status=0
dotnet test ActorEdge.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 76, Skipped: 0, Total: 76, ...").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(/,/, "");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i + 1);
      if ($i == "Passed:") p += $(i + 1);
      if ($i == "Skipped:") s += $(i + 1);
    }
  }
  END { print p + 0, f + 0, s + 0 }' "$log")
rm -f "$log"
if [ "$passed" = 0 ] && [ "$status" = 0 ]; then
  echo "no tests ran"; status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
