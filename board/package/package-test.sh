#!/usr/bin/env bash
# package-test.sh DEB — `make package-test`: install the package into a clean
# Debian 12 root (debootstrap from this machine's Debian mirror, cached in
# build/pkgtest/), check stempeld --check-config, stempelctl init and the daemon
# there, remove (state kept) and purge (state and users gone), and run lintian.
# Prints "ok - ..." / "not ok - ..." lines and "N passed, M failed".  Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."

deb=${1:?usage: package-test.sh stempel_VERSION_ARCH.deb}
arch=$(dpkg --print-architecture)
dir=build/pkgtest
cache=$dir/bookworm-$arch.tar
root=$dir/root
start=$SECONDS
passed=0
failed=0

ok() { echo "ok - $1"; passed=$((passed + 1)); }
notok() { echo "not ok - $1"; failed=$((failed + 1)); }
check() { # description command...
	local what=$1
	shift
	if "$@" >>"$dir/test.log" 2>&1; then ok "$what"; else notok "$what"; fi
}
in_root() { chroot "$root" "$@"; }

[ "$(id -u)" = 0 ] || { echo "package-test: needs root (debootstrap, chroot)" >&2; exit 1; }
missing=
for tool in debootstrap lintian curl; do
	command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "# installing$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# The Debian mirror this machine's apt uses (deb822 or one-line sources).
