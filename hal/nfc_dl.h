/*
 * nfc_dl.h — libnfc is loaded at run time, only for `driver = libnfc` (nfc_dl.c
 * says why).  The backend calls libnfc as usual after nfc_dl_load().
 */
#ifndef STEMPEL_HAL_NFC_DL_H
#define STEMPEL_HAL_NFC_DL_H

#include <stddef.h>

#define NFC_DL_SONAME "libnfc.so.6"
#define NFC_DL_PACKAGE "libnfc6"

/* Load libnfc now.  0, or -1 with a message naming the library and the package. */
int nfc_dl_load(char *err, size_t errlen);

#endif
