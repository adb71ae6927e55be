/*
 * regime.h — regime files (board/regimes/<name>.ini) into the rules engine's
 * struct rules_regime.  Every parameter of RULES.md is in the file, effective-dated,
 * with a status (confirmed | unconfirmed).  A bad file is an error naming the file,
 * the line, the section and the key, and what was expected.
 */
#ifndef STEMPEL_REGIME_H
#define STEMPEL_REGIME_H

#include <stddef.h>

#include "rules/rules.h"

/* Load `dir`/`name`.ini; the file's [regime] name must be `name`. */
int regime_load(const char *dir, const char *name, struct rules_regime *r, char *err,
                size_t errlen);
/* Load one regime file by path. */
int regime_load_file(const char *path, struct rules_regime *r, char *err, size_t errlen);
/* Parse a regime from a string (tests); `label` stands in for the file name. */
int regime_load_string(const char *text, const char *label, struct rules_regime *r, char *err,
                       size_t errlen);
/* Set parameter `param` to `value` (file syntax) for all dates (scenarios, tests). */
int regime_override(struct rules_regime *r, const char *param, const char *value, char *err,
                    size_t errlen);
/* Whether `name` is a safe regime name: [a-z0-9-], 1..63 characters. */
int regime_name_valid(const char *name);

#endif
