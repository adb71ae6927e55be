/*
 * chip.c — the emulated PN532: finds frames in the host's byte stream (UM0701
 * §6.2), answers each with ACK + reply exactly as libnfc 1.8.0 reads them
 * (shared/NFC.md A2-A4), keeps InListPassiveTarget/InAutoPoll pending until a
 * card, a timeout, an abort (host ACK) or the next command, and bends replies
 * according to the fault mode.  Never sends anything unsolicited.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"

#define US_PER_MS 1000LL
#define STALE_US (50 * US_PER_MS) /* a partial frame older than this is noise */

/* Command codes (UM0701 §7). */
enum {
	CMD_DIAGNOSE = 0x00,
	CMD_GET_FIRMWARE_VERSION = 0x02,
	CMD_GET_GENERAL_STATUS = 0x04,
	CMD_READ_REGISTER = 0x06,
	CMD_WRITE_REGISTER = 0x08,
	CMD_READ_GPIO = 0x0C,
	CMD_WRITE_GPIO = 0x0E,
	CMD_SET_SERIAL_BAUD_RATE = 0x10,
	CMD_SET_PARAMETERS = 0x12,
	CMD_SAM_CONFIGURATION = 0x14,
	CMD_POWER_DOWN = 0x16,
	CMD_RF_CONFIGURATION = 0x32,
	CMD_IN_DATA_EXCHANGE = 0x40,
	CMD_IN_COMMUNICATE_THRU = 0x42,
	CMD_IN_DESELECT = 0x44,
	CMD_IN_JUMP_FOR_PSL = 0x46,
	CMD_IN_LIST_PASSIVE_TARGET = 0x4A,
	CMD_IN_PSL = 0x4E,
	CMD_IN_ATR = 0x50,
	CMD_IN_RELEASE = 0x52,
	CMD_IN_SELECT = 0x54,
	CMD_IN_JUMP_FOR_DEP = 0x56,
	CMD_IN_AUTO_POLL = 0x60,
};

/* InAutoPoll target types this emulator can match (UM0701 §7.3.13). */
enum { PTT_GENERIC_106 = 0x00, PTT_MIFARE = 0x10, PTT_ISO14443_4A = 0x20 };

static const unsigned char frame_ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
static const unsigned char frame_error[] = {0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00};
/* A minimal ATS (TL T0 TA TB TC) for SAK&0x20 cards: libnfc reads it after the UID. */
static const unsigned char card_ats[] = {0x05, 0x78, 0x80, 0x70, 0x02};

static const char *const fault_names[FAULT_N] = {
    "none", "noack", "badlcs", "baddcs", "errframe", "silence", "garbage", "gone",
};

const char *
chip_fault_name(enum chip_fault f)
{
	return (f >= 0 && f < FAULT_N) ? fault_names[f] : "?";
}

static void
chip_log(const struct chip *c, const char *dir, const unsigned char *buf, size_t len)
{
	if (!c->verbose)
		return;
	fprintf(stderr, "pn532emu: %s", dir);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, " %02X", buf[i]);
	fputc('\n', stderr);
}

static void
chip_send(struct chip *c, const unsigned char *buf, size_t len)
{
	chip_log(c, "TX", buf, len);
	if (c->write)
		c->write(c->write_arg, buf, len);
}

static unsigned
chip_random(struct chip *c)
{
	/* xorshift32: noise for FAULT_GARBAGE, reproducible, no libc state */
	unsigned x = c->rng ? c->rng : 0x2545F491u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rng = x;
	return x;
}

static void
chip_send_garbage(struct chip *c)
{
	unsigned char junk[48];
	size_t n = 6 + chip_random(c) % (sizeof(junk) - 6);

	for (size_t i = 0; i < n; i++)
		junk[i] = (unsigned char)chip_random(c);
	junk[0] |= 0x01; /* never starts like an ACK, so libnfc fails cleanly */
	chip_send(c, junk, n);
}

/* The ACK that precedes every reply; what the faults do to it. */
static void
chip_ack(struct chip *c)
{
	if (c->fault == FAULT_NOACK || c->fault == FAULT_SILENCE)
		return;
	chip_send(c, frame_ack, sizeof(frame_ack));
}

/*
 * Send reply data (CC+1 first) as a normal information frame, bent by the fault
 * mode.  Kept for a NACK.
 */
