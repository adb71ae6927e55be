/*
 * api.h — the kiosk's JSON API for payroll (PROTOCOL.md §2): pay periods, their
 * stipend lines as JSON and CSV, and closing a period.  Bearer tokens with scope
 * payroll only; every state change audited with the token's name and the reason.
 */
#ifndef STEMPEL_API_H
#define STEMPEL_API_H

#include <stddef.h>

struct cmd_env;
struct config;
struct period;
struct reports;
struct store;
struct web;
struct api;

/*
 * Register /api/v1/periods and /api/v1/periods/... on `w`.  Stipend documents are
 * computed on `reports` (a long read).  NULL with err on failure.
 */
struct api *api_start(struct web *w, struct store *s, struct period *p, struct reports *reports,
                      const struct cmd_env *cmd, const struct config *cfg, char *err,
                      size_t errlen);
void api_stop(struct api *api);

#endif