mirror() {
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ {u = $2} /^Suites:/ && / bookworm( |$)/ && u {print u; exit}')
	[ -n "$m" ] || m=$(grep -hs '^deb .* bookworm ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '{print $2; exit}')
	echo "${m:-http://deb.debian.org/debian}"
}

mkdir -p "$dir"
: >"$dir/test.log"
cleanup() {
	umount "$root/dev/pts" 2>/dev/null || true
	umount "$root/proc" 2>/dev/null || true
}
trap cleanup EXIT

# A Debian 12 root with the runtime libraries already in, made once.
if [ ! -s "$cache" ]; then
	url=$(mirror)
	echo "# debootstrap bookworm from $url into $cache (once)"
	rm -rf "$dir/bootstrap.tmp"
	debootstrap --variant=minbase --arch="$arch" \
		--include=adduser,libevent-2.1-7,libevent-core-2.1-7,libevent-pthreads-2.1-7,libevent-openssl-2.1-7,libsqlite3-0,libnfc6,libcurl4,libjansson4,libinih1,libsodium23,libgpiod2,libssl3 \
		bookworm "$dir/bootstrap.tmp" "$url" >"$dir/debootstrap.log" 2>&1 ||
		{ tail -20 "$dir/debootstrap.log"; exit 1; }
	rm -rf "$dir/bootstrap.tmp/var/cache/apt/archives/"*.deb
	tar -C "$dir/bootstrap.tmp" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
	rm -rf "$dir/bootstrap.tmp"
fi
cleanup # a run that was killed may have left its mounts
rm -rf --one-file-system "$root"
mkdir -p "$root"
tar -C "$root" -xpf "$cache"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
# A private devpts instance: apt wants a pty for its log, the host's stay apart.
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" || true
# No service may start in the root (there is no systemd there anyway).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/stempel.deb"
echo "# root ready in $((SECONDS - start)) s"

# --- install ---
export DEBIAN_FRONTEND=noninteractive
if in_root apt-get install -y /tmp/stempel.deb >>"$dir/test.log" 2>&1 ||
	{ in_root apt-get update -q && in_root apt-get install -y /tmp/stempel.deb; } >>"$dir/test.log" 2>&1; then
	ok "apt-get install ./$(basename "$deb")"
else
	notok "apt-get install ./$(basename "$deb")"
	tail -30 "$dir/test.log"
	echo "$passed passed, $failed failed"
	exit 1
fi
check "dpkg says installed" sh -c "chroot $root dpkg-query -W -f='\${Status}' stempel | grep -qx 'install ok installed'"
check "system user stempel, no login shell" sh -c \
	"chroot $root getent passwd stempel | awk -F: '\$3 < 1000 && \$7 ~ /nologin|false/' | grep -q ."
check "system user stempel-screen" in_root getent passwd stempel-screen
check "/var/lib/stempel is 0700 stempel:stempel" \
	test "$(in_root stat -c '%a %U %G' /var/lib/stempel)" = "700 stempel stempel"
check "stempel.conf is 0640 root:stempel" \
	test "$(in_root stat -c '%a %U %G' /etc/stempel/stempel.conf)" = "640 root stempel"
check "stempel.service enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/stempel.service"
check "stempel-kiosk-screen.service not enabled" \
	test ! -e "$root/etc/systemd/system/graphical.target.wants/stempel-kiosk-screen.service"
check "udev rules and libnfc device file in place" test -f "$root/lib/udev/rules.d/60-stempel-readers.rules" \
	-a -f "$root/etc/nfc/devices.d/stempel.conf"
check "man pages" test -f "$root/usr/share/man/man8/stempeld.8.gz" -a -f "$root/usr/share/man/man8/stempelctl.8.gz"
check "stempeld --check-config (root)" in_root stempeld --check-config
check "stempeld --check-config as stempel (config and regimes readable)" \
	in_root runuser -u stempel -- stempeld --check-config
check "stempeld -V" sh -c "chroot $root stempeld -V | grep -q '^stempeld '"

# --- the kiosk screen as installed: recommended fonts draw every language ---
check "recommended fonts installed (fonts-noto-core, fontconfig)" sh -c \
	"chroot $root dpkg-query -W -f='\${Status}\n' fonts-noto-core fontconfig | grep -c 'ok installed' | grep -qx 2"
check "spoken clips and tones installed" test -f "$root/usr/share/stempel/sounds/tone/accepted_in.wav" \
	-a -f "$root/usr/share/stempel/sounds/ar/accepted_in.wav"
# hb-view renders each language with the font fontconfig picks: kept as screenshots
in_root apt-get install -y --no-install-recommends libharfbuzz-bin >>"$dir/test.log" 2>&1 || true
rm -rf "$root/tmp/fonts"
if in_root /usr/share/stempel/kiosk-fonts-check /usr/share/stempel/kiosk-text /tmp/fonts \
	>"$dir/fonts.log" 2>&1; then
	ok "every kiosk language has a font with all its glyphs ($(grep -c ': ok' "$dir/fonts.log") languages)"
else
	notok "every kiosk language has a font with all its glyphs"
	grep -v ': ok' "$dir/fonts.log"
fi
mkdir -p tests/out/screenshots
cp "$root"/tmp/fonts/*.png tests/out/screenshots/ 2>/dev/null &&
	echo "# font renderings: tests/out/screenshots/kiosk-font-*.png"
# a language no font covers is refused (the check can fail)
mkdir -p "$root/tmp/nofont"
echo "10fffd" >"$root/tmp/nofont/xx.charset"
echo x >"$root/tmp/nofont/xx.txt"
check "kiosk-fonts-check refuses a language without a font" sh -c \
	"! chroot $root /usr/share/stempel/kiosk-fonts-check /tmp/nofont"

# --- first-run setup ---
pw='correct horse battery staple'
check "stempelctl init --non-interactive" sh -c "printf '%s\n' '$pw' | chroot $root stempelctl init \
	--non-interactive --kiosk-id pkgtest-1 --upload-url https://kommune.example/stempel \
	--timezone Europe/Oslo --language en --admin admin --admin-password-stdin"
check "init wrote the config in place" sh -c "grep -qx 'id = pkgtest-1' $root/etc/stempel/stempel.conf &&
	grep -qx 'base_url = https://kommune.example/stempel' $root/etc/stempel/stempel.conf &&
	grep -qx 'language = en' $root/etc/stempel/stempel.conf &&
	grep -q '^# Every key is shown' $root/etc/stempel/stempel.conf"
check "config keeps 0640 root:stempel" \
	test "$(in_root stat -c '%a %U %G' /etc/stempel/stempel.conf)" = "640 root stempel"
check "database and key are 0600 stempel" test "$(in_root stat -c '%a %U' \
	/var/lib/stempel/stempel.db /var/lib/stempel/device.key | sort -u)" = "600 stempel"
if command -v sqlite3 >/dev/null; then
	check "admin account with an argon2id hash" sh -c "sqlite3 $root/var/lib/stempel/stempel.db \
		\"SELECT role, pwhash FROM users WHERE username = 'admin'\" | grep -q '^admin|[$]argon2id[$]'"
fi
check "stempeld --check-config after init" in_root runuser -u stempel -- stempeld --check-config
check "stempelctl init refuses a bad upload URL (exit 2)" sh -c \
	"chroot $root stempelctl init --non-interactive --upload-url http://kommune.example; test \$? = 2"

# --- the daemon as stempel: starts, serves /healthz, stops on SIGTERM ---
port=$((20000 + RANDOM % 20000))
sed -e "s/^port = .*/port = $port/" -e 's/^base_url = .*/base_url =/' \
	"$root/etc/stempel/stempel.conf" >"$root/tmp/run.conf"
chmod 0644 "$root/tmp/run.conf"
# setpriv execs (runuser would sit between us and the daemon's SIGTERM).
chroot "$root" setpriv --reuid=stempel --regid=stempel --init-groups stempeld -c /tmp/run.conf \
	>>"$dir/test.log" 2>&1 &
daemon=$!
healthy=0
for _ in $(seq 50); do
	if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then healthy=1; break; fi
	sleep 0.1
done
if [ $healthy = 1 ] && curl -s "http://127.0.0.1:$port/healthz" | grep -q '"checks"'; then
	ok "stempeld runs as stempel and answers /healthz"
else
	notok "stempeld runs as stempel and answers /healthz"
fi
kill -TERM $daemon 2>/dev/null || true
if wait $daemon; then ok "stempeld stops cleanly on SIGTERM"; else notok "stempeld stops cleanly on SIGTERM"; fi

# --- remove keeps the state, purge removes it ---
check "apt-get remove" in_root apt-get remove -y stempel
check "after remove: binaries gone" test ! -e "$root/usr/sbin/stempeld" -a ! -e "$root/usr/bin/stempelctl"
check "after remove: /var/lib/stempel kept (database, key)" test -f "$root/var/lib/stempel/stempel.db" \
	-a -f "$root/var/lib/stempel/device.key"
check "after remove: config and user kept" sh -c "test -f $root/etc/stempel/stempel.conf &&
	chroot $root getent passwd stempel >/dev/null"
check "apt-get purge" in_root apt-get purge -y stempel
check "after purge: /var/lib/stempel gone" test ! -e "$root/var/lib/stempel"
check "after purge: /etc/stempel gone" test ! -e "$root/etc/stempel"
check "after purge: users and groups gone" sh -c "! chroot $root getent passwd stempel &&
	! chroot $root getent passwd stempel-screen && ! chroot $root getent group stempel"
check "after purge: dpkg forgot the package" sh -c "! chroot $root dpkg-query -W stempel"
check "after purge: no unit links left" sh -c "! find $root/etc/systemd -name 'stempel*' | grep -q ."

# --- lintian ---
lintian --tag-display-limit 0 "$deb" >"$dir/lintian.log" 2>&1 || true
errors=$(grep -c '^E:' "$dir/lintian.log" || true)
warnings=$(grep -c '^W:' "$dir/lintian.log" || true)
infos=$(grep -c '^I:' "$dir/lintian.log" || true)
if [ "$errors" = 0 ]; then
	ok "lintian: 0 errors ($warnings warnings, $infos info; $dir/lintian.log)"
else
	notok "lintian: $errors errors"
	grep '^E:' "$dir/lintian.log"
fi

cleanup
[ "$failed" = 0 ] && rm -rf --one-file-system "$root"
echo "# package-test took $((SECONDS - start)) s; log: $dir/test.log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
