#!/usr/bin/env bash
# 50-package.sh — the quick package test of `make check`: build the .deb from
# build/rel (board/package/build-deb.sh, in a private staging dir) and inspect
# it with dpkg-deb: control fields, conffiles, files and modes, maintainer
# scripts, md5sums, no build paths, and the packaged config and regimes
# accepted by stempeld --check-config.  The slow test is `make package-test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(sed -n 's/^VERSION := //p' Makefile)
arch=$(dpkg --print-architecture)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
x=$tmp/x
failed=0

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; failed=1; }
check() { # description command...
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$what"; else notok "$what"; sed 's/^/#   /' "$tmp/out"; fi
}

make -s --no-print-directory FLAVOUR=rel ARCH= build/rel/stempeld build/rel/stempelctl >/dev/null
deb=$tmp/stempel_${version}_${arch}.deb
check "build-deb.sh makes stempel_${version}_${arch}.deb" env VERSION="$version" DEB_ARCH="$arch" \
	BIN=build/rel OUT="$tmp" WORK="$tmp/work" board/package/build-deb.sh
[ -f "$deb" ] || { echo "$failed"; exit 1; }

field() { dpkg-deb -f "$deb" "$1"; }
check "control: Package, Version, Architecture" test "$(field Package) $(field Version) $(field Architecture)" \
	= "stempel $version $arch"
check "control: Maintainer, Section, Priority, Description, Installed-Size" sh -c \
	"[ -n \"\$(dpkg-deb -f '$deb' Maintainer)\" ] && [ -n \"\$(dpkg-deb -f '$deb' Section)\" ] &&
	 [ -n \"\$(dpkg-deb -f '$deb' Priority)\" ] && [ -n \"\$(dpkg-deb -f '$deb' Description)\" ] &&
	 [ \"\$(dpkg-deb -f '$deb' Installed-Size)\" -gt 100 ]"
depends=$(field Depends)
missing=
for lib in libc6 libevent-2.1-7 libsqlite3-0 libnfc6 libcurl4 libjansson4 libinih1 libsodium23 \
	libgpiod2 libssl3 adduser; do
	case "$depends," in "$lib "* | "$lib,"* | *", $lib "* | *", $lib,"*) ;; *) missing="$missing $lib" ;; esac
done
check "control: Depends names every runtime library and adduser${missing:+ (missing:$missing)}" test -z "$missing"
# libnfc and libcurl are dlopen()ed when configured: Depends by hand, never linked.
check "stempeld links neither libnfc nor libcurl nor libsystemd (loaded when configured)" sh -c \
	"! readelf -d build/rel/stempeld | grep NEEDED | grep -q 'libnfc\\|libcurl\\|libsystemd'"
check "control: no sanitizer runtime in Depends" sh -c "! echo '$depends' | grep -q 'asan\|ubsan'"

dpkg-deb --ctrl-tarfile "$deb" | tar -tvf - >"$tmp/ctrl"
dpkg-deb -e "$deb" "$tmp/DEBIAN"
check "conffiles: the config and the libnfc device file" test "$(cat "$tmp/DEBIAN/conffiles")" \
	= "$(printf '/etc/nfc/devices.d/stempel.conf\n/etc/stempel/stempel.conf')"
for s in postinst prerm postrm; do
	check "$s: 0755 root, sh -n, set -e" sh -c "grep -q '^-rwxr-xr-x root/root .* ./$s\$' '$tmp/ctrl' &&
		sh -n '$tmp/DEBIAN/$s' && grep -q '^set -e' '$tmp/DEBIAN/$s'"
done
check "postinst: adduser --system stempel, state dir 0700" sh -c \
	"grep -A2 'adduser --system' '$tmp/DEBIAN/postinst' | grep -q '\"Stempel kiosk daemon\" stempel\$' &&
	 grep -q 'install -d -o stempel -g stempel -m 0700 /var/lib/stempel' '$tmp/DEBIAN/postinst'"
check "postrm: state and users removed only on purge" sh -c \
	"awk '/^if \\[ \"\\\$1\" = \"purge\" \\]/ {p = 1} /rm -rf \\/var\\/lib\\/stempel/ && !p {bad = 1}
	      /rm -rf \\/var\\/lib\\/stempel/ && p {seen = 1} END {exit bad || !seen}' '$tmp/DEBIAN/postrm'"

dpkg-deb --fsys-tarfile "$deb" | tar -tvf - >"$tmp/files"
mode() { # path → "mode owner"
	awk -v p="./$1" '$6 == p {print $1, $2}' "$tmp/files"
}
want() { # path mode
	local got
	got=$(mode "$1")
	[ "$got" = "$2 root/root" ] || { echo "$1: $got, expected $2 root/root"; return 1; }
}
check "binaries: /usr/sbin/stempeld and /usr/bin/stempelctl 0755" sh -c \
	"$(declare -f mode want); tmp='$tmp'; want usr/sbin/stempeld -rwxr-xr-x && want usr/bin/stempelctl -rwxr-xr-x"