size_t
chip_frame(unsigned char *out, unsigned char tfi, const unsigned char *data, size_t len)
{
	unsigned char sum = tfi;
	size_t n = 0;

	out[n++] = 0x00;
	out[n++] = 0x00;
	out[n++] = 0xFF;
	if (len > 254) { /* extended frame, as libnfc builds them: FF FF LENM LENL LCS */
		out[n++] = 0xFF;
		out[n++] = 0xFF;
		out[n++] = (unsigned char)((len + 1) >> 8);
		out[n++] = (unsigned char)(len + 1);
		out[n] = (unsigned char)(0x100 - ((out[n - 2] + out[n - 1]) & 0xFF));
		n++;
	} else {
		out[n++] = (unsigned char)(len + 1);
		out[n++] = (unsigned char)(0x100 - (len + 1));
	}
	out[n++] = tfi;
	for (size_t i = 0; i < len; i++) {
		out[n++] = data[i];
		sum += data[i];
	}
	out[n++] = (unsigned char)(0x100 - sum);
	out[n++] = 0x00;
	return n;
}

static void
chip_reply(struct chip *c, const unsigned char *data, size_t len)
{
	unsigned char f[CHIP_TX_MAX];
	size_t n;

	if (c->fault == FAULT_SILENCE)
		return;
	if (c->fault == FAULT_ERRFRAME || len + 1 > 0xFF || len + 8 > sizeof(f)) {
		chip_send(c, frame_error, sizeof(frame_error));
		return;
	}
	n = chip_frame(f, 0xD5, data, len);
	memcpy(c->last_reply, f, n);
	c->last_reply_len = n;
	if (c->fault == FAULT_BADLCS)
		f[4] ^= 0x5A;
	else if (c->fault == FAULT_BADDCS)
		f[n - 2] ^= 0x5A;
	chip_send(c, f, n);
}

/* Reply with just a status byte after the response code. */
static void
chip_reply_status(struct chip *c, unsigned char cmd, unsigned char status)
{
	unsigned char r[2] = {(unsigned char)(cmd + 1), status};

	chip_reply(c, r, sizeof(r));
}

/* Tg, SENS_RES, SEL_RES, NFCIDLength, NFCID1 [, ATS]: the target data of A4. */
static size_t
chip_target_data(const struct chip *c, unsigned char *out)
{
	size_t n = 0;

	out[n++] = 0x01;
	out[n++] = c->card.atqa[0];
	out[n++] = c->card.atqa[1];
	out[n++] = c->card.sak;
	out[n++] = (unsigned char)c->card.uidlen;
	memcpy(out + n, c->card.uid, c->card.uidlen);
	n += c->card.uidlen;
	if (c->card.sak & 0x20) {
		memcpy(out + n, card_ats, sizeof(card_ats));
		n += sizeof(card_ats);
	}
	return n;
}

static int
chip_card_wanted(const struct chip *c)
{
	if (!c->card_present || c->pend.brty != 0x00)
		return 0;
	return c->pend.want_len == 0 ||
	       (c->pend.want_len == c->card.uidlen &&
	        memcmp(c->pend.want_uid, c->card.uid, c->card.uidlen) == 0);
}

static int
chip_type_matches(const struct chip *c, unsigned char type)
{
	if (!c->card_present)
		return 0;
	if (type == PTT_GENERIC_106 || type == PTT_MIFARE)
		return 1;
	return type == PTT_ISO14443_4A && (c->card.sak & 0x20);
}

/* Decide a pending InListPassiveTarget at its due time. */
static void
chip_list_due(struct chip *c, long long now)
{
	unsigned char r[4 + 32];

	r[0] = CMD_IN_LIST_PASSIVE_TARGET + 1;
	if (chip_card_wanted(c)) {
		r[1] = 1;
		c->hits++;
		c->pend.kind = PEND_NONE;
		chip_reply(c, r, 2 + chip_target_data(c, r + 2));
		return;
	}
	if (c->pend.infinite) {
		c->pend.due_us = -1; /* MxRtyPassiveActivation 0xFF: the chip keeps trying */
		return;
	}
	r[1] = 0;
	c->pend.kind = PEND_NONE;
	chip_reply(c, r, 2);
}

