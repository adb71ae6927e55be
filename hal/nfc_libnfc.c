/*
 * nfc_libnfc.c — real readers through libnfc (a PN532 on a UART first of all).
 * One thread owns the nfc_device and polls with bounded
 * nfc_initiator_select_passive_target() calls; nfc_track.c decides what is a
 * tap; errors in a row lead to close + reopen with capped backoff.  The loop
 * hears of taps and state only through nfc_reader_post_*().  Why it is built
 * this way: shared/NFC.md and hal/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nfc/nfc.h>

#include "config.h"
#include "log.h"
#include "nfc_backend.h"
#include "nfc_dl.h"
#include "nfc_track.h"

#define BACKOFF_MIN_MS 100

struct lnfc {
	struct nfc_reader *r;
	pthread_t thread;
	atomic_int stop;
	int wake[2]; /* stop() writes a byte here to cut a sleep short */
	/*
	 * Guards `dev` only, so that stop() can nfc_abort_command() the device
	 * while the thread may be replacing it.  The thread never holds it while
	 * it talks to the device; nothing else is shared.
	 */
	pthread_mutex_t dev_lock;

	/* owned by the reader thread from start to join */
	nfc_context *ctx;
	nfc_device *dev;
	struct nfc_track track;
	struct nfc_reader_status st, posted;
	int posted_once;
	unsigned errors_since_open;
	int backoff_ms;
	int ever_connected;
	int odd_uid_logged;
};

/* Tell the loop, but only what changed: status is posted on every change. */
static void
lnfc_publish(struct lnfc *l)
{
	const struct nfc_reader_status *a = &l->st, *b = &l->posted;

	if (l->posted_once && a->state == b->state && a->errors_total == b->errors_total &&
	    a->errors_in_row == b->errors_in_row && a->reopens == b->reopens &&
	    strcmp(a->message, b->message) == 0)
		return;
	l->posted = l->st;
	l->posted_once = 1;
	nfc_reader_post_status(l->r, &l->st);
}

/* Sleep, unless stop() is (or gets) asked for. */
static void
lnfc_sleep(struct lnfc *l, int ms)
{
	struct pollfd p = {.fd = l->wake[0], .events = POLLIN};

	if (ms > 0 && !atomic_load(&l->stop))
		while (poll(&p, 1, ms) < 0 && errno == EINTR)
			;
}

static void
lnfc_backoff(struct lnfc *l)
{
	int max = l->r->cfg->reader.reopen_max_ms;

	lnfc_sleep(l, l->backoff_ms);
	l->backoff_ms = l->backoff_ms > max / 2 ? max : l->backoff_ms * 2;
}

static void
lnfc_set_dev(struct lnfc *l, nfc_device *d)
{
	pthread_mutex_lock(&l->dev_lock);
	l->dev = d;
	pthread_mutex_unlock(&l->dev_lock);
}

static void
lnfc_close(struct lnfc *l)
{
	nfc_device *d = l->dev;

	if (d == NULL)
		return;
	lnfc_set_dev(l, NULL); /* from here stop() cannot abort it; close is bounded */
	nfc_close(d);
}

/*
 * Count one failure.  The first of a run is a warning, the rest are debug
 * lines: a reader that is unplugged for an hour must not flood the journal.
 */
static void __attribute__((format(printf, 2, 3))) lnfc_fail(struct lnfc *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->st.message, sizeof(l->st.message), fmt, ap);
	va_end(ap);
	l->st.errors_total++;
	l->st.errors_in_row++;
	l->errors_since_open++;
	if (l->st.errors_in_row == 1)
		log_warn("reader: %s", l->st.message);
	else
		log_debug("reader: %s (%u in a row)", l->st.message, l->st.errors_in_row);
}

/* Open and set up the device.  0, or -1 after counting the failure. */
static int
lnfc_open(struct lnfc *l)
{
	const char *cs = l->r->cfg->reader.connstring;
	nfc_connstring conn; /* libnfc's parameter type is a 1024-byte array */
	nfc_device *d;

	snprintf(conn, sizeof(conn), "%s", cs);
	d = nfc_open(l->ctx, conn);

	if (d == NULL) {
		/* libnfc has no device to ask nfc_strerror() about; it logged why itself */
		lnfc_fail(l, "cannot open %s (unplugged? wrong connstring?)", cs);
		return -1;
	}
	/*
	 * nfc_initiator_init() turns NP_INFINITE_SELECT on; with it a select
	 * with no card blocks 300 ms and the chip keeps polling behind libnfc's
	 * back (NFC.md finding 1).  Off, each select is one InListPassiveTarget
	 * round trip and the chip gives up by itself after a few tries.
	 */
	if (nfc_initiator_init(d) < 0 ||
	    nfc_device_set_property_bool(d, NP_INFINITE_SELECT, false) < 0) {
		lnfc_fail(l, "cannot set up %s: %s", cs, nfc_strerror(d));
		nfc_close(d);
		return -1;
	}
	lnfc_set_dev(l, d);
	l->errors_since_open = 0;
	if (l->ever_connected)
		l->st.reopens++;
	l->ever_connected = 1;
	l->st.state = NFC_STATE_CONNECTED;
	log_info("reader: %s opened, polling", cs);
	return 0;
}

