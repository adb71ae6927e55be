#!/usr/bin/env bash
# The participant screen in headless Chromium (tests/browser/kiosk.test.js).
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
	echo "not ok - chromium or playwright-core missing (run: make check, which installs them)"
	exit 1
fi
exec timeout 120 node tests/browser/kiosk.test.js
