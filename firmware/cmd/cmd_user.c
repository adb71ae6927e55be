/*
 * cmd_user.c — what the user commands share: a password arrives already hashed
 * (argon2id, made by stempelctl), so the daemon's loop never spends the hash's
 * memory and time, and the password never crosses the control socket.
 */
#include <string.h>

#include "cmd.h"

int
cmd_user_pwhash_valid(const char *h)
{
	return h && strncmp(h, "$argon2id$", 10) == 0 && strlen(h) < 128;
}
