/*
 * fsync.c — the physical limit of a durable answer: how long one pwrite() and
 * fdatasync() take on a given directory's disk.  Writes into a preallocated file
 * (as SQLite's WAL is rewritten from its start after each checkpoint) and prints
 * one duration in nanoseconds per line.  tests/bench/report.py runs it in the
 * kiosk's state directory, interleaved with taps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILE_BYTES (4L * 1024 * 1024)

static long long
fsync_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	char path[4096];
	long n, size;
	char *buf;
	off_t off = 0;
	int fd;

	if (argc != 4 || (n = atol(argv[2])) < 1 || (size = atol(argv[3])) < 1 ||
	    size > FILE_BYTES) {
		fprintf(stderr, "usage: fsync DIR SAMPLES BYTES  (one pwrite+fdatasync of BYTES "
		                "per sample; prints ns per line)\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fsync-bench.%ld", argv[1], (long)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (buf = malloc((size_t)size)) == NULL) {
		fprintf(stderr, "fsync: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Allocate and sync the whole file first: the samples then only overwrite. */
	memset(buf, 0x5a, (size_t)size);
	for (off_t o = 0; o < FILE_BYTES; o += size)
		if (pwrite(fd, buf, (size_t)size, o) != (ssize_t)size) {
			fprintf(stderr, "fsync: %s: %s\n", path, strerror(errno));
			goto fail;
		}
	if (fsync(fd) < 0)
		goto fail;
	for (long i = 0; i < n; i++) {
		long long t0;

		buf[i % size] = (char)i;
		t0 = fsync_now_ns();
		if (pwrite(fd, buf, (size_t)size, off) != (ssize_t)size || fdatasync(fd) < 0) {
			fprintf(stderr, "fsync: %s: %s\n", path, strerror(errno));
			goto fail;
		}
		printf("%lld\n", fsync_now_ns() - t0);
		off = (off + size) % (FILE_BYTES - size + 1);
	}
	close(fd);
	unlink(path);
	free(buf);
	return 0;
fail:
	close(fd);
	unlink(path);
	free(buf);
	return 1;
}
