/*
 * chip.h — the PN532 as a host sees it over HSU: a byte-stream parser, the
 * commands libnfc 1.8.0 sends, one emulated ISO14443A card and fault injection.
 * Pure: no I/O and no clock of its own.  main.c feeds it bytes and time and
 * gives it a write callback; the fuzz self-test feeds it anything at all.
 */
#ifndef STEMPEL_PN532EMU_CHIP_H
#define STEMPEL_PN532EMU_CHIP_H

#include <stddef.h>

#define CHIP_UID_MAX 10
#define CHIP_RX_MAX 1024
#define CHIP_TX_MAX 300

enum chip_fault {
	FAULT_NONE,
	FAULT_NOACK,    /* no ACK, the reply still comes: libnfc reads it as a bad ACK */
	FAULT_BADLCS,   /* ACK, then a reply with a wrong length checksum */
	FAULT_BADDCS,   /* ACK, then a reply with a wrong data checksum */
	FAULT_ERRFRAME, /* ACK, then the application error frame */
	FAULT_SILENCE,  /* nothing at all: no ACK, no reply */
	FAULT_GARBAGE,  /* random bytes instead of ACK and reply */
	FAULT_GONE,     /* the device disappears: main.c closes the pty */
	FAULT_N
};

struct chip_card {
	unsigned char uid[CHIP_UID_MAX];
	size_t uidlen;
	unsigned char atqa[2]; /* as sent: "00 04" */
	unsigned char sak;
};

enum chip_pend { PEND_NONE, PEND_LIST, PEND_AUTOPOLL };

typedef void (*chip_write_fn)(void *arg, const unsigned char *buf, size_t len);

struct chip {
	chip_write_fn write;
	void *write_arg;
	int verbose; /* log frames to stderr */

	/* host -> chip bytes not parsed yet */
	unsigned char rx[CHIP_RX_MAX];
	size_t rxlen;
	long long rx_us; /* when the last byte arrived */

	/* chip state */
	unsigned char regs[65536];
	unsigned char mx_rty_passive; /* 0xFF = InListPassiveTarget waits forever */
	int card_present;
	struct chip_card card;
	unsigned char last_reply[CHIP_TX_MAX]; /* for a NACK */
	size_t last_reply_len;

	/* test knobs */
	enum chip_fault fault;
	long long fault_until_us; /* 0 = until changed */
	long long delay_us;       /* a poll that finds no card answers after this */
	long long hit_delay_us;   /* a poll that finds a card answers after this */

	/* the command in progress (InListPassiveTarget, InAutoPoll) */
	struct {
		enum chip_pend kind;
		long long due_us; /* -1 = wait for a card or a new command */
		int infinite;
		/* InListPassiveTarget */
		unsigned char brty;
		unsigned char want_uid[CHIP_UID_MAX]; /* select by UID, if want_len */
		size_t want_len;
		/* InAutoPoll */
		unsigned char types[15];
		size_t ntypes;
		long long t0_us, slice_us;
		unsigned long slices; /* 0 = endless */
	} pend;

	/* counters for `status` */
	unsigned long frames, bad_frames, commands, polls, hits, aborts, nacks, unknown, dropped;
	unsigned rng;
};

/* Reset to power-on state (keeps knobs, the card and the write callback). */
void chip_init(struct chip *c, chip_write_fn write, void *arg);
/* The pty went away: forget partial frames and the command in progress. */
void chip_unplug(struct chip *c);
/* Bytes from the host. */
void chip_input(struct chip *c, const unsigned char *buf, size_t len, long long now_us);
/* Let time pass: send replies that are due, end timed faults, drop stale bytes. */
void chip_tick(struct chip *c, long long now_us);
/* When chip_tick must run next, or -1 if nothing is waiting. */
long long chip_deadline(const struct chip *c);
/* Put a card in the field (replaces any other).  0 or -1 (bad card). */
int chip_insert(struct chip *c, const struct chip_card *card, long long now_us);
void chip_remove(struct chip *c);
const char *chip_fault_name(enum chip_fault f);

enum chip_ctl { CTL_OK, CTL_ERROR, CTL_GONE };
/*
 * One control line ("insert 04A1B2C3", "fault silence 2", ...).  Writes the answer
 * ("ok ..." or "error ...", no newline) into reply.  CTL_GONE asks the caller to
 * close the pty for *gone_ms and come back with a new one.
 */
enum chip_ctl chip_control(struct chip *c, const char *line, long long now_us, char *reply,
                           size_t replylen, long long *gone_ms);
/* Build an information frame (TFI D4 host, D5 chip), extended if len > 254.  Its length. */
size_t chip_frame(unsigned char *out, unsigned char tfi, const unsigned char *data, size_t len);
/* Parse "04A1B2C3" (':' '-' allowed) into bytes.  Length, or -1. */
int chip_parse_hex(const char *s, unsigned char *out, size_t max);

#endif
