/*
 * cardkey.h — card UIDs are never stored: each is keyed with a per-device secret
 * (HMAC-SHA256) before lookup and storage, so a copied database does not reveal
 * card numbers.  The secret is created on first start, mode 0600.
 */
#ifndef STEMPEL_CARDKEY_H
#define STEMPEL_CARDKEY_H

#include <stddef.h>

/* "hmac:" + 64 hex digits + NUL */
#define CARDKEY_MAX 70

struct cardkey {
	unsigned char secret[32];
};

/* Load STATE_DIR/device.key, creating it (0600) if missing.  -1 with err. */
int cardkey_load(struct cardkey *k, const char *state_dir, char *err, size_t errlen);
/* Key a normalised UID: out = "hmac:<hex>". */
void cardkey_of_uid(const struct cardkey *k, const char *uid, char out[CARDKEY_MAX]);

#endif
