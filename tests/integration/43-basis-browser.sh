#!/usr/bin/env bash
# The basis for a decision in headless Chromium (tests/browser/basis.test.js): its
# figures equal stipend.json for every participant of the demo month, and it prints
# to an A4 PDF (tests/out/screenshots/).  Debian's chromium and playwright-core from
# tests/browser/node_modules (`make check` installs both).
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
	echo "not ok - chromium or playwright-core missing (run: make check, which installs them)"
	exit 1
fi
exec timeout 240 node tests/browser/basis.test.js