files="etc/stempel/stempel.conf etc/nfc/devices.d/stempel.conf lib/systemd/system/stempel.service
	lib/systemd/system/stempel-kiosk-screen.service lib/udev/rules.d/60-stempel-readers.rules
	usr/share/man/man8/stempeld.8.gz usr/share/man/man8/stempelctl.8.gz
	usr/share/doc/stempel/copyright usr/share/doc/stempel/changelog.gz
	usr/share/doc/stempel/examples/libnfc.conf usr/share/doc/stempel/examples/stempel.conf"
for r in board/regimes/*.ini; do files="$files usr/share/stempel/regimes/$(basename "$r")"; done
bad=
for f in $files; do want "$f" -rw-r--r-- >>"$tmp/modes" 2>&1 || bad="$bad $f"; done
check "config, units, udev rules, regimes, man pages, docs present, 0644 root${bad:+ (wrong:$bad)}" test -z "$bad"
check "no file outside /etc /lib /usr" sh -c "! awk '{print \$6}' '$tmp/files' | grep -v '^\./\$' |
	grep -v '^\./\(etc\|lib\|usr\)/'"
check "directories 0755" sh -c "! awk '\$1 ~ /^d/ && \$1 != \"drwxr-xr-x\"' '$tmp/files' | grep -q ."

mkdir -p "$x"
dpkg-deb -x "$deb" "$x"
check "md5sums match the files" sh -c "cd '$x' && md5sum --quiet -c '$tmp/DEBIAN/md5sums'"
check "binaries stripped (no symbol table)" sh -c "! readelf -S '$x/usr/sbin/stempeld' '$x/usr/bin/stempelctl' |
	grep -q '[.]symtab'"
check "no build paths in the package ($PWD)" sh -c "! grep -rl -F '$PWD' '$x' '$tmp/DEBIAN'"
check "packaged config: state_dir = /var/lib/stempel" grep -qx 'state_dir = /var/lib/stempel' \
	"$x/etc/stempel/stempel.conf"
check "packaged config and regimes pass stempeld --check-config" env \
	STEMPEL_REGIME_DIR="$x/usr/share/stempel/regimes" build/rel/stempeld -c "$x/etc/stempel/stempel.conf" \
	--check-config
unit=$x/lib/systemd/system/stempel.service
missing=
for d in Type=notify WatchdogSec= User=stempel StateDirectory=stempel ProtectSystem=strict \
	NoNewPrivileges=yes PrivateTmp=yes CapabilityBoundingSet= DeviceAllow=char-ttyUSB \
	DeviceAllow=char-ttyACM DeviceAllow=char-usb_device 'SupplementaryGroups=dialout plugdev' \
	'ExecStart=/usr/sbin/stempeld -c /etc/stempel/stempel.conf' LimitNOFILE=; do
	grep -q "^$d" "$unit" || missing="$missing $d"
done
check "stempel.service: notify, watchdog, user, sandbox${missing:+ (missing:$missing)}" test -z "$missing"
check "stempel.service: empty capability bounding set" grep -qx 'CapabilityBoundingSet=' "$unit"
check "stempel.service: the loop at nice -10 (taps before the kiosk screen)" grep -qx 'Nice=-10' "$unit"
if command -v systemd-analyze >/dev/null; then
	# The reports and checkpoint threads put themselves below the loop
	# (loop_thread_background); the sandbox must let them, and nothing more.
	check "stempel.service: threads may lower their priority; limits and affinity stay denied" \
		python3 tests/integration/unitfilter.py "$unit" \
		--allowed sched_setscheduler setpriority ioprio_set fdatasync \
		--denied setrlimit sched_setaffinity mount reboot
	# Only "the binary is not installed here" may be said about the units.
	check "systemd-analyze verify: units are well-formed" sh -c "systemd-analyze verify --man=no \
		'$unit' '$x/lib/systemd/system/stempel-kiosk-screen.service' 2>&1 |
		grep -v 'is not executable: No such file or directory' | { ! grep .; }"
fi
check "kiosk screen unit: cage, chromium --kiosk, /kiosk, wants stempel.service" sh -c \
	"u='$x/lib/systemd/system/stempel-kiosk-screen.service'; grep -q '^ExecStart=/usr/bin/cage ' \"\$u\" &&
	 grep -q -- '--kiosk' \"\$u\" && grep -q 'http://localhost:8080/kiosk' \"\$u\" &&
	 grep -q '^Wants=stempel.service' \"\$u\" && grep -q '^User=stempel-screen' \"\$u\""
if command -v man >/dev/null; then
	for m in stempeld stempelctl; do
		check "man page $m.8 renders without warnings" sh -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings \
			-E UTF-8 -l -Tutf8 -Z '$x/usr/share/man/man8/$m.8.gz' 2>&1 >/dev/null | { ! grep .; }"
	done
fi
exit $failed
