/*
 * nfc_poll_baseline.c — the usual hobby-project way to read cards, measured:
 * a loop around nfc_initiator_poll_target(ISO14443A, PollNr 0xFF, Period 1),
 * i.e. the PN532's InAutoPoll.  A card is put down on the emulator at a random
 * moment; the time until poll_target returns its UID is the latency.  The
 * baseline for tests/bench/nfc_latency.py (which prints the ratio).  A test
 * tool, so it may include <nfc/nfc.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nfc/nfc.h>

extern char **environ;

struct bench {
	nfc_device *dev;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int armed; /* a card was put down and its detection is awaited */
	int stop;
	long long seen; /* when poll_target returned the armed card */
	long long errors;
};

static long long
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int
bench_ctl(int fd, const char *fmt, const char *arg)
{
	char line[128], reply[512];
	ssize_t n;
	size_t got = 0;

	snprintf(line, sizeof(line), fmt, arg);
	if (write(fd, line, strlen(line)) < 0)
		return -1;
	while (got < sizeof(reply) - 1 && (n = read(fd, reply + got, 1)) == 1)
		if (reply[got++] == '\n')
			break;
	reply[got] = '\0';
	if (strncmp(reply, "ok", 2) != 0) {
		fprintf(stderr, "nfc_poll_baseline: %s -> %s", line, reply);
		return -1;
	}
	return 0;
}

static int
bench_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "nfc_poll_baseline: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "nfc_poll_baseline: cannot connect to %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	return fd;
}

/* The hobby loop: poll, report, poll again. */
static void *
bench_poller(void *arg)
{
	struct bench *b = arg;
	const nfc_modulation nm = {.nmt = NMT_ISO14443A, .nbr = NBR_106};
	nfc_target nt;

	for (;;) {
		int res = nfc_initiator_poll_target(b->dev, &nm, 1, 0xFF, 1, &nt);
		long long t = bench_now_us();

		pthread_mutex_lock(&b->lock);
		if (b->stop) {
			pthread_mutex_unlock(&b->lock);
			return NULL;
		}
		if (res < 0)
			b->errors++;
		if (res > 0 && b->armed && b->seen == 0) {
			b->seen = t;
			pthread_cond_signal(&b->cond);
		}
		pthread_mutex_unlock(&b->lock);
	}
}

static int
bench_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[n], in ms. */
static double
bench_pct(const long long *v, int n, double p)
{
	int k = (int)(p / 100.0 * n + 0.999999) - 1;

	return v[k < 0 ? 0 : (k >= n ? n - 1 : k)] / 1000.0;
}

/* Start our own emulator when none was given (a run by hand or by the bench runner). */
static pid_t
bench_spawn_emulator(const char *self, char *dir, char *link, char *ctl, size_t n)
{
	char exe[PATH_MAX], copy[PATH_MAX];
	const char *bin = getenv("BIN");
	char *argv[8];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int err;

	snprintf(copy, sizeof(copy), "%s", self);
	if (bin)
		snprintf(exe, sizeof(exe), "%s/pn532emu", bin);
	else
		snprintf(exe, sizeof(exe), "%s/../pn532emu", dirname(copy));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(link, n, "%s/pn532", dir);
	snprintf(ctl, n, "%s/pn532.ctl", dir);
	argv[0] = exe;
	argv[1] = "--link";
	argv[2] = link;
	argv[3] = "--control";
	argv[4] = ctl;
	argv[5] = "--delay";
	argv[6] = "15";
	argv[7] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		fprintf(stderr, "nfc_poll_baseline: cannot start %s\n", exe);
		return -1;
	}
	for (int i = 0; i < 200 && access(ctl, F_OK) != 0; i++)
		usleep(20000);
	return pid;
}

