/*
 * web_pages.h — pages served from memory, so the kiosk needs no files beside
 * the binary to show its screen.
 */
#ifndef STEMPEL_WEB_PAGES_H
#define STEMPEL_WEB_PAGES_H

/* The participant screen: /kiosk */
extern const char web_kiosk_html[];

#endif
