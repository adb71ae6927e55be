/*
 * addrlist.c — "loopback", single addresses and CIDR prefixes, IPv4 and IPv6.
 * IPv4-mapped IPv6 peers (a listener on ::) match their IPv4 entries.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"

#define ITEM_MAX 64

/* addr as 16 bytes (IPv4 mapped into ::ffff:0:0/96); 0, or -1 if not an address. */
static int
parse_addr(const char *s, unsigned char out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

static int
is_v4(const unsigned char a[16])
{
	static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, prefix, 12) == 0;
}

/* One item into address and prefix length (over 128 bits); -1 if malformed. */
static int
parse_item(const char *item, unsigned char net[16], int *bits)
{
	char host[ITEM_MAX];
	const char *slash = strchr(item, '/');
	size_t n = slash ? (size_t)(slash - item) : strlen(item);
	char *end;
	long b;

	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, item, n);
	host[n] = 0;
	if (parse_addr(host, net) < 0)
		return -1;
	if (slash == NULL) {
		*bits = 128;
		return 0;
	}
	b = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end || b < 0 || b > (is_v4(net) && !strchr(host, ':') ? 32 : 128))
		return -1;
	*bits = (int)(is_v4(net) && !strchr(host, ':') ? b + 96 : b);
	return 0;
}

static int
prefix_match(const unsigned char a[16], const unsigned char net[16], int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)whole))
		return 0;
	return rest == 0 || ((a[whole] ^ net[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Calls fn for each item; stops at the first nonzero return and returns it. */
static int
each_item(const char *list, int (*fn)(const char *item, void *arg), void *arg)
{
	const char *p = list;

	while (*p) {
		char item[ITEM_MAX];
		size_t n;
		int rc;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if (n >= sizeof(item))
			n = sizeof(item) - 1; /* too long to be an address: fails to parse */
		memcpy(item, p, n);
		item[n] = 0;
		if ((rc = fn(item, arg)) != 0)
			return rc;
		p += strcspn(p, " \t,");
	}
	return 0;
}

static int
check_one(const char *item, void *arg)
{
	unsigned char net[16];
	int bits;

	if (strcmp(item, "loopback") == 0 || strcmp(item, "any") == 0)
		return 0;
	if (parse_item(item, net, &bits) < 0) {
		snprintf(arg, ITEM_MAX + 8, "%s", item);
		return -1;
	}
	return 0;
}

int
addrlist_check(const char *list, char *err, size_t errlen)
{
	char bad[ITEM_MAX + 8] = "";

	if (each_item(list, check_one, bad) != 0) {
		snprintf(err, errlen, "\"%s\" is not loopback, any, an address or address/prefix",
		         bad);
		return -1;
	}
	return 0;
}

struct match {
	unsigned char a[16];
};

static int
match_one(const char *item, void *arg)
{
	const struct match *m = arg;
	unsigned char net[16];
	int bits;

	if (strcmp(item, "any") == 0)
		return 1;
	if (strcmp(item, "loopback") == 0) {
		static const unsigned char v6lo[16] = {[15] = 1};

		return (is_v4(m->a) && m->a[12] == 127) || memcmp(m->a, v6lo, 16) == 0;
	}
	if (parse_item(item, net, &bits) < 0)
		return 0;
	return prefix_match(m->a, net, bits);
}

int
addrlist_match(const char *list, const char *addr)
{
	struct match m;

	if (addr == NULL || parse_addr(addr, m.a) < 0)
		return 0;
	return each_item(list, match_one, &m) == 1;
}