int
main(int argc, char **argv)
{
	static struct bench b = {.lock = PTHREAD_MUTEX_INITIALIZER,
	                         .cond = PTHREAD_COND_INITIALIZER};
	char dir[] = "/tmp/stempel-baseline.XXXXXX", linkbuf[256], ctlbuf[256];
	const char *link = NULL, *ctl = NULL, *json = NULL;
	char conn[NFC_BUFSIZE_CONNSTRING];
	int iterations = 200, fd = -1, rc = 1;
	long long *lat;
	pid_t emu = -1;
	nfc_context *ctx;
	pthread_t th;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--link") == 0)
			link = argv[i + 1];
		else if (strcmp(argv[i], "--control") == 0)
			ctl = argv[i + 1];
		else if (strcmp(argv[i], "--iterations") == 0)
			iterations = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--json") == 0)
			json = argv[i + 1];
	}
	if (iterations < 1 || (lat = calloc((size_t)iterations, sizeof(*lat))) == NULL) {
		fprintf(stderr, "usage: nfc_poll_baseline [--link PTY --control SOCKET] "
		                "[--iterations N] [--json FILE]\n");
		return 2;
	}
	if (link == NULL || ctl == NULL) {
		emu = bench_spawn_emulator(argv[0], dir, linkbuf, ctlbuf, sizeof(linkbuf));
		if (emu < 0)
			return 1;
		link = linkbuf;
		ctl = ctlbuf;
	}
	srand((unsigned)getpid());
	snprintf(conn, sizeof(conn), "pn532_uart:%s", link);
	nfc_init(&ctx);
	if (ctx == NULL || (fd = bench_connect(ctl)) < 0 || bench_ctl(fd, "remove\n", "") < 0)
		goto out;
	b.dev = nfc_open(ctx, conn);
	if (b.dev == NULL || nfc_initiator_init(b.dev) < 0) {
		fprintf(stderr, "nfc_poll_baseline: cannot open %s\n", conn);
		goto out;
	}
	pthread_create(&th, NULL, bench_poller, &b);
	for (int i = 0; i < iterations; i++) {
		long long put;
		char uid[16];

		/* a random moment in the chip's 2 x 150 ms InAutoPoll cycle */
		usleep((useconds_t)(rand() % 300000));
		snprintf(uid, sizeof(uid), "04A1%04X", i);
		pthread_mutex_lock(&b.lock);
		b.seen = 0;
		b.armed = 1;
		put = bench_now_us();
		pthread_mutex_unlock(&b.lock);
		if (bench_ctl(fd, "insert %s\n", uid) < 0)
			break;
		pthread_mutex_lock(&b.lock);
		while (b.seen == 0)
			pthread_cond_wait(&b.cond, &b.lock);
		lat[i] = b.seen - put;
		b.armed = 0;
		pthread_mutex_unlock(&b.lock);
		if (bench_ctl(fd, "remove\n", "") < 0)
			break;
		rc = i + 1 == iterations ? 0 : 1;
	}
	pthread_mutex_lock(&b.lock);
	b.stop = 1;
	pthread_mutex_unlock(&b.lock);
	/* The poller is blocked in an endless InAutoPoll: only an abort ends it. */
	for (int i = 0; i < 50 && pthread_tryjoin_np(th, NULL) != 0; i++) {
		nfc_abort_command(b.dev);
		usleep(20000);
	}
	nfc_close(b.dev);
	if (rc == 0) {
		qsort(lat, (size_t)iterations, sizeof(*lat), bench_cmp);
		printf("nfc_poll_baseline: nfc_initiator_poll_target (InAutoPoll, period 1), "
		       "%d taps: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (max %.1f)\n",
		       iterations, bench_pct(lat, iterations, 50), bench_pct(lat, iterations, 95),
		       bench_pct(lat, iterations, 99), lat[iterations - 1] / 1000.0);
		if (json) {
			FILE *f = fopen(json, "w");

			if (f) {
				fprintf(f,
				        "{\"n\": %d, \"p50_ms\": %.3f, \"p95_ms\": %.3f, "
				        "\"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
				        iterations, bench_pct(lat, iterations, 50),
				        bench_pct(lat, iterations, 95),
				        bench_pct(lat, iterations, 99),
				        lat[iterations - 1] / 1000.0);
				fclose(f);
			}
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (ctx)
		nfc_exit(ctx);
	if (emu > 0) {
		kill(emu, SIGTERM);
		waitpid(emu, NULL, 0);
		rmdir(dir);
	}
	free(lat);
	return rc;
}
