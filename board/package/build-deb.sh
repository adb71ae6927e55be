#!/usr/bin/env bash
# build-deb.sh — stempel_<version>_<arch>.deb from a built tree, with dpkg-deb
# and no network.  Called by `make deb`; env: VERSION, DEB_ARCH (amd64, arm64),
# BIN (build/rel or build/arm64-rel), OUT (where the .deb goes), STRIP, WORK
# (staging dir, default build/deb/ARCH).
# Depends comes from dpkg-shlibdeps when it is there, else from a hand list of
# Debian 12's runtime packages.  Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${VERSION:?}" "${DEB_ARCH:?}" "${BIN:?}"
OUT=${OUT:-.}
STRIP=${STRIP:-strip}
work=$(realpath -m "${WORK:-build/deb/$DEB_ARCH}")
root=$work/root
deb=$OUT/stempel_${VERSION}_${DEB_ARCH}.deb
# Same bytes from the same commit: file times from the last commit.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

for f in "$BIN/stempeld" "$BIN/stempelctl"; do
	[ -x "$f" ] || { echo "build-deb: $f missing (build first)" >&2; exit 1; }
done
top=$(sed -n '1s/^stempel (\([^)]*\)).*/\1/p' board/package/changelog)
if [ "$top" != "$VERSION" ]; then
	echo "build-deb: board/package/changelog starts at $top, the Makefile says $VERSION:" \
		"add a changelog entry" >&2
	exit 1
fi

rm -rf "$work"
umask 022
install -d "$root/DEBIAN" "$root/usr/sbin" "$root/usr/bin" "$root/etc/stempel" \
	"$root/etc/nfc/devices.d" "$root/usr/share/stempel/regimes" "$root/lib/systemd/system" \
	"$root/lib/udev/rules.d" "$root/usr/share/man/man8" \
	"$root/usr/share/doc/stempel/examples"

install -m 0755 "$BIN/stempeld" "$root/usr/sbin/stempeld"
install -m 0755 "$BIN/stempelctl" "$root/usr/bin/stempelctl"
"$STRIP" --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$root/usr/sbin/stempeld" "$root/usr/bin/stempelctl"

# The config: every key with its default and a comment; state in /var/lib.
sed 's|^state_dir = .*|state_dir = /var/lib/stempel|' board/stempel.conf >"$root/etc/stempel/stempel.conf"
chmod 0644 "$root/etc/stempel/stempel.conf"
install -m 0644 board/stempel.conf "$root/usr/share/doc/stempel/examples/stempel.conf"
install -m 0644 board/package/libnfc-device.conf "$root/etc/nfc/devices.d/stempel.conf"
install -m 0644 board/libnfc.conf "$root/usr/share/doc/stempel/examples/libnfc.conf"
install -m 0644 board/regimes/*.ini "$root/usr/share/stempel/regimes/"
# The kiosk screen: spoken clips and tones (make sounds), the font check and its texts.
cp -r build/sounds "$root/usr/share/stempel/sounds"
cp -r build/kiosk-text "$root/usr/share/stempel/kiosk-text"
chmod -R u=rwX,go=rX "$root/usr/share/stempel/sounds" "$root/usr/share/stempel/kiosk-text"
install -m 0755 board/package/kiosk-fonts-check "$root/usr/share/stempel/kiosk-fonts-check"
install -m 0644 board/systemd/stempel.service board/systemd/stempel-kiosk-screen.service \
	"$root/lib/systemd/system/"
install -m 0644 board/udev/*.rules "$root/lib/udev/rules.d/"
for m in board/man/*.8; do
	gzip -9n <"$m" >"$root/usr/share/man/man8/$(basename "$m").gz"
done
install -m 0644 board/package/copyright "$root/usr/share/doc/stempel/copyright"
gzip -9n <board/package/changelog >"$root/usr/share/doc/stempel/changelog.gz"
install -m 0644 board/README.md "$root/usr/share/doc/stempel/README.board.md"
chmod 0644 "$root"/usr/share/man/man8/*.gz "$root/usr/share/doc/stempel/changelog.gz"

install -m 0755 board/package/postinst board/package/prerm board/package/postrm "$root/DEBIAN/"
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) >"$root/DEBIAN/conffiles"
chmod 0644 "$root/DEBIAN/conffiles"

# Depends: what the binaries link, plus adduser for postinst.
depends=
if command -v dpkg-shlibdeps >/dev/null; then
	mkdir -p "$work/src/debian"
	printf 'Source: stempel\n\nPackage: stempel\nArchitecture: any\n' >"$work/src/debian/control"
	if depends=$(cd "$work/src" && DEB_HOST_ARCH=$DEB_ARCH dpkg-shlibdeps -O \
		-e"$root/usr/sbin/stempeld" -e"$root/usr/bin/stempelctl" 2>"$work/shlibdeps.log"); then
		depends=${depends#shlibs:Depends=}
	else
		echo "build-deb: dpkg-shlibdeps failed (see $work/shlibdeps.log); hand list" >&2
		depends=
	fi
fi
if [ -z "$depends" ]; then
	depends="libc6 (>= 2.36), libcurl4 (>= 7.88), libevent-2.1-7 (>= 2.1.12), \
libevent-core-2.1-7 (>= 2.1.12), libevent-openssl-2.1-7 (>= 2.1.12), \
libevent-pthreads-2.1-7 (>= 2.1.12), libgpiod2 (>= 1.6), libinih1 (>= 55), \
libjansson4 (>= 2.14), libnfc6 (>= 1.8), libsodium23 (>= 1.0.18), \
libsqlite3-0 (>= 3.40), libssl3 (>= 3.0)"
fi
# libnfc (driver = libnfc), libcurl (an upload URL) and libsystemd (under systemd)
# are dlopen()ed by soname only when needed (hal/dynlib.h), so dpkg-shlibdeps cannot
# see them; a kiosk with a
# reader and an upload needs both, so they are Depends, not Recommends.
for lib in "libcurl4 (>= 7.88)" "libnfc6 (>= 1.8)" "libsystemd0 (>= 252)"; do
	case ", $depends," in *", ${lib%% *}"[\ ,]*) ;; *) depends="$depends, $lib" ;; esac
done
depends="$depends, adduser"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$DEB_ARCH|" -e "s|@SIZE@|$size|" \
	-e "s|@DEPENDS@|$depends|" board/package/control.in >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
