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

/* Every libnfc function the tree calls (dynlib.h: F returns, V is void). */
#define NFC_FUNCS(F, V, P)                                                                         \
	V(nfc_init, (nfc_context * *context), (context))                                           \
	V(nfc_exit, (nfc_context * context), (context))                                            \
	F(nfc_device *, nfc_open, (nfc_context * context, const nfc_connstring connstring),        \
	  (context, connstring))                                                                   \
	V(nfc_close, (nfc_device * pnd), (pnd))                                                    \
	F(int, nfc_abort_command, (nfc_device * pnd), (pnd))                                       \
	F(int, nfc_initiator_init, (nfc_device * pnd), (pnd))                                      \
	F(int, nfc_initiator_select_passive_target,                                                \
	  (nfc_device * pnd, const nfc_modulation nm, const uint8_t *pbtInitData,                  \
	   const size_t szInitData, nfc_target *pnt),                                              \
	  (pnd, nm, pbtInitData, szInitData, pnt))                                                 \
	F(int, nfc_initiator_poll_target,                                                          \
	  (nfc_device * pnd, const nfc_modulation *pnmTargetTypes, const size_t szTargetTypes,     \
	   const uint8_t uiPollNr, const uint8_t uiPeriod, nfc_target *pnt),                       \
	  (pnd, pnmTargetTypes, szTargetTypes, uiPollNr, uiPeriod, pnt))                           \
	F(int, nfc_initiator_deselect_target, (nfc_device * pnd), (pnd))                           \
	F(int, nfc_device_set_property_bool,                                                       \
	  (nfc_device * pnd, const nfc_property property, const bool bEnable),                     \
	  (pnd, property, bEnable))                                                                \
	F(const char *, nfc_strerror, (const nfc_device *pnd), (pnd))                              \
	F(const char *, nfc_version, (void), ())

DYNLIB_SHIM(NFC_FUNCS, "[reader] driver = libnfc", NFC_DL_PACKAGE, NFC_DL_SONAME);

int
nfc_dl_load(char *err, size_t errlen)
{
	return dynlib_load(&shim_lib, err, errlen);
}
