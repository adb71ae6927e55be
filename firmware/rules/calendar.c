/*
 * calendar.c — dates as day numbers, the Easter computus and the public holidays of
 * Norway and Denmark.  Holidays are computed from the date of Easter, never read from
 * a table, so the kiosk keeps working in years nobody typed in.
 */
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

/* Denmark abolished Great Prayer Day (store bededag) from 2024; 2023 was the last. */
#define DK_GREAT_PRAYER_DAY_LAST_YEAR 2023

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil):
 * the year is shifted to start in March so the leap day is the last day of a year.
 */
int32_t
rules_date(int year, int month, int day)
{
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
rules_ymd(int32_t date, int *year, int *month, int *day)
{
	int z = date + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int m = mp + (mp < 10 ? 3 : -9);
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = m;
	*year = yoe + era * 400 + (m <= 2);
}

int
rules_days_in_month(int year, int month)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : len[month - 1];
}

int
rules_date_parse(const char *s, int32_t *date)
{
	int y, m, d, n = 0;
	bool digits = true;

	if (strlen(s) != 10)
		return -1;
	/* Plain "dddd-dd-dd" (every stored date) is read here: sscanf() was a visible
	 * share of a month's documents; anything else (signs, blanks) goes to sscanf
	 * as before, so the dates accepted are exactly the same. */
	for (int i = 0; i < 10 && digits; i++)
		if (i != 4 && i != 7)
			digits = s[i] >= '0' && s[i] <= '9';
	if (digits && s[4] == '-' && s[7] == '-') {
		y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		m = (s[5] - '0') * 10 + (s[6] - '0');
		d = (s[8] - '0') * 10 + (s[9] - '0');
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10) {
		return -1;
	}
	if (s[4] != '-' || s[7] != '-' || y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > rules_days_in_month(y, m))
		return -1;
	*date = rules_date(y, m, d);
	return 0;
}

void
rules_date_format(int32_t date, char *buf, size_t len)
{
	int y, m, d;
	rules_ymd(date, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

int
rules_weekday(int32_t date)
{
	/* 1970-01-01 was a Thursday (4). */
	return (int)(((date % 7) + 7 + 3) % 7) + 1;
}

int32_t
rules_add_months(int32_t date, int months)
{
	int y, m, d;
	rules_ymd(date, &y, &m, &d);
	int idx = y * 12 + (m - 1) + months;
	y = idx / 12;
	m = idx % 12 + 1;
	int last = rules_days_in_month(y, m);
	return rules_date(y, m, d > last ? last : d);
}

/* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
int32_t
rules_easter(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;
	return rules_date(year, month, day);
}

bool
rules_is_holiday(enum rules_holidays cal, int32_t date)
{
	int y, m, d;
	rules_ymd(date, &y, &m, &d);
	if ((m == 1 && d == 1) || (m == 12 && (d == 25 || d == 26)))
		return true;
	if (cal == RULES_HOLIDAYS_NO && m == 5 && (d == 1 || d == 17))
		return true;
	/* The movable feasts all lie between Maundy Thursday and Whit Monday. */
	if (m < 3 || m > 6)
		return false;
	int32_t off = date - rules_easter(y);
	switch (off) {
	case -3: /* Maundy Thursday */
	case -2: /* Good Friday */
	case 0:  /* Easter Sunday */
	case 1:  /* Easter Monday */
	case 39: /* Ascension Day */
	case 49: /* Whit Sunday */
	case 50: /* Whit Monday */
		return true;
	case 26: /* Great Prayer Day: the fourth Friday after Easter */
		return cal == RULES_HOLIDAYS_DK && y <= DK_GREAT_PRAYER_DAY_LAST_YEAR;
	default:
		return false;
	}
}