/*
 * Decide a pending InAutoPoll.  The chip spends Period x 150 ms on each listed
 * type in turn; a card is found while the chip polls a type that matches it.
 */
static void
chip_autopoll_due(struct chip *c, long long now)
{
	unsigned long k = (unsigned long)((now - c->pend.t0_us) / c->pend.slice_us);
	unsigned char type = c->pend.types[k % c->pend.ntypes];
	unsigned char r[5 + 32];

	r[0] = CMD_IN_AUTO_POLL + 1;
	if (c->pend.slices && k >= c->pend.slices) {
		r[1] = 0;
		c->pend.kind = PEND_NONE;
		chip_reply(c, r, 2);
		return;
	}
	if (chip_type_matches(c, type)) {
		size_t n = chip_target_data(c, r + 4);

		r[1] = 1;
		r[2] = type;
		r[3] = (unsigned char)n;
		c->hits++;
		c->pend.kind = PEND_NONE;
		chip_reply(c, r, 4 + n);
		return;
	}
	c->pend.due_us = c->pend.t0_us + (long long)(k + 1) * c->pend.slice_us;
}

static void
chip_pend_due(struct chip *c, long long now)
{
	if (c->pend.kind == PEND_LIST)
		chip_list_due(c, now);
	else if (c->pend.kind == PEND_AUTOPOLL)
		chip_autopoll_due(c, now);
}

/* Undo the cascade tags of a select-by-UID (88 u0 u1 u2 | 88 u3 u4 u5 | u6..u9). */
static void
chip_want_uid(struct chip *c, const unsigned char *d, size_t n)
{
	size_t len = 0;

	while (n > 0 && len < CHIP_UID_MAX) {
		size_t take;

		if (n > 4 && d[0] == 0x88) {
			d++;
			n--;
			take = 3;
		} else {
			take = n;
		}
		if (take > CHIP_UID_MAX - len)
			take = CHIP_UID_MAX - len;
		memcpy(c->pend.want_uid + len, d, take);
		len += take;
		d += take;
		n -= take;
	}
	c->pend.want_len = len;
}

static void
chip_cmd_list(struct chip *c, const unsigned char *d, size_t n, long long now)
{
	if (n < 2 || d[0] < 1 || d[0] > 2) {
		chip_send(c, frame_error, sizeof(frame_error));
		return;
	}
	c->polls++;
	memset(&c->pend, 0, sizeof(c->pend));
	c->pend.kind = PEND_LIST;
	c->pend.brty = d[1];
	c->pend.infinite = c->mx_rty_passive == 0xFF;
	if (c->pend.brty == 0x00 && n > 2)
		chip_want_uid(c, d + 2, n - 2);
	c->pend.due_us = now + (chip_card_wanted(c) ? c->hit_delay_us : c->delay_us);
}

static void
chip_cmd_autopoll(struct chip *c, const unsigned char *d, size_t n, long long now)
{
	if (n < 3 || n > 2 + sizeof(c->pend.types) || d[1] < 1 || d[1] > 0x0F) {
		chip_send(c, frame_error, sizeof(frame_error));
		return;
	}
	c->polls++;
	memset(&c->pend, 0, sizeof(c->pend));
	c->pend.kind = PEND_AUTOPOLL;
	c->pend.ntypes = n - 2;
	memcpy(c->pend.types, d + 2, n - 2);
	c->pend.t0_us = now;
	c->pend.slice_us = d[1] * 150 * US_PER_MS;
	c->pend.slices = d[0] == 0xFF ? 0 : (unsigned long)d[0] * c->pend.ntypes;
	c->pend.due_us = now + (chip_type_matches(c, c->pend.types[0]) ? c->hit_delay_us : 0);
}

static void
chip_cmd_read_register(struct chip *c, const unsigned char *d, size_t n)
{
	unsigned char r[1 + 127];
	size_t k = 0;

	if (n == 0 || n % 2 || n / 2 > sizeof(r) - 1) {
		chip_send(c, frame_error, sizeof(frame_error));
		return;
	}
	r[k++] = CMD_READ_REGISTER + 1;
	for (size_t i = 0; i < n; i += 2)
		r[k++] = c->regs[d[i] << 8 | d[i + 1]];
	chip_reply(c, r, k);
}

