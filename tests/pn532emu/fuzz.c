/*
 * fuzz.c — feeds chip.c what a confused host or a noisy line could send: valid
 * frames of every command with random payloads, corrupted frames, extended
 * frames, wake-up preambles, ACK/NACK, pure noise and nonsense control lines,
 * cut into random chunks with random time between them.  While no fault is set
 * it also checks the chip's output: only ACKs, error frames and valid D5 frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "fuzz.h"

struct sink {
	unsigned char buf[1 << 18];
	size_t len;
};

static unsigned fuzz_state;

static unsigned
fuzz_rand(void)
{
	fuzz_state = fuzz_state * 1103515245u + 12345u;
	return fuzz_state >> 8;
}

static void
fuzz_write(void *arg, const unsigned char *buf, size_t len)
{
	struct sink *s = arg;

	if (len > sizeof(s->buf) - s->len)
		len = sizeof(s->buf) - s->len;
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
}

/* Every byte the chip sent must belong to an ACK, an error frame or a D5 frame. */
static int
fuzz_check_output(const struct sink *s)
{
	size_t i = 0;

	while (i < s->len) {
		const unsigned char *f = s->buf + i;
		size_t left = s->len - i, n;
		unsigned char sum = 0;

		if (left < 6 || f[0] != 0x00 || f[1] != 0x00 || f[2] != 0xFF)
			return (int)i + 1;
		if (f[3] == 0x00 && f[4] == 0xFF && f[5] == 0x00) {
			i += 6;
			continue;
		}
		if (left >= 8 && memcmp(f, "\x00\x00\xFF\x01\xFF\x7F\x81\x00", 8) == 0) {
			i += 8;
			continue;
		}
		n = f[3];
		if (((f[3] + f[4]) & 0xFF) || n < 2 || left < n + 7 || f[5] != 0xD5)
			return (int)i + 1;
		for (size_t k = 0; k <= n; k++)
			sum += f[5 + k];
		if (sum != 0 || f[6 + n] != 0x00)
			return (int)i + 1;
		i += n + 7;
	}
	return 0;
}

