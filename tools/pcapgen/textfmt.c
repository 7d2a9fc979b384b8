/* Calendar formatting for the text protocols (HL7 TS, DICOM DA/TM, HTTP IMF-fixdate). Computed
 * here rather than with gmtime() so the output never depends on the C library or time zone. */
#include "proto.h"

#include <stdio.h>

struct civil {
    int year;
    unsigned month, day, hour, minute, second, weekday;
};

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil inverse). */
static struct civil civil_of(uint64_t t_us)
{
    struct civil c;
    uint64_t secs = t_us / 1000000;
    int64_t days = (int64_t)(secs / 86400);
    uint64_t rem = secs % 86400;
    c.hour = (unsigned)(rem / 3600);
    c.minute = (unsigned)(rem / 60 % 60);
    c.second = (unsigned)(rem % 60);
    c.weekday = (unsigned)((days + 4) % 7); /* 1970-01-01 was a Thursday */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c.year = (int)(y + (c.month <= 2));
    return c;
}

void fmt_date(uint64_t t, char out[9])
{
    struct civil c = civil_of(t);
    snprintf(out, 9, "%04u%02u%02u", (unsigned)c.year % 10000u, c.month % 100, c.day % 100);
}

void fmt_time(uint64_t t, char out[7])
{
    struct civil c = civil_of(t);
    snprintf(out, 7, "%02u%02u%02u", c.hour % 100, c.minute % 100, c.second % 100);
}

void fmt_http_date(uint64_t t, char out[30])
{
    static const char *const wd[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mo[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct civil c = civil_of(t);
    snprintf(out, 30, "%s, %02u %s %04u %02u:%02u:%02u GMT", wd[c.weekday % 7], c.day % 100,
             mo[(c.month - 1) % 12], (unsigned)c.year % 10000u, c.hour % 100, c.minute % 100,
             c.second % 100);
}
