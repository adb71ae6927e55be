/*
 * tokens.h — bearer tokens for the kiosk's API (payroll): 256 random bits shown
 * once when made, only their SHA-256 kept, checked in constant time against every
 * live token.  Made, listed and revoked with stempelctl; every change audited.
 */
#ifndef STEMPEL_TOKENS_H
#define STEMPEL_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "store.h"

/* Whether `scope` is one the API knows ("payroll"). */
int tokens_scope_valid(const char *scope);
/* The live token matching `token`: 0 found (out filled), 1 none or revoked, -1 error. */
int tokens_check(struct store *s, const char *token, struct store_token *out);

#endif
