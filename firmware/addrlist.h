/*
 * addrlist.h — lists of client addresses in the config ("loopback",
 * 192.168.1.20, 10.0.0.0/24, ::1, fe80::/10), checked once when the config is
 * read and matched against a peer address for each request.
 */
#ifndef STEMPEL_ADDRLIST_H
#define STEMPEL_ADDRLIST_H

#include <stddef.h>

/* 0 if every item of `list` (separated by spaces or commas) is valid, else -1 and err. */
int addrlist_check(const char *list, char *err, size_t errlen);
/* 1 if `addr` (as evhttp gives it: "127.0.0.1", "::1", "::ffff:10.0.0.5") is in `list`. */
int addrlist_match(const char *list, const char *addr);

#endif
