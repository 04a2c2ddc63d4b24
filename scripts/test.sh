#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests use (tshark, Chromium, Azurite),
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

# Chromium renders the HTML report in the browser test (which skips, saying so, without it).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  log "installing chromium (browser test of the HTML report)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >/dev/null 2>&1 \
    || log "could not install chromium; the browser test will be skipped"
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
# Normal verbosity so xunit prints why each skipped test was skipped; the line per passing test and
# the log lines of the servers the tests run (info:, warn: ...) are left out of what is shown.
dotnet test CaptureOrchestrator.sln --configuration Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$out" \
  | grep -v -E '^[[:space:]]+Passed [A-Za-z]|^(trce|dbug|info|warn|fail|crit): '
status=${PIPESTATUS[0]}
set -e

# Why tests were skipped, one line per reason (xunit prints the reason on the line after "[SKIP]").
awk '/\[SKIP\]$/ { name = $0; sub(/^.*\] +/, "", name); sub(/ \[SKIP\]$/, "", name)
                    if ((getline reason) > 0) { sub(/^\[xUnit.net [^]]*\] +/, "", reason) } else { reason = "(no reason given)" }
                    count[reason]++; if (!(reason in example)) example[reason] = name }
     END { for (r in count) printf "skipped %d: %s (e.g. %s)\n", count[r], r, example[r] }' "$out" | sort

# Sum the per-assembly summaries: "     Passed: 12" lines at normal verbosity ("Passed!  - Failed: 0,
# Passed: 12, Skipped: 1, ..." at minimal, if a caller asks for it).
awk '/^[[:space:]]+(Passed|Failed|Skipped): [0-9]+$/ { n[$1] += $2 }
     /(Passed|Failed|Skipped)!  -/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:" || $i == "Passed:" || $i == "Skipped:") n[$i] += $(i+1) + 0
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", n["Passed:"], n["Failed:"], n["Skipped:"] }' "$out"
exit "$status"
