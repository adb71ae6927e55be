/*
 * nfc_dl.c — libnfc (and the libusb it pulls in) loaded only with
 * `[reader] driver = libnfc`: a kiosk on the simulated reader does not map it.
 * This file defines the libnfc functions the tree calls and forwards each to the
 * library, loaded by soname on the first call; libnfc_start() loads it first so
 * that a missing library is a clear error.  Hidden, so libnfc's own calls never
 * land here.  The pattern and the reasons: hal/dynlib.h, firmware/README.md.
 */
#pragma GCC visibility push(hidden)
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nfc/nfc.h>

#include "dynlib.h"
#include "nfc_dl.h"

#define NFC_FUNCS                                                                                  \
	X(nfc_init)                                                                                \
	X(nfc_exit)                                                                                \
	X(nfc_open)                                                                                \
	X(nfc_close)                                                                               \
	X(nfc_abort_command)                                                                       \
	X(nfc_initiator_init)                                                                      \
	X(nfc_initiator_select_passive_target)                                                     \
	X(nfc_initiator_poll_target)                                                               \
	X(nfc_initiator_deselect_target)                                                           \
	X(nfc_device_set_property_bool)                                                            \
	X(nfc_strerror)                                                                            \
	X(nfc_version)

static struct {
#define X(f) __typeof__(f) *f;
	NFC_FUNCS
#undef X
} fn;

static const struct dynlib_sym syms[] = {
#define X(f) {#f, (void **)&fn.f},
    NFC_FUNCS
#undef X
};

static struct dynlib lib = {
    .soname = NFC_DL_SONAME,
    .package = NFC_DL_PACKAGE,
    .feature = "[reader] driver = libnfc",
    .syms = syms,
    .nsyms = sizeof(syms) / sizeof(syms[0]),
    .once = PTHREAD_ONCE_INIT,
};

int
nfc_dl_load(char *err, size_t errlen)
{
	return dynlib_load(&lib, err, errlen);
}

#define NEED() dynlib_need(&lib)

void
nfc_init(nfc_context **context)
{
	NEED();
	fn.nfc_init(context);
}

void
nfc_exit(nfc_context *context)
{
	NEED();
	fn.nfc_exit(context);
}

nfc_device *
nfc_open(nfc_context *context, const nfc_connstring connstring)
{
	NEED();
	return fn.nfc_open(context, connstring);
}

void
nfc_close(nfc_device *pnd)
{
	NEED();
	fn.nfc_close(pnd);
}

int
nfc_abort_command(nfc_device *pnd)
{
	NEED();
	return fn.nfc_abort_command(pnd);
}

int
nfc_initiator_init(nfc_device *pnd)
{
	NEED();
	return fn.nfc_initiator_init(pnd);
}

int
nfc_initiator_select_passive_target(nfc_device *pnd, const nfc_modulation nm,
                                    const uint8_t *pbtInitData, const size_t szInitData,
                                    nfc_target *pnt)
{
	NEED();
	return fn.nfc_initiator_select_passive_target(pnd, nm, pbtInitData, szInitData, pnt);
}

int
nfc_initiator_poll_target(nfc_device *pnd, const nfc_modulation *pnmTargetTypes,
                          const size_t szTargetTypes, const uint8_t uiPollNr,
                          const uint8_t uiPeriod, nfc_target *pnt)
{
	NEED();
	return fn.nfc_initiator_poll_target(pnd, pnmTargetTypes, szTargetTypes, uiPollNr, uiPeriod,
	                                    pnt);
}

int
nfc_initiator_deselect_target(nfc_device *pnd)
{
	NEED();
	return fn.nfc_initiator_deselect_target(pnd);
}

int
nfc_device_set_property_bool(nfc_device *pnd, const nfc_property property, const bool bEnable)
{
	NEED();
	return fn.nfc_device_set_property_bool(pnd, property, bEnable);
}

const char *
nfc_strerror(const nfc_device *pnd)
{
	NEED();
	return fn.nfc_strerror(pnd);
}

const char *
nfc_version(void)
{
	NEED();
	return fn.nfc_version();
}
