#!/usr/bin/env bash
# tests/check-format.sh — fail if any C source differs from .clang-format
# (clang-format --dry-run --Werror).  `make format` rewrites them; `make
# check-format` runs this.  Files are the tracked C sources and headers of the
# daemon, the hal, the uploader and the tests.
set -u
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (make deps)"; exit 2; }
files=$(git ls-files 'firmware/*.[ch]' 'hal/*.[ch]' 'uploader/*.[ch]' 'tests/*.[ch]')
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (make format)"
		bad=$((bad + 1))
	fi
done
n=$(wc -w <<<"$files")
if [ $bad -gt 0 ]; then
	echo "check-format: $bad of $n files differ from .clang-format"
	exit 1
fi
echo "check-format: $n files formatted"