static void
chip_cmd_write_register(struct chip *c, const unsigned char *d, size_t n)
{
	unsigned char r[1] = {CMD_WRITE_REGISTER + 1};

	if (n == 0 || n % 3) {
		chip_send(c, frame_error, sizeof(frame_error));
		return;
	}
	for (size_t i = 0; i < n; i += 3)
		c->regs[d[i] << 8 | d[i + 1]] = d[i + 2];
	chip_reply(c, r, 1);
}

static void
chip_cmd_data_exchange(struct chip *c, const unsigned char *d, size_t n)
{
	unsigned char r[2 + 16] = {CMD_IN_DATA_EXCHANGE + 1, 0x00};

	if (!c->card_present || n < 2) {
		chip_reply_status(c, CMD_IN_DATA_EXCHANGE, 0x01); /* RF timeout */
		return;
	}
	if (d[1] == 0x30 && n >= 3) { /* READ: 4 pages; page 0-1 carry the UID */
		for (size_t i = 0; i < 16; i++) {
			size_t at = (size_t)d[2] * 4 + i;

			r[2 + i] = at < c->card.uidlen ? c->card.uid[at] : 0x00;
		}
		chip_reply(c, r, sizeof(r));
		return;
	}
	chip_reply_status(c, CMD_IN_DATA_EXCHANGE, 0x00);
}

static void
chip_command(struct chip *c, const unsigned char *d, size_t n, long long now)
{
	unsigned char cmd = d[0];
	unsigned char r[CHIP_TX_MAX];

	c->commands++;
	if (c->fault == FAULT_SILENCE)
		return;
	if (c->fault == FAULT_GARBAGE) {
		chip_send_garbage(c);
		return;
	}
	/* A new command replaces whatever was pending (real-chip behaviour unverified). */
	c->pend.kind = PEND_NONE;
	chip_ack(c);
	d++;
	n--;
	switch (cmd) {
	case CMD_DIAGNOSE:
		if (n >= 1 && d[0] == 0x06) { /* card presence */
			chip_reply_status(c, cmd, c->card_present ? 0x00 : 0x01);
		} else { /* communication line test and the rest: echo */
			r[0] = cmd + 1;
			if (n > 250)
				n = 250;
			memcpy(r + 1, d, n);
			chip_reply(c, r, 1 + n);
		}
		break;
	case CMD_GET_FIRMWARE_VERSION:
		chip_reply(c, (const unsigned char[]){cmd + 1, 0x32, 0x01, 0x06, 0x07}, 5);
		break;
	case CMD_GET_GENERAL_STATUS: /* no error, field on, no target, SAM ok */
		chip_reply(c, (const unsigned char[]){cmd + 1, 0x00, 0x01, 0x00, 0x00}, 5);
		break;
	case CMD_READ_REGISTER:
		chip_cmd_read_register(c, d, n);
		break;
	case CMD_WRITE_REGISTER:
		chip_cmd_write_register(c, d, n);
		break;
	case CMD_READ_GPIO:
		chip_reply(c, (const unsigned char[]){cmd + 1, 0xFF, 0xFF, 0x00}, 4);
		break;
	case CMD_RF_CONFIGURATION:
		/* Item 5 = MaxRetries: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation.
		 * The reply is just the response code, as for the next four. */
		if (n >= 4 && d[0] == 0x05)
			c->mx_rty_passive = d[3];
		/* fall through */
	case CMD_WRITE_GPIO:
	case CMD_SET_SERIAL_BAUD_RATE:
	case CMD_SET_PARAMETERS:
	case CMD_SAM_CONFIGURATION:
		r[0] = cmd + 1;
		chip_reply(c, r, 1);
		break;
	case CMD_POWER_DOWN:
	case CMD_IN_DESELECT:
	case CMD_IN_RELEASE:
	case CMD_IN_SELECT:
		chip_reply_status(c, cmd, 0x00);
		break;
	case CMD_IN_COMMUNICATE_THRU:
	case CMD_IN_JUMP_FOR_PSL:
	case CMD_IN_JUMP_FOR_DEP:
	case CMD_IN_PSL:
	case CMD_IN_ATR:
		chip_reply_status(c, cmd, 0x01); /* nothing answers on the RF side */
		break;
	case CMD_IN_DATA_EXCHANGE:
		chip_cmd_data_exchange(c, d, n);
		break;
	case CMD_IN_LIST_PASSIVE_TARGET:
		chip_cmd_list(c, d, n, now);
		break;
	case CMD_IN_AUTO_POLL:
		chip_cmd_autopoll(c, d, n, now);
		break;
	default:
		c->unknown++;
		chip_send(c, frame_error, sizeof(frame_error)); /* syntax error */
		break;
	}
	if (c->pend.kind != PEND_NONE && c->pend.due_us >= 0 && c->pend.due_us <= now)
		chip_pend_due(c, now);
}