/* One poll of the field.  A held card is reported again each time (NFC.md 3). */
static void
lnfc_poll(struct lnfc *l)
{
	const struct config *cfg = l->r->cfg;
	const nfc_modulation nm = {.nmt = NMT_ISO14443A, .nbr = NBR_106};
	char uid[NFC_UID_MAX];
	nfc_target nt;
	long long seen;
	int res;

	res = nfc_initiator_select_passive_target(l->dev, nm, NULL, 0, &nt);
	seen = nfc_now_ns();
	if (res < 0) {
		if (res == NFC_EOPABORTED && atomic_load(&l->stop))
			return;
		lnfc_fail(l, "select failed: %s", nfc_strerror(l->dev));
		if (l->errors_since_open >= (unsigned)cfg->reader.error_threshold) {
			log_warn("reader: %u errors in a row, reopening %s", l->errors_since_open,
			         cfg->reader.connstring);
			/* Say so first: closing a dead device can take a second. */
			l->st.state = NFC_STATE_REOPENING;
			lnfc_publish(l);
			lnfc_close(l);
			lnfc_backoff(l);
		}
		return;
	}
	if (l->st.errors_in_row) {
		/* The message says what is wrong now; errors_total keeps the history. */
		log_info("reader: polling again after %u errors", l->st.errors_in_row);
		l->st.errors_in_row = 0;
		l->st.message[0] = '\0';
	}
	l->backoff_ms = BACKOFF_MIN_MS;
	if (res == 0) {
		nfc_track_poll(&l->track, NULL);
		l->odd_uid_logged = 0;
		lnfc_sleep(l, cfg->reader.poll_interval_ms);
		return;
	}
	if (nfc_uid_from_bytes(nt.nti.nai.abtUid, nt.nti.nai.szUidLen, uid, sizeof(uid)) < 0) {
		if (!l->odd_uid_logged)
			log_warn("reader: ignoring a card with a %zu-byte UID",
			         nt.nti.nai.szUidLen);
		l->odd_uid_logged = 1;
	} else if (nfc_track_poll(&l->track, uid) == NFC_TRACK_TAP) {
		nfc_reader_post_tap(l->r, uid, seen);
		log_debug("reader: card %s", uid);
	}
	/* Release the card so the next select starts from a clean state. */
	if (nfc_initiator_deselect_target(l->dev) < 0)
		lnfc_fail(l, "deselect failed: %s", nfc_strerror(l->dev));
}

static void *
lnfc_main(void *arg)
{
	struct lnfc *l = arg;

	lnfc_publish(l);
	while (!atomic_load(&l->stop)) {
		if (l->dev == NULL) {
			if (lnfc_open(l) < 0) {
				l->st.state = NFC_STATE_REOPENING;
				lnfc_publish(l);
				lnfc_backoff(l);
				continue;
			}
		} else {
			lnfc_poll(l);
		}
		lnfc_publish(l);
	}
	lnfc_close(l);
	l->st.state = NFC_STATE_STOPPED;
	lnfc_publish(l);
	return NULL;
}

static void
lnfc_free(struct lnfc *l)
{
	if (l->ctx)
		nfc_exit(l->ctx);
	close(l->wake[0]);
	close(l->wake[1]);
	pthread_mutex_destroy(&l->dev_lock);
	free(l);
}

static int
libnfc_start(struct nfc_reader *r)
{
	struct lnfc *l;
	sigset_t all, old;
	char why[256];
	int err;

	/* libnfc is mapped only now, for this driver (nfc_dl.c). */
	if (nfc_dl_load(why, sizeof(why)) < 0) {
		log_err("reader: %s", why);
		return -1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	if (pipe2(l->wake, O_CLOEXEC) < 0) {
		log_err("reader: pipe: %s", strerror(errno));
		free(l);
		return -1;
	}
	pthread_mutex_init(&l->dev_lock, NULL);
	l->r = r;
	l->backoff_ms = BACKOFF_MIN_MS;
	l->st.state = NFC_STATE_STARTING;
	nfc_track_init(&l->track, (unsigned)r->cfg->reader.removal_polls);
	nfc_init(&l->ctx);
	if (l->ctx == NULL) {
		log_err("reader: nfc_init failed (out of memory or a bad libnfc.conf)");
		lnfc_free(l);
		return -1;
	}
	/* Signals are the loop's business: the reader thread blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&l->thread, NULL, lnfc_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		log_err("reader: cannot start the reader thread: %s", strerror(err));
		lnfc_free(l);
		return -1;
	}
	r->priv = l;
	log_info("reader: libnfc %s, device %s", nfc_version(), r->cfg->reader.connstring);
	return 0;
}

/* Ask the thread to stop and abort what it is blocked in (only works mid-call). */
static void
lnfc_abort(struct lnfc *l)
{
	pthread_mutex_lock(&l->dev_lock);
	if (l->dev)
		nfc_abort_command(l->dev);
	pthread_mutex_unlock(&l->dev_lock);
}

static void
libnfc_stop(struct nfc_reader *r)
{
	struct lnfc *l = r->priv;
	struct timespec until;
	ssize_t unused;

	if (l == NULL)
		return;
	atomic_store(&l->stop, 1);
	unused = write(l->wake[1], "x", 1);
	(void)unused;
	/*
	 * An abort that lands between two libnfc calls is lost (NFC.md finding
	 * 2), so if the thread has not ended shortly after the first, try once
	 * more; every call it can be in is bounded anyway.
	 */
	lnfc_abort(l);
	/* pthread_timedjoin_np() takes a wall-clock deadline: a timeout, not "now". */
	clock_gettime(CLOCK_REALTIME, &until); /* clock-ok: timeout */
	until.tv_nsec += 200 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(l->thread, NULL, &until) != 0) {
		lnfc_abort(l);
		pthread_join(l->thread, NULL);
	}
	lnfc_free(l);
	r->priv = NULL;
}

const struct nfc_reader_ops nfc_libnfc_ops = {
    .name = "libnfc",
    .start = libnfc_start,
    .stop = libnfc_stop,
};
