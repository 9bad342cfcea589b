#include "vn_qr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vn_date.h"
#include "vn_text.h"

/* "Nữ": N, u + horn + tilde; precomposed as U+1EEF. */
static const char SEX_FEMALE_NFC[] = "N\xE1\xBB\xAF";
static const char SEX_FEMALE_NFD[] = "Nu\xCC\x9B\xCC\x83";

char vn_sex_code(const char *sex)
{
    if (!sex)
        return 0;
    if (strcmp(sex, "Nam") == 0)
        return 'M';
    if (strcmp(sex, SEX_FEMALE_NFC) == 0 || strcmp(sex, SEX_FEMALE_NFD) == 0)
        return 'F';
    return 0;
}

typedef struct field {
    const char *p;
    size_t len;
} field;

static const char *const field_names[VN_QR_MIN_FIELDS] = {
    "ID number", "old ID number", "full name", "date of birth", "sex", "residence",
    "date of issue",
};

static ks_status fail(char *err, size_t err_cap, ks_status st, const char *fmt, ...)
{
    if (err && err_cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_cap, fmt, ap);
        va_end(ap);
    }
    return st;
}

static bool all_digits(field f)
{
    for (size_t i = 0; i < f.len; i++)
        if (f.p[i] < '0' || f.p[i] > '9')
            return false;
    return true;
}

static void copy_field(char *dst, field f)
{
    memcpy(dst, f.p, f.len);
    dst[f.len] = '\0';
}

/* Validates the text of field number `no` (1-based) and copies it to dst. */
static ks_status take_text(field f, size_t no, const char *name, char *dst, size_t cap,
                           char *err, size_t err_cap)
{
    if (!vn_utf8_valid(f.p, f.len))
        return fail(err, err_cap, KS_ERR_MALFORMED, "QR field %zu (%s) is not valid UTF-8", no,
                    name);
    if (vn_text_has_controls(f.p, f.len))
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "QR field %zu (%s) contains control characters", no, name);
    if (f.len >= cap)
        return fail(err, err_cap, KS_ERR_TOO_LARGE,
                    "QR field %zu (%s) is longer than %zu bytes", no, name, cap - 1);
    copy_field(dst, f);
    return KS_OK;
}

static ks_status take_digits(field f, size_t no, const char *name, size_t n1, size_t n2,
                             char *dst, char *err, size_t err_cap)
{
    if (!all_digits(f) || (f.len != n1 && f.len != n2)) {
        if (n2 == n1)
            return fail(err, err_cap, KS_ERR_MALFORMED, "QR field %zu (%s) must be %zu digits",
                        no, name, n1);
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "QR field %zu (%s) must be %zu digits or empty", no, name, n1);
    }
    copy_field(dst, f);
    return KS_OK;
}

static ks_status take_date(field f, size_t no, const char *name, vn_date *date, char *iso,
                           char *err, size_t err_cap)
{
    if (f.len != 8 || !all_digits(f))
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "QR field %zu (%s) must be 8 digits ddMMyyyy", no, name);
    if (!vn_date_parse_dmy(f.p, f.len, 0, date))
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "QR field %zu (%s) is not a real calendar date", no, name);
    vn_date_to_iso(*date, iso);
    return KS_OK;
}

static ks_status parse_fixed(const field *fs, vn_qr *out, char *err, size_t err_cap)
{
    ks_status st;
    vn_date dob, issued;
    if ((st = take_digits(fs[0], 1, field_names[0], 12, 12, out->id_number, err, err_cap)))
        return st;
    if ((st = take_digits(fs[1], 2, field_names[1], 9, 0, out->old_id_number, err, err_cap)))
        return st;
    if ((st = take_text(fs[2], 3, field_names[2], out->full_name, sizeof out->full_name, err,
                        err_cap)))
        return st;
    if (out->full_name[strspn(out->full_name, " ")] == '\0')
        return fail(err, err_cap, KS_ERR_MALFORMED, "QR field 3 (full name) is empty");
    if ((st = take_date(fs[3], 4, field_names[3], &dob, out->date_of_birth, err, err_cap)))
        return st;
    if ((st = take_text(fs[4], 5, field_names[4], out->sex, sizeof out->sex, err, err_cap)))
        return st;
    if (vn_sex_code(out->sex) == 0)
        return fail(err, err_cap, KS_ERR_MALFORMED, "QR field 5 (sex) is neither Nam nor N\xE1\xBB\xAF");
    if ((st = take_text(fs[5], 6, field_names[5], out->residence, sizeof out->residence, err,
                        err_cap)))
        return st;
    if ((st = take_date(fs[6], 7, field_names[6], &issued, out->date_of_issue, err, err_cap)))
        return st;
    if (vn_date_cmp(dob, issued) > 0)
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "QR field 7 (date of issue) is before field 4 (date of birth)");
    return KS_OK;
}

static ks_status parse_extras(const char *p, size_t len, vn_qr *out, char *err, size_t err_cap)
{
    size_t no = VN_QR_MIN_FIELDS, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '|')
            continue;
        field f = {p + start, i - start};
        start = i + 1;
        no++;
        char name[32];
        snprintf(name, sizeof name, "extra field %zu", no);
        char scratch[sizeof out->extra[0]];
        char *dst = out->n_extra < VN_QR_MAX_EXTRA ? out->extra[out->n_extra] : scratch;
        ks_status st = take_text(f, no, name, dst, sizeof scratch, err, err_cap);
        if (st != KS_OK)
            return st;
        if (out->n_extra < VN_QR_MAX_EXTRA)
            out->n_extra++;
    }
    return KS_OK;
}

/* Splits the first seven fields, checks them, then the extras: errors name
 * the first bad field in reading order. */
static ks_status parse_fields(const char *text, size_t len, vn_qr *out, char *err, size_t err_cap)
{
    field fixed[VN_QR_MIN_FIELDS];
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len && count < VN_QR_MIN_FIELDS; i++) {
        if (i < len && text[i] != '|')
            continue;
        fixed[count].p = text + start;
        fixed[count].len = i - start;
        count++;
        start = i + 1;
    }
    if (count < VN_QR_MIN_FIELDS)
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "QR has %zu fields separated by '|', at least %d are needed", count,
                    VN_QR_MIN_FIELDS);
    ks_status st = parse_fixed(fixed, out, err, err_cap);
    if (st != KS_OK || start > len)
        return st;
    return parse_extras(text + start, len - start, out, err, err_cap);
}

ks_status vn_qr_parse(const char *text, size_t len, vn_qr *out, char *err, size_t err_cap)
{
    if (err && err_cap > 0)
        err[0] = '\0';
    if (!out)
        return fail(err, err_cap, KS_ERR_ARG, "no output for the QR");
    memset(out, 0, sizeof *out);
    if (!text)
        return fail(err, err_cap, KS_ERR_ARG, "no QR text");
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    if (memchr(text, '\0', len))
        return fail(err, err_cap, KS_ERR_MALFORMED, "QR text contains a NUL byte");
    ks_status st = parse_fields(text, len, out, err, err_cap);
    if (st != KS_OK)
        memset(out, 0, sizeof *out);
    return st;
}