/* Host ACK = abort the pending command (no reply); NACK = send the last reply again. */
static void
chip_control_frame(struct chip *c, int nack)
{
	if (nack) {
		c->nacks++;
		if (c->last_reply_len && c->fault == FAULT_NONE)
			chip_send(c, c->last_reply, c->last_reply_len);
		return;
	}
	if (c->pend.kind != PEND_NONE) {
		c->aborts++;
		c->pend.kind = PEND_NONE;
	}
}

/*
 * Find and handle every complete frame in c->rx; keep an unfinished one.  A bad
 * frame costs only its start code: parsing resumes right after it, so a real
 * frame hidden in noise is still found.
 */
static void
chip_parse(struct chip *c, long long now)
{
	size_t i = 0;

	for (;;) {
		size_t p, n, body;
		unsigned char sum;

		while (i + 1 < c->rxlen && !(c->rx[i] == 0x00 && c->rx[i + 1] == 0xFF))
			i++;
		if (i + 1 >= c->rxlen) {
			if (i < c->rxlen && c->rx[i] != 0x00)
				i++; /* a lone last byte can start a frame only if it is 00 */
			break;
		}
		p = i + 2;
		if (c->rxlen - p < 2)
			break;
		if (c->rx[p] == 0x00 && c->rx[p + 1] == 0xFF) {
			c->frames++;
			chip_control_frame(c, 0);
			i = p + 2;
			continue;
		}
		if (c->rx[p] == 0xFF && c->rx[p + 1] == 0x00) {
			c->frames++;
			chip_control_frame(c, 1);
			i = p + 2;
			continue;
		}
		if (c->rx[p] == 0xFF && c->rx[p + 1] == 0xFF) { /* extended frame */
			if (c->rxlen - p < 5)
				break;
			n = (size_t)c->rx[p + 2] << 8 | c->rx[p + 3];
			if (((c->rx[p + 2] + c->rx[p + 3] + c->rx[p + 4]) & 0xFF) != 0 ||
			    n + 16 > CHIP_RX_MAX) {
				c->bad_frames++;
				i++;
				continue;
			}
			body = p + 5;
		} else {
			n = c->rx[p];
			if (((c->rx[p] + c->rx[p + 1]) & 0xFF) != 0) {
				c->bad_frames++;
				i++;
				continue;
			}
			body = p + 2;
		}
		if (n < 2) { /* TFI and a command code at least */
			c->bad_frames++;
			i++;
			continue;
		}
		if (c->rxlen - body < n + 1)
			break;
		sum = 0;
		for (size_t k = 0; k <= n; k++)
			sum += c->rx[body + k];
		if (sum != 0 || c->rx[body] != 0xD4) {
			c->bad_frames++;
			i++;
			continue;
		}
		c->frames++;
		chip_log(c, "RX", c->rx + i, body + n + 1 - i);
		chip_command(c, c->rx + body + 1, n - 1, now);
		i = body + n + 1;
	}
	memmove(c->rx, c->rx + i, c->rxlen - i);
	c->rxlen -= i;
}

void
chip_input(struct chip *c, const unsigned char *buf, size_t len, long long now_us)
{
	while (len > 0) {
		size_t room = sizeof(c->rx) - c->rxlen;
		size_t take = len < room ? len : room;

		memcpy(c->rx + c->rxlen, buf, take);
		c->rxlen += take;
		buf += take;
		len -= take;
		c->rx_us = now_us;
		chip_parse(c, now_us);
		if (c->rxlen == sizeof(c->rx)) { /* full of one unfinishable frame */
			c->bad_frames++;
			c->rx[0] = 0x01;
			chip_parse(c, now_us);
		}
	}
}

