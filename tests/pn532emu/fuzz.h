/*
 * fuzz.h — pn532emu's self-test: random and half-valid byte streams and control
 * lines into chip.c, checking that every reply is a well-formed frame.  Run under
 * ASan/UBSan by the integration tests (`pn532emu --selftest-fuzz N`).
 */
#ifndef STEMPEL_PN532EMU_FUZZ_H
#define STEMPEL_PN532EMU_FUZZ_H

/* 0 if every iteration passed, 1 (and a message on stderr) if not. */
int fuzz_run(long iterations, unsigned seed);

#endif
