/*
 * vn_date.h — calendar dates as the CCCD prints them (ddMMyyyy in the QR,
 * dd/MM/yyyy in DG13) and as the chip keys want them (YYMMDD), plus the
 * "same day N years later" arithmetic the card-validity rule needs.
 *
 * Dates are proleptic Gregorian with a four-digit year from 1800 to 9999;
 * anything else (31/02, 29/02 in a common year, month 13) is not a date.
 * No heap, no global state; outputs are only written on success.
 */
#ifndef KS_VN_DATE_H
#define KS_VN_DATE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vn_date {
    int year, month, day;
} vn_date;

bool vn_date_valid(vn_date d);

/* "ddMMyyyy" when sep is 0, "dd<sep>MM<sep>yyyy" otherwise; exactly len bytes. */
bool vn_date_parse_dmy(const char *s, size_t len, char sep, vn_date *out);

/* "YYYY-MM-DD", NUL-terminated, exactly 10 characters. */
bool vn_date_parse_iso(const char *s, vn_date *out);

void vn_date_to_iso(vn_date d, char out[11]);
void vn_date_to_yymmdd(vn_date d, char out[7]);

/* <0, 0, >0 like strcmp. */
int vn_date_cmp(vn_date a, vn_date b);

/* The same month and day `years` later. When that is 29 February of a common
 * year, *alt (if not NULL) receives 1 March and the function returns 28
 * February; otherwise *alt is set equal to the result. */
vn_date vn_date_add_years(vn_date d, int years, vn_date *alt);

bool vn_date_is_leap_year(int year);

#endif