void
chip_tick(struct chip *c, long long now_us)
{
	if (c->fault_until_us && now_us >= c->fault_until_us) {
		c->fault = FAULT_NONE;
		c->fault_until_us = 0;
	}
	if (c->pend.kind != PEND_NONE && c->pend.due_us >= 0 && now_us >= c->pend.due_us)
		chip_pend_due(c, now_us);
	/* A frame that stopped half-way is noise: skip its start code, look again. */
	while (c->rxlen > 0 && now_us - c->rx_us >= STALE_US) {
		size_t before = c->rxlen;

		c->rx[0] = 0x01;
		chip_parse(c, now_us);
		if (c->rxlen == before) {
			memmove(c->rx, c->rx + 1, c->rxlen - 1);
			c->rxlen--;
		}
	}
}

long long
chip_deadline(const struct chip *c)
{
	long long d = -1;

	if (c->pend.kind != PEND_NONE && c->pend.due_us >= 0)
		d = c->pend.due_us;
	if (c->fault_until_us && (d < 0 || c->fault_until_us < d))
		d = c->fault_until_us;
	if (c->rxlen > 0 && (d < 0 || c->rx_us + STALE_US < d))
		d = c->rx_us + STALE_US;
	return d;
}

void
chip_init(struct chip *c, chip_write_fn write, void *arg)
{
	c->write = write;
	c->write_arg = arg;
	c->rxlen = 0;
	memset(c->regs, 0, sizeof(c->regs));
	c->mx_rty_passive = 0xFF;
	c->last_reply_len = 0;
	memset(&c->pend, 0, sizeof(c->pend));
}

void
chip_unplug(struct chip *c)
{
	chip_init(c, c->write, c->write_arg);
}

int
chip_insert(struct chip *c, const struct chip_card *card, long long now_us)
{
	if (card->uidlen != 4 && card->uidlen != 7 && card->uidlen != 10)
		return -1;
	c->card = *card;
	c->card_present = 1;
	/* A poll in progress finds the card on its next activation attempt. */
	if (c->pend.kind != PEND_NONE) {
		long long at = now_us + c->hit_delay_us;

		if (c->pend.due_us < 0 || at < c->pend.due_us)
			c->pend.due_us = at;
	}
	return 0;
}

void
chip_remove(struct chip *c)
{
	c->card_present = 0;
}

int
chip_parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int half = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == '-') {
			if (half >= 0)
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (half < 0) {
			half = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (unsigned char)(half << 4 | v);
		half = -1;
	}
	return half >= 0 ? -1 : (int)n;
}

/* A non-negative number of milliseconds (decimals allowed) up to max. */
static int
chip_parse_ms(const char *s, double scale, double max, long long *out)
{
	char *end;
	double v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= max))
		return -1;
	*out = (long long)(v * scale);
	return 0;
}

static void
chip_status(const struct chip *c, char *out, size_t n)
{
	char uid[2 * CHIP_UID_MAX + 1] = "none";

	if (c->card_present)
		for (size_t i = 0; i < c->card.uidlen; i++)
			snprintf(uid + 2 * i, 3, "%02X", c->card.uid[i]);
	snprintf(out, n,
	         "ok card=%s fault=%s delay_ms=%lld hitdelay_ms=%lld mx_rty=%u frames=%lu "
	         "bad_frames=%lu commands=%lu polls=%lu hits=%lu aborts=%lu nacks=%lu unknown=%lu "
	         "dropped=%lu",
	         uid, chip_fault_name(c->fault), c->delay_us / US_PER_MS,
	         c->hit_delay_us / US_PER_MS, c->mx_rty_passive, c->frames, c->bad_frames,
	         c->commands, c->polls, c->hits, c->aborts, c->nacks, c->unknown, c->dropped);
}

