#!/usr/bin/env bash
# check-unit.sh BIN_DIR [EMULATOR] — run every unit test binary of BIN_DIR
# (cmocka), under EMULATOR if given (qemu-aarch64-static for `make ARCH=arm64`;
# the arm64 libraries are installed multiarch, so the loader finds them).
# Logs go to tests/out/<bin-dir-name>/; the last line is "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${1:?usage: check-unit.sh BIN_DIR [EMULATOR]}
emu=${2:-}
out=tests/out/$(basename "$bin")
mkdir -p "$out"
export CMOCKA_MESSAGE_OUTPUT=stdout
passed=0
failed=0
[ -z "$emu" ] || echo "# unit tests of $bin under $emu ($("$emu" --version | head -1))"
for t in "$bin"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$out/$name.log
	start=$SECONDS
	rc=0
	timeout 600 ${emu:+"$emu"} "$t" >"$log" 2>&1 || rc=$?
	ok=$(grep -c '^\[       OK \]' "$log" || true)
	ran=$(grep -c '^\[ RUN      \]' "$log" || true)
	bad=$((ran - ok))
	[ $rc -ne 0 ] && [ $bad -eq 0 ] && bad=1
	printf '%-44s %4d passed, %d failed  (%ss)\n' "unit/$name" "$ok" "$bad" $((SECONDS - start))
	[ $bad -eq 0 ] || sed 's/^/    | /' "$log" | tail -n 40
	passed=$((passed + ok))
	failed=$((failed + bad))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
