#!/usr/bin/env bash
# The teacher board in headless Chromium (tests/browser/board.test.js):
# Debian's chromium and playwright-core from tests/browser/node_modules
# (`make check` installs both).  Screenshots: tests/out/screenshots/.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
	echo "not ok - chromium or playwright-core missing (run: make check, which installs them)"
	exit 1
fi
# Chromium and ASan share nothing: only the daemon is sanitized.
exec timeout 240 node tests/browser/board.test.js