/* One piece of host traffic: mostly plausible, sometimes broken, sometimes noise. */
static size_t
fuzz_piece(unsigned char *out)
{
	static const unsigned char cmds[] = {0x00, 0x02, 0x04, 0x06, 0x08, 0x0C, 0x0E, 0x10,
	                                     0x12, 0x14, 0x16, 0x32, 0x40, 0x42, 0x44, 0x46,
	                                     0x4A, 0x4E, 0x50, 0x52, 0x54, 0x56, 0x60, 0x8C};
	unsigned char data[300];
	size_t len, n;
	unsigned r = fuzz_rand() % 16;

	if (r == 0) { /* wake-up preamble */
		memcpy(out, "\x55\x55\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
		return 16;
	}
	if (r == 1) {
		memcpy(out,
		       fuzz_rand() % 2 ? "\x00\x00\xFF\x00\xFF\x00" : "\x00\x00\xFF\xFF\x00\x00",
		       6);
		return 6;
	}
	if (r == 2) { /* noise */
		n = fuzz_rand() % 64;
		for (size_t i = 0; i < n; i++)
			out[i] = (unsigned char)(fuzz_rand() % 4 ? fuzz_rand() : 0x00);
		return n;
	}
	data[0] = cmds[fuzz_rand() % sizeof(cmds)];
	len = 1 + fuzz_rand() % (r == 3 ? 280 : 24);
	for (size_t i = 1; i < len; i++)
		data[i] = (unsigned char)(fuzz_rand() % 3 ? fuzz_rand() % 8 : fuzz_rand());
	if (data[0] == 0x32 && len >= 5 && fuzz_rand() % 2) {
		data[1] = 0x05;
		data[4] = fuzz_rand() % 2 ? 0xFF : 0x02;
	}
	n = chip_frame(out, 0xD4, data, len); /* r == 3: often an extended frame */
	if (r == 5 || r == 6)                 /* corrupt a byte or cut the frame short */
		out[fuzz_rand() % n] ^= (unsigned char)(1 + fuzz_rand() % 255);
	if (r == 7)
		n = fuzz_rand() % n;
	return n;
}

static void
fuzz_control(struct chip *c, long long now)
{
	static const char *const words[] = {"insert",
	                                    "remove",
	                                    "delay",
	                                    "hitdelay",
	                                    "fault",
	                                    "status",
	                                    "help",
	                                    "gone",
	                                    "none",
	                                    "noack",
	                                    "badlcs",
	                                    "baddcs",
	                                    "errframe",
	                                    "silence",
	                                    "garbage",
	                                    "04A1B2C3",
	                                    "04:11:22:33:44:55:66",
	                                    "00112233445566778899",
	                                    "0004",
	                                    "08",
	                                    "44",
	                                    "-1",
	                                    "1e9",
	                                    "0.5",
	                                    "nan",
	                                    "",
	                                    "zz",
	                                    "0x10",
	                                    "12345678901234567890123"};
	char line[300], reply[512];
	size_t n = 0;
	int words_n = 1 + (int)(fuzz_rand() % 5);
	long long gone;

	for (int w = 0; w < words_n && n < sizeof(line) - 40; w++) {
		if (fuzz_rand() % 8 == 0) {
			for (int k = fuzz_rand() % 30; k > 0; k--)
				line[n++] = (char)(1 + fuzz_rand() % 255);
		} else {
			n +=
			    (size_t)snprintf(line + n, sizeof(line) - n, "%s",
			                     words[fuzz_rand() % (sizeof(words) / sizeof(*words))]);
		}
		line[n++] = fuzz_rand() % 6 ? ' ' : '\t';
	}
	line[n] = '\0';
	chip_control(c, line, now, reply, sizeof(reply), &gone);
	if (strncmp(reply, "ok", 2) && strncmp(reply, "error", 5))
		fprintf(stderr, "pn532emu fuzz: odd reply to control line: %s\n", reply);
}

int
fuzz_run(long iterations, unsigned seed)
{
	struct chip *c = calloc(1, sizeof(*c));
	struct sink *s = calloc(1, sizeof(*s));
	int rc = 0;

	if (c == NULL || s == NULL) {
		fprintf(stderr, "pn532emu fuzz: out of memory\n");
		return 1;
	}
	fuzz_state = seed;
	for (long it = 0; it < iterations && rc == 0; it++) {
		long long now = 1000000;
		int chaos = it % 2;
		int bad;

		memset(c, 0, sizeof(*c));
		s->len = 0;
		chip_init(c, fuzz_write, s);
		c->delay_us = fuzz_rand() % 20000;
		c->hit_delay_us = fuzz_rand() % 5000;
		c->rng = fuzz_rand();
		for (int step = 0; step < 200; step++) {
			unsigned char piece[400];
			size_t n = fuzz_piece(piece);

			for (size_t off = 0; off < n;) {
				size_t chunk = 1 + fuzz_rand() % (n - off);

				chip_input(c, piece + off, chunk, now);
				off += chunk;
				now += fuzz_rand() % 3 ? 0 : fuzz_rand() % 70000;
				chip_tick(c, now);
			}
			if (fuzz_rand() % 10 == 0) {
				struct chip_card card = {.uidlen = 4 + 3 * (fuzz_rand() % 3),
				                         .sak = (unsigned char)fuzz_rand()};

				if (fuzz_rand() % 2)
					chip_insert(c, &card, now);
				else
					chip_remove(c);
			}
			if (chaos && fuzz_rand() % 4 == 0)
				fuzz_control(c, now);
			now += fuzz_rand() % 40000;
			chip_tick(c, now);
			if (chip_deadline(c) >= 0 && chip_deadline(c) < now) {
				fprintf(stderr, "pn532emu fuzz: deadline in the past\n");
				rc = 1;
			}
		}
		bad = chaos ? 0 : fuzz_check_output(s);
		if (bad) {
			fprintf(stderr,
			        "pn532emu fuzz: iteration %ld (seed %u): malformed output "
			        "at byte %d of %zu\n",
			        it, seed, bad - 1, s->len);
			rc = 1;
		}
	}
	free(c);
	free(s);
	if (rc == 0)
		printf("pn532emu fuzz: %ld iterations ok\n", iterations);
	return rc;
}
