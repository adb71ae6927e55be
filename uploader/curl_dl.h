/*
 * curl_dl.h — libcurl is loaded at run time, only when an upload is configured
 * (curl_dl.c says why).  Code calls libcurl's functions as usual; the upload
 * calls curl_dl_load() first so that a missing library stops start-up clearly.
 */
#ifndef STEMPEL_UPLOADER_CURL_DL_H
#define STEMPEL_UPLOADER_CURL_DL_H

#include <stddef.h>

#define CURL_DL_SONAME "libcurl.so.4"
#define CURL_DL_PACKAGE "libcurl4"

/* Load libcurl now.  0, or -1 with a message naming the library and the package. */
int curl_dl_load(char *err, size_t errlen);

#endif
