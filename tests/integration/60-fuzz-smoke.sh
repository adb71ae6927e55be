#!/usr/bin/env bash
# A short run of every fuzz harness (make check); `make fuzz` runs each for 60 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
exec tests/fuzz/run build/fuzz "${FUZZ_SMOKE_SECONDS:-3}"
