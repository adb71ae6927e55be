/*
 * config.h — the one config file, read once into one validated struct.
 * Every key is documented in board/stempel.conf and README.md.  A bad file stops
 * start-up with "file:line: [section] key: expected ...".
 */
#ifndef STEMPEL_CONFIG_H
#define STEMPEL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_PATH_MAX 512
#define CONFIG_STR_MAX 256
#define CONFIG_SECRET_MAX 2048 /* tokens and secrets, which come from *_file keys when long */

enum tap_mode { TAP_MODE_IN_OUT, TAP_MODE_IN_ONLY };
enum reader_driver { READER_SIM, READER_LIBNFC };
enum feedback_driver { FEEDBACK_SIM, FEEDBACK_GPIO };
enum kiosk_sound { KIOSK_SOUND_ON, KIOSK_SOUND_OFF, KIOSK_SOUND_TONES };

struct config {
	char path[CONFIG_PATH_MAX]; /* file it came from, "" for the embedded default */

	struct {
		char id[64];                      /* kiosk id, also the upload kiosk_id */
		char state_dir[CONFIG_PATH_MAX];  /* database, device key, sockets */
		char timezone[64];                /* Europe/Oslo */
		char language[16];                /* kiosk screen default language */
		char regime[64];                  /* default regime for new participants */
		char regime_dir[CONFIG_PATH_MAX]; /* where regime *.ini files live */
		int log_syslog;
		int log_level;         /* enum log_level */
		int check_at_start_mb; /* a bigger database is checked after start-up */
		int show_quotas;       /* kiosk screen: sick days left after a tap */
		int sound;             /* enum kiosk_sound: spoken clips, tones only, silent */
		int volume;            /* kiosk screen sound volume, 0..100 */
		char sound_dir[CONFIG_PATH_MAX]; /* generated clips; recorded ones override */
	} kiosk;

	struct {
		int debounce_s;
		enum tap_mode mode;
		int min_presence_min; /* in_out: a tap this soon after "in" is not "out" */
	} tap;

	struct {
		enum reader_driver driver;
		char socket[CONFIG_PATH_MAX];    /* sim: UNIX socket taking "UID\n" lines */
		char connstring[CONFIG_STR_MAX]; /* libnfc: e.g. pn532_uart:/dev/ttyUSB0 */
		int poll_interval_ms;            /* libnfc: pause between empty polls */
		int removal_polls;               /* libnfc: empty polls that mean "card gone" */
		int error_threshold;             /* libnfc: errors in a row before reopen */
		int reopen_max_ms;               /* libnfc: cap of the reopen backoff */
	} reader;

	struct {
		enum feedback_driver driver;
		char chip[CONFIG_STR_MAX];             /* gpio: /dev/gpiochip0 or gpiochip0 */
		int green_line, red_line, buzzer_line; /* -1 = not wired */
		int active_low;
	} feedback;

	struct {
		char listen[64];
		int port;
		char cert[CONFIG_PATH_MAX];
		char key[CONFIG_PATH_MAX];
		int session_idle_s;  /* board: a session unused this long ends */
		int session_max_s;   /* board: no session lives longer than this */
		int max_connections; /* open HTTP connections; more are answered 503 */
		int max_streams;     /* open event streams (kiosk + board); more get 503 */
		char kiosk_from[CONFIG_STR_MAX]; /* who else gets /kiosk/events (127.0.0.1, ::1
		                                    always) */
		char
		    kiosk_token[CONFIG_STR_MAX]; /* or a screen presenting this token ("" = none) */
	} web;

	struct {
		char base_url[CONFIG_STR_MAX]; /* "" = uploads off */
		char auth[64]; /* none | bearer | mtls | oauth_client | oauth_jwt, combinable with
		                  '+' */
		char token[CONFIG_SECRET_MAX]; /* bearer token, e.g. a JWT: token_file keeps lines
		                                  short */
		char ca_file[CONFIG_PATH_MAX];
		char client_cert[CONFIG_PATH_MAX];
		char client_key[CONFIG_PATH_MAX];
		char token_url[CONFIG_STR_MAX];
		char client_id[CONFIG_STR_MAX];
		char client_secret[CONFIG_SECRET_MAX];
		char jwt_key[CONFIG_PATH_MAX];
		char jwt_audience[CONFIG_STR_MAX];
		char jwt_kid[CONFIG_STR_MAX]; /* oauth_jwt: the JWT header's "kid", "" = none */
		char scope[CONFIG_STR_MAX];
		int batch_max;
		int interval_s;
		int roster_interval_s;
		int connect_timeout_s;
		int timeout_s;
		int backoff_max_s;
		int heartbeat_s;         /* a status event this often; 0 = none */
		int keep_delivered_days; /* delivered events kept this long; 0 = pruned at once */
	} upload;

	struct {
		char pay_code[64];
		char csv_separator; /* ';' */
		char decimal_mark;  /* ',' */
		char payout[16];    /* monthly | biweekly */
		char anchor[16];    /* biweekly anchor date YYYY-MM-DD */
		char language[8];   /* payroll documents: nb | nn | en */
		char csv_bom[8];    /* auto (when csv_separator is ';') | yes | no */
	} payroll;
};

/*
 * Every file the daemon will open ([web] cert and key, the upload CA, client
 * certificate and keys) is readable now: 0, or -1 with "[web] cert FILE: reason".
 */
int config_check_files(const struct config *c, char *err, size_t errlen);
/* Fill `c` with the embedded defaults (simulated reader, state in ./run). */
void config_defaults(struct config *c);
/*
 * Read `path` over the defaults.  On error returns -1 and writes
 * "file:line: [section] key: expected ..." into err.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* The same from an open stream; `label` names it in errors. */
int config_load_stream(struct config *c, FILE *f, const char *label, char *err, size_t errlen);
/*
 * Where the config comes from: explicit path, else $STEMPEL_CONFIG, else
 * /etc/stempel/stempel.conf if it exists, else NULL (embedded defaults).
 */
const char *config_locate(const char *explicit_path);
/* config_locate + config_defaults + config_load, the usual start. */
int config_init(struct config *c, const char *explicit_path, char *err, size_t errlen);
/*
 * Where regime files are: [kiosk] regime_dir if set, else $STEMPEL_REGIME_DIR,
 * else ./board/regimes (a checkout), else the one beside the executable's
 * checkout, else /usr/share/stempel/regimes.  0, or -1 if none exists.
 */
int config_regime_dir(const struct config *c, char *out, size_t outlen);
/* Join state_dir and a file name. */
void config_state_path(const struct config *c, const char *name, char *out, size_t outlen);

#endif
