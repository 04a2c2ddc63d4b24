#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests use (tshark, Azurite),
# then `dotnet test CaptureOrchestrator.sln`, which restores and builds everything, the Azure
# Functions host and the Bicep CLI package included. Prints one closing line "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

# tshark is the reference the capture writer is cross-checked against (tests skip, saying so,
# without it). Install it when we can (root + apt), never fail the run because we could not.
if ! command -v tshark >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  log "installing tshark (test peer)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tshark) >/dev/null 2>&1 \
    || log "could not install tshark; its cross-check tests will be skipped"
fi

# Azurite (npm) is the blob storage the storage tests run against; package-lock.json pins it.
if command -v npm >/dev/null 2>&1; then
  log "npm ci (Azurite)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || log "npm ci failed; the Azurite tests will be skipped"
else
  log "npm not found; the Azurite tests will be skipped (install Node.js 20+)"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required" >&2
  exit 1
fi

log "dotnet test"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
dotnet test CaptureOrchestrator.sln --configuration Release "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 1, ...").
awk '/(Passed|Failed|Skipped)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$out"
exit "$status"
