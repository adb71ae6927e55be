/*
 * cardkey.c — the device secret and the UID -> card key function.
 * The secret file is written with O_EXCL and fsynced before first use, so two
 * processes starting at once agree on one secret and a power cut cannot leave
 * a half-written key behind a database that already uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cardkey.h"

static int
read_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
cardkey_load(struct cardkey *k, const char *state_dir, char *err, size_t errlen)
{
	char path[600], tmp[620];
	int fd;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium: cannot initialise");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/device.key", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0 && (st.st_mode & 077))
			fchmod(fd, 0600);
		if (read_all(fd, k->secret, sizeof(k->secret)) < 0) {
			snprintf(err, errlen, "%s: expected %zu bytes of key", path,
			         sizeof(k->secret));
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* First start: write a temporary file, fsync, then link it into place. */
	randombytes_buf(k->secret, sizeof(k->secret));
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, k->secret, sizeof(k->secret)) != (ssize_t)sizeof(k->secret) ||
	    fsync(fd) < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (link(tmp, path) < 0) {
		unlink(tmp);
		if (errno == EEXIST) /* another process won the race: use its key */
			return cardkey_load(k, state_dir, err, errlen);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	unlink(tmp);
	fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

void
cardkey_of_uid(const struct cardkey *k, const char *uid, char out[CARDKEY_MAX])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256(mac, (const unsigned char *)uid, strlen(uid), k->secret);
	memcpy(out, "hmac:", 5);
	sodium_bin2hex(out + 5, CARDKEY_MAX - 5, mac, sizeof(mac));
}