static enum chip_ctl
chip_ctl_insert(struct chip *c, char **save, long long now, char *reply, size_t n)
{
	struct chip_card card = {.sak = 0x08, .atqa = {0x00, 0x04}};
	const char *uid = strtok_r(NULL, " \t", save);
	const char *atqa = strtok_r(NULL, " \t", save);
	const char *sak = strtok_r(NULL, " \t", save);
	int len;

	len = uid ? chip_parse_hex(uid, card.uid, sizeof(card.uid)) : -1;
	if (len != 4 && len != 7 && len != 10) {
		snprintf(reply, n, "error insert: expected a UID of 4, 7 or 10 bytes in hex");
		return CTL_ERROR;
	}
	card.uidlen = (size_t)len;
	if (len != 4) { /* double/triple size UIDs are usually Ultralight/NTAG */
		card.atqa[1] = 0x44;
		card.sak = 0x00;
	}
	if (atqa && (chip_parse_hex(atqa, card.atqa, 2) != 2 || sak == NULL ||
	             chip_parse_hex(sak, &card.sak, 1) != 1 || strtok_r(NULL, " \t", save))) {
		snprintf(reply, n, "error insert: expected UID [ATQA(4 hex) SAK(2 hex)]");
		return CTL_ERROR;
	}
	chip_insert(c, &card, now);
	snprintf(reply, n, "ok inserted %s atqa=%02X%02X sak=%02X", uid, card.atqa[0], card.atqa[1],
	         card.sak);
	return CTL_OK;
}

static enum chip_ctl
chip_ctl_fault(struct chip *c, char **save, long long now, char *reply, size_t n,
               long long *gone_ms)
{
	const char *name = strtok_r(NULL, " \t", save);
	const char *secs = strtok_r(NULL, " \t", save);
	long long ms = 0;
	int f;

	for (f = 0; f < FAULT_N && name; f++)
		if (strcmp(name, fault_names[f]) == 0)
			break;
	if (name == NULL || f == FAULT_N ||
	    (secs && chip_parse_ms(secs, 1000.0, 3600.0, &ms) < 0) || strtok_r(NULL, " \t", save)) {
		snprintf(reply, n,
		         "error fault: expected none|noack|badlcs|baddcs|errframe|"
		         "silence|garbage|gone [SECONDS]");
		return CTL_ERROR;
	}
	if (f == FAULT_GONE) {
		*gone_ms = secs ? ms : 2000;
		snprintf(reply, n, "ok gone for %lld ms", *gone_ms);
		return CTL_GONE;
	}
	c->fault = (enum chip_fault)f;
	c->fault_until_us = (secs && f != FAULT_NONE) ? now + ms * US_PER_MS : 0;
	snprintf(reply, n, "ok fault %s", fault_names[f]);
	return CTL_OK;
}

enum chip_ctl
chip_control(struct chip *c, const char *line, long long now_us, char *reply, size_t replylen,
             long long *gone_ms)
{
	char buf[256];
	char *save = NULL, *verb;
	long long v;

	if (strlen(line) >= sizeof(buf)) {
		snprintf(reply, replylen, "error line too long");
		return CTL_ERROR;
	}
	strcpy(buf, line);
	buf[strcspn(buf, "\r\n")] = '\0';
	verb = strtok_r(buf, " \t", &save);
	if (verb == NULL) {
		snprintf(reply, replylen, "error empty line (try help)");
		return CTL_ERROR;
	}
	if (strcmp(verb, "insert") == 0)
		return chip_ctl_insert(c, &save, now_us, reply, replylen);
	if (strcmp(verb, "fault") == 0)
		return chip_ctl_fault(c, &save, now_us, reply, replylen, gone_ms);
	if (strcmp(verb, "remove") == 0) {
		chip_remove(c);
		snprintf(reply, replylen, "ok removed");
		return CTL_OK;
	}
	if (strcmp(verb, "delay") == 0 || strcmp(verb, "hitdelay") == 0) {
		if (chip_parse_ms(strtok_r(NULL, " \t", &save), 1000.0, 10000.0, &v) < 0) {
			snprintf(reply, replylen, "error %s: expected milliseconds 0-10000", verb);
			return CTL_ERROR;
		}
		if (verb[0] == 'd')
			c->delay_us = v;
		else
			c->hit_delay_us = v;
		snprintf(reply, replylen, "ok %s %.3f ms", verb, v / 1000.0);
		return CTL_OK;
	}
	if (strcmp(verb, "status") == 0) {
		chip_status(c, reply, replylen);
		return CTL_OK;
	}
	if (strcmp(verb, "help") == 0) {
		snprintf(reply, replylen,
		         "ok insert UID [ATQA SAK] | remove | delay MS | hitdelay MS | "
		         "fault none|noack|badlcs|baddcs|errframe|silence|garbage|gone [SECONDS] | "
		         "status");
		return CTL_OK;
	}
	snprintf(reply, replylen, "error unknown command %.40s (try help)", verb);
	return CTL_ERROR;
}
