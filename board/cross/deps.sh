#!/usr/bin/env bash
# deps.sh — what `make ARCH=arm64` needs, installed once and idempotently: the
# cross compiler, qemu-user, the arm64 architecture in dpkg and the arm64 -dev
# packages that install beside the native ones (multiarch).  libevent-dev and
# libusb-dev (which libnfc-dev needs) cannot: installing their arm64 versions
# would remove the native ones.  Those three are unpacked into
# build/arm64-sysroot/ instead, with .pc files that point there.
set -euo pipefail
cd "$(dirname "$0")/../.."

host_pkgs="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user-static pkg-config"
ma_pkgs="libc6-dev:arm64 libsqlite3-dev:arm64 libcurl4-openssl-dev:arm64 libjansson-dev:arm64
	libinih-dev:arm64 libsodium-dev:arm64 libgpiod-dev:arm64 libsystemd-dev:arm64
	libcmocka-dev:arm64 libssl-dev:arm64 libevent-2.1-7:arm64 libevent-core-2.1-7:arm64
	libevent-extra-2.1-7:arm64 libevent-pthreads-2.1-7:arm64 libevent-openssl-2.1-7:arm64
	libnfc6:arm64 libusb-0.1-4:arm64"
sysroot_pkgs="libevent-dev libnfc-dev libusb-dev"
sysroot=build/arm64-sysroot
multiarch=aarch64-linux-gnu

missing=$(for p in $host_pkgs $ma_pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
done)
arch_added=$(dpkg --print-foreign-architectures | grep -qx arm64 && echo yes || echo no)
if [ -n "$missing" ] || [ "$arch_added" = no ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "make ARCH=arm64: run as root once (or install:" $missing ")" >&2
		exit 1
	fi
	echo "make ARCH=arm64: installing" $missing
	[ "$arch_added" = yes ] || dpkg --add-architecture arm64
	if [ "$arch_added" = no ] || ! ls /var/lib/apt/lists/*_binary-arm64_Packages* >/dev/null 2>&1; then
		apt-get update -qq
	fi
	# --no-remove: never trade a native -dev package for an arm64 one.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-remove $missing >/dev/null
fi

# The sysroot, rebuilt when the arm64 candidates change.
want=$(for p in $sysroot_pkgs; do echo "$p $(apt-cache policy "$p:arm64" | awk '/Candidate:/ {print $2}')"; done)
if [ -f "$sysroot/.stamp" ] && [ "$(cat "$sysroot/.stamp")" = "$want" ]; then
	exit 0
fi
echo "make ARCH=arm64: unpacking $sysroot_pkgs (arm64) into $sysroot"
rm -rf "$sysroot"
mkdir -p "$sysroot/debs" "$sysroot/pkgconfig"
(cd "$sysroot/debs" && apt-get download -qq -o APT::Sandbox::User=root $(for p in $sysroot_pkgs; do echo "$p:arm64"; done))
for d in "$sysroot"/debs/*.deb; do
	dpkg-deb -x "$d" "$sysroot"
done
abs=$(cd "$sysroot" && pwd)
# Development links (libevent.so -> libevent-2.1.so.7) point at the runtime
# libraries, which are installed for arm64 in the system's multiarch dirs.
for l in "$sysroot/usr/lib/$multiarch"/*.so; do
	[ -L "$l" ] && [ ! -e "$l" ] || continue
	t=$(basename "$(readlink "$l")")
	for dir in /usr/lib/$multiarch /lib/$multiarch; do
		if [ -e "$dir/$t" ]; then ln -sfn "$dir/$t" "$l"; break; fi
	done
done
for pc in "$sysroot/usr/lib/$multiarch/pkgconfig"/*.pc; do
	sed "s|^prefix=/usr\$|prefix=$abs/usr|" "$pc" >"$sysroot/pkgconfig/$(basename "$pc")"
done
echo "$want" >"$sysroot/.stamp"
