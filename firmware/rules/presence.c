/*
 * presence.c — taps to presence.  `in_out` pairs taps (in, out, in, ...) within a
 * day; a forgotten tap-out ends presence at the session end (missing_out =
 * session_end) and flags the day.  `in_only` counts the first tap of each session
 * and runs presence to its end.  Grace and rounding then adjust each late arrival
 * or early leave.  Presence never crosses midnight: every day starts "out".
 */
#include "rules/rules_int.h"

/* End of the first session (on-site or off-site) still running at, or starting after, t. */
static int
session_end_after(const struct rules_dayplan *dp, int t)
{
	for (int i = 0; i < dp->n; i++)
		if (dp->end[i] > t)
			return dp->end[i];
	return -1;
}

/* Whether presence [a, b) overlaps a session; an in and out in one minute is a point. */
static bool
overlaps_session(const struct rules_dayplan *dp, int a, int b)
{
	if (b <= a)
		b = a + 1;
	for (int i = 0; i < dp->n; i++)
		if (a < dp->end[i] && b > dp->start[i])
			return true;
	return false;
}

/*
 * in_out: taps pair up (in, out, in, ...).  An odd number of taps is flagged
 * missing_tap_out, scheduled day or not; with missing_out = session_end the open
 * interval runs to the end of its session.  A closed interval that overlaps no
 * session is flagged tap_outside_schedule (ruling 5).
 */
static void
presence_in_out(const struct rules_dayplan *dp, const struct rules_tap *taps, size_t n,
                const struct rules_params *p, struct mset *present, uint32_t *flags)
{
	int in = -1;
	for (size_t i = 0; i < n; i++) {
		if (in < 0) {
			in = taps[i].minute;
		} else {
			rules_mset_range(present, in, taps[i].minute, true);
			if (!overlaps_session(dp, in, taps[i].minute))
				*flags |= 1u << RULES_FLAG_TAP_OUTSIDE_SCHEDULE;
			in = -1;
		}
	}
	if (in < 0)
		return;
	*flags |= 1u << RULES_FLAG_MISSING_TAP_OUT;
	if (p->num[RULES_P_MISSING_OUT] == RULES_MISSING_OUT_SESSION_END) {
		int end = session_end_after(dp, in);
		if (end > 0)
			rules_mset_range(present, in, end, true);
	}
}

/*
 * in_only: a session's tap is the first one after the previous session ended; it
 * opens the session up to its end.  Off-site sessions count too (ruling 1).  A tap
 * after the last session ended belongs to no session and is flagged.
 */
static void
presence_in_only(const struct rules_dayplan *dp, const struct rules_tap *taps, size_t n,
                 struct mset *present, uint32_t *flags)
{
	int prev_end = 0, last_end = 0;
	size_t t = 0;
	for (int i = 0; i < dp->n; i++) {
		while (t < n && taps[t].minute < prev_end)
			t++;
		if (t < n && taps[t].minute < dp->end[i]) {
			int from = taps[t].minute > dp->start[i] ? taps[t].minute : dp->start[i];
			rules_mset_range(present, from, dp->end[i], true);
		}
		if (dp->end[i] > prev_end)
			prev_end = dp->end[i];
		last_end = prev_end;
	}
	if (n > 0 && (dp->n == 0 || taps[n - 1].minute >= last_end))
		*flags |= 1u << RULES_FLAG_TAP_OUTSIDE_SCHEDULE;
}

void
rules_presence(const struct rules_dayplan *dp, const struct rules_tap *taps, size_t n,
               const struct rules_params *p, struct mset *present, uint32_t *flags)
{
	mset_clear(present);
	if (p->num[RULES_P_TAP_MODE] == RULES_TAP_IN_ONLY)
		presence_in_only(dp, taps, n, present, flags);
	else
		presence_in_out(dp, taps, n, p, present, flags);
}

static bool
session_attended(const struct mset *attended, int s, int e)
{
	for (int m = s; m < e; m++)
		if (mset_has(attended, m))
			return true;
	return false;
}

/* Move minute m from one set to the other. */
static void
move_minute(struct mset *from, struct mset *to, int m)
{
	rules_mset_range(from, m, m + 1, false);
	rules_mset_range(to, m, m + 1, true);
}

/*
 * A gap of at most grace_minutes is forgiven (counted as attended).  A longer one is
 * rounded up to a multiple of rounding_minutes by taking attended minutes next to it:
 * after it for a late arrival or a gap, before it for an early leave.  Excused minutes
 * are never taken.  Sessions the participant did not come to at all are no lateness.
 * Off-site sessions are treated alike: their gaps are minutes a teacher registered.
 */
void
rules_grace_rounding(const struct rules_dayplan *dp, const struct rules_params *p,
                     const struct mset *excused, struct mset *attended, struct mset *unexcused)
{
	int grace = (int)rules_pint(p, RULES_P_GRACE_MINUTES, 0);
	int round = (int)rules_pint(p, RULES_P_ROUNDING_MINUTES, 1);
	if (grace <= 0 && round <= 1)
		return;
	for (int i = 0; i < dp->n; i++) {
		int s = dp->start[i], e = dp->end[i];
		if (!session_attended(attended, s, e))
			continue;
		struct mset gaps = *unexcused;
		for (int m = s; m < e;) {
			if (!mset_has(&gaps, m)) {
				m++;
				continue;
			}
			int a = m;
			while (m < e && mset_has(&gaps, m))
				m++;
			int b = m, len = b - a;
			if (len <= grace) {
				for (int k = a; k < b; k++)
					move_minute(unexcused, attended, k);
				continue;
			}
			int extra = round > 1 ? (round - len % round) % round : 0;
			if (b == e) {
				for (int k = a - 1; extra > 0 && k >= s && mset_has(attended, k) &&
				                    !mset_has(excused, k);
				     k--, extra--)
					move_minute(attended, unexcused, k);
			} else {
				int k = b;
				for (; extra > 0 && k < e && mset_has(attended, k) &&
				       !mset_has(excused, k);
				     k++, extra--)
					move_minute(attended, unexcused, k);
				m = k; /* the taken minutes are part of this gap */
			}
		}
	}
}
