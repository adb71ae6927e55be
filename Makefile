# Stempel — attendance kiosk.  `make run` starts a demo kiosk, `make check` runs
# every test.  Both install missing Debian packages first (`make deps`).
#
# Two build flavours share one set of rules:
#   build/rel   -O2, what `make`, `make run` and the package use
#   build/asan  -O1 with AddressSanitizer + UndefinedBehaviorSanitizer, what tests use
# `make ARCH=arm64` cross-builds build/arm64-rel and runs its unit tests under
# qemu-user; `make deb` packages, `make package-test` installs it in a Debian 12 root.

CC      ?= cc
# run, check, bench and fuzz build with one job per core (CI runs a bare `make check`).
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PKGS    := libevent libevent_pthreads libevent_openssl sqlite3 jansson inih libsodium \
           libgpiod openssl
# Headers only: these are dlopen()ed by soname when needed (hal/dynlib.h), so a kiosk
# without a real reader or an upload does not map libnfc or libcurl, and a daemon not
# supervised by systemd does not map libsystemd (firmware/README.md, "Memory").
DL_PKGS := libnfc libcurl libsystemd
DEB_PKGS := build-essential pkg-config libevent-dev libsqlite3-dev sqlite3 \
           libnfc-dev libnfc-bin libcurl4-openssl-dev libjansson-dev libinih-dev \
           libsodium-dev libgpiod-dev libsystemd-dev libcmocka-dev libssl-dev \
           python3 curl strace valgrind clang libclang-rt-14-dev \
           chromium nodejs fonts-sil-abyssinica wrk clang-format prometheus \
           espeak-ng sox fonts-noto-core \
           python3-jsonschema python3-yaml \
           libreoffice-calc-nogui
VERSION := 0.1.0
# A wall clock earlier than the last commit is certainly wrong (clock.c).
BUILD_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 1793491200)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DSTEMPEL_VERSION='"$(VERSION)"' -DSTEMPEL_BUILD_EPOCH=$(BUILD_EPOCH)LL \
           -Ifirmware -Ihal -Iuploader $(WARN) -g -MMD -MP
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(DL_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -ldl -lpthread -lm

FLAVOUR ?= rel
ifeq ($(FLAVOUR),asan)
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(FLAVOUR),fuzz)
CC  := clang
OPT := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
else
OPT := -O2
endif
B := build/$(FLAVOUR)

# ARCH=arm64: Debian's gcc-aarch64-linux-gnu and arm64 libraries (board/cross/deps.sh:
# multiarch, plus build/arm64-sysroot for the -dev packages that are not co-installable).
NATIVE_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
ifneq ($(filter arm64 aarch64,$(ARCH)),)
ifneq ($(NATIVE_ARCH),arm64)
ifneq ($(FLAVOUR),rel)
$(error ARCH=arm64 builds FLAVOUR=rel only)
endif
CROSS      := aarch64-linux-gnu-
CC         := $(CROSS)gcc
PKG_CONFIG := PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$(CURDIR)/build/arm64-sysroot/pkgconfig:$\
              /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
B          := build/arm64-$(FLAVOUR)
endif
endif
PKG_CONFIG ?= pkg-config
DEB_ARCH   := $(if $(CROSS),arm64,$(NATIVE_ARCH))
DEB        := stempel_$(VERSION)_$(DEB_ARCH).deb

