#include "vn_date.h"


bool vn_date_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && vn_date_is_leap_year(year))
        return 29;
    return days[month - 1];
}

bool vn_date_valid(vn_date d)
{
    if (d.year < 1800 || d.year > 9999 || d.month < 1 || d.month > 12)
        return false;
    return d.day >= 1 && d.day <= days_in_month(d.year, d.month);
}

static bool digits(const char *s, size_t n, int *value)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

bool vn_date_parse_dmy(const char *s, size_t len, char sep, vn_date *out)
{
    if (!s || !out)
        return false;
    size_t step = sep ? 1 : 0;
    if (len != 8 + 2 * step)
        return false;
    if (sep && (s[2] != sep || s[5] != sep))
        return false;
    vn_date d;
    if (!digits(s, 2, &d.day) || !digits(s + 2 + step, 2, &d.month) ||
        !digits(s + 4 + 2 * step, 4, &d.year))
        return false;
    if (!vn_date_valid(d))
        return false;
    *out = d;
    return true;
}

bool vn_date_parse_iso(const char *s, vn_date *out)
{
    if (!s || !out)
        return false;
    for (size_t i = 0; i < 10; i++)
        if (s[i] == '\0')
            return false;
    if (s[10] != '\0' || s[4] != '-' || s[7] != '-')
        return false;
    vn_date d;
    if (!digits(s, 4, &d.year) || !digits(s + 5, 2, &d.month) || !digits(s + 8, 2, &d.day))
        return false;
    if (!vn_date_valid(d))
        return false;
    *out = d;
    return true;
}

/* Writes the low `width` decimal digits of a non-negative value. */
static void put_digits(char *out, int value, int width)
{
    unsigned v = value < 0 ? 0u : (unsigned)value;
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

void vn_date_to_iso(vn_date d, char out[11])
{
    put_digits(out, d.year, 4);
    out[4] = '-';
    put_digits(out + 5, d.month, 2);
    out[7] = '-';
    put_digits(out + 8, d.day, 2);
    out[10] = '\0';
}

void vn_date_to_yymmdd(vn_date d, char out[7])
{
    put_digits(out, d.year, 2);
    put_digits(out + 2, d.month, 2);
    put_digits(out + 4, d.day, 2);
    out[6] = '\0';
}

int vn_date_cmp(vn_date a, vn_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

vn_date vn_date_add_years(vn_date d, int years, vn_date *alt)
{
    vn_date r = {d.year + years, d.month, d.day};
    vn_date a = r;
    if (r.month == 2 && r.day == 29 && !vn_date_is_leap_year(r.year)) {
        r.day = 28;
        a.month = 3;
        a.day = 1;
    }
    if (alt)
        *alt = a;
    return r;
}