# The library: every module except the two programs' entry points.
LIB_SRCS  := $(filter-out firmware/main.c,$(wildcard firmware/*.c firmware/cmd/*.c firmware/rules/*.c \
             firmware/web/*.c hal/*.c uploader/*.c))
CTL_SRCS  := $(wildcard firmware/ctl/*.c)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TESTS     := $(TEST_SRCS:%.c=$(B)/%)
# Test tools: every folder tests/<tool>/ with a main.c becomes $(B)/<tool>.
TOOLS     := $(patsubst tests/%/main.c,%,$(wildcard tests/*/main.c))
# Fuzz harnesses (FLAVOUR=fuzz, clang + libFuzzer): tests/fuzz/<name>.c -> $(B)/fuzz/<name>.
FUZZERS   := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# Benchmarks: every tests/bench/<name>.c becomes $(B)/bench/<name>.
BENCHES   := $(patsubst tests/bench/%.c,$(B)/bench/%,$(wildcard tests/bench/*.c))
LIB       := $(B)/libstempel.a

.PHONY: browser-deps format check-format
.PHONY: sounds
.PHONY: all run check deps bench fuzz fuzzers install clean flavour-all tests tools demo-run \
	deb package-test check-unit cross-deps

ifdef CROSS
# arm64: build, then the unit tests under qemu-user; ./stempeld stays native.
all: deps-quiet flavour-all
	@board/cross/check-unit.sh $(B) qemu-aarch64-static
else
all: $(if $(filter rel,$(FLAVOUR)),deps-quiet) flavour-all
	@ln -sf $(B)/stempeld stempeld
	@ln -sf $(B)/stempelctl stempelctl
endif

flavour-all: $(B)/stempeld $(B)/stempelctl $(TESTS) $(TOOLS:%=$(B)/%) $(BENCHES) sounds

# The kiosk screen's spoken answers (espeak-ng) and tones (sox), for every flavour.
# build/kiosk-text: every kiosk string per language, for kiosk-fonts-check.
SOUNDS := build/sounds/tone/accepted_in.wav build/kiosk-text/en.charset
sounds: $(SOUNDS)
build/sounds/tone/accepted_in.wav: board/sounds/mksounds.py firmware/web/i18n.c
	@python3 board/sounds/mksounds.py build/sounds
build/kiosk-text/en.charset: board/package/mkkiosktext.py firmware/web/i18n.c
	@python3 board/package/mkkiosktext.py build/kiosk-text

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_SRCS:%.c=$(B)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(B)/stempeld: $(B)/firmware/main.o $(LIB)
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/stempelctl: $(CTL_SRCS:%.c=$(B)/%.o) $(LIB)
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIB)
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

$(B)/bench/%: $(B)/tests/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

fuzzers: $(FUZZERS)

define tool_rule
$(B)/$(1): $$(patsubst %.c,$(B)/%.o,$$(wildcard tests/$(1)/*.c)) $(LIB)
	$$(CC) $$(OPT) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# deps: install whatever Debian packages are missing; silent when all are there.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (or install: $$missing)"; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
deps-quiet:
	@$(MAKE) --no-print-directory deps
deps: $(if $(CROSS),cross-deps)
cross-deps:
	@board/cross/deps.sh

# run: a demo kiosk in ./run (simulated reader, demo roster, board on localhost).
run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@board/demo/run.sh

# check: build everything with sanitizers and run unit + integration tests.
check: deps browser-deps
	@tests/check-format.sh
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory -j$(JOBS) FLAVOUR=asan flavour-all
	@$(MAKE) --no-print-directory -j$(JOBS) FLAVOUR=fuzz fuzzers
	@tests/run build/asan

# format: clang-format (.clang-format) over every tracked C source, in place.
# check-format: fail on any file that differs (tests/check-format.sh); `make check`
# runs it first, so an unformatted file fails the build before any test runs.
FORMAT_SRCS = $(shell git ls-files 'firmware/*.[ch]' 'hal/*.[ch]' 'uploader/*.[ch]' 'tests/*.[ch]')
format:
	clang-format -i $(FORMAT_SRCS)
check-format:
	@tests/check-format.sh

# browser-deps: playwright-core and axe-core (npm, pinned by tests/browser/package-lock.json)
# for the board's browser tests; they drive Debian's chromium, so no browser is downloaded.
browser-deps:
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@[ -d tests/browser/node_modules/playwright-core ] && [ -d tests/browser/node_modules/axe-core ] || \
		(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

bench: deps browser-deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@tests/bench/run build/rel

# fuzz: every harness for FUZZ_SECONDS (60) on a copy of its seed corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory -j$(JOBS) FLAVOUR=fuzz fuzzers
	@tests/fuzz/run build/fuzz $(FUZZ_SECONDS)

# check-unit: the unit tests of $(B) alone (under qemu-user for ARCH=arm64).
check-unit: deps
	@$(MAKE) --no-print-directory -j$(JOBS) flavour-all
	@board/cross/check-unit.sh $(B) $(if $(CROSS),qemu-aarch64-static)

# deb: stempel_$(VERSION)_$(DEB_ARCH).deb from build/rel (build/arm64-rel), board/package/.
deb: deps-quiet
	@$(MAKE) --no-print-directory $(B)/stempeld $(B)/stempelctl sounds
	@VERSION=$(VERSION) DEB_ARCH=$(DEB_ARCH) BIN=$(B) OUT=. STRIP=$(CROSS)strip \
		board/package/build-deb.sh

# package-test: install, init, run, remove and purge the .deb in a Debian 12 root; lintian.
package-test: deb
	@board/package/package-test.sh $(DEB)

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/stempel \
		$(DESTDIR)$(PREFIX)/share/stempel/regimes
	install -m 0755 build/rel/stempeld $(DESTDIR)$(PREFIX)/sbin/stempeld
	install -m 0755 build/rel/stempelctl $(DESTDIR)$(PREFIX)/bin/stempelctl
	install -m 0644 board/regimes/*.ini $(DESTDIR)$(PREFIX)/share/stempel/regimes/
	install -d $(DESTDIR)$(PREFIX)/share/stempel/sounds $(DESTDIR)$(PREFIX)/share/stempel/kiosk-text
	cp -r build/sounds/. $(DESTDIR)$(PREFIX)/share/stempel/sounds/
	cp -r build/kiosk-text/. $(DESTDIR)$(PREFIX)/share/stempel/kiosk-text/
	install -m 0755 board/package/kiosk-fonts-check $(DESTDIR)$(PREFIX)/share/stempel/
	[ -e $(DESTDIR)/etc/stempel/stempel.conf ] || \
		install -m 0640 board/stempel.conf $(DESTDIR)/etc/stempel/stempel.conf

clean:
	rm -rf build stempeld stempelctl tests/out stempel_*.deb

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
