#include "mrz.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MRZ_MAX_CHARS 90u /* TD1: 3 x 30 */

static int char_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A' + 10;
    if (ch == '<')
        return 0;
    return -1;
}

int mrz_check_digit(const char *s, size_t len)
{
    static const int weights[3] = {7, 3, 1};
    if (!s && len)
        return -1;
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int v = char_value(s[i]);
        if (v < 0)
            return -1;
        sum = (sum + v * weights[i % 3]) % 10;
    }
    return sum;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* The raw zone, lines concatenated; width is the line length. */
typedef struct zone {
    char z[MRZ_MAX_CHARS];
    size_t width, lines;
} zone;

static bool format_of(size_t width, size_t lines, mrz_format *fmt)
{
    if (width == 30 && lines == 3)
        *fmt = MRZ_TD1;
    else if (width == 36 && lines == 2)
        *fmt = MRZ_TD2;
    else if (width == 44 && lines == 2)
        *fmt = MRZ_TD3;
    else
        return false;
    return true;
}

static bool append_line(zone *zn, const char *s, size_t n)
{
    while (n > 0 && is_space(s[0])) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n == 0 || (zn->lines > 0 && n != zn->width) || (zn->lines + 1) * n > MRZ_MAX_CHARS)
        return false;
    zn->width = n;
    memcpy(zn->z + zn->lines * n, s, n);
    zn->lines++;
    return true;
}

static ks_status split_zone(const char *text, size_t len, zone *zn, mrz_format *fmt)
{
    memset(zn, 0, sizeof *zn);
    while (len > 0 && is_space(text[0])) {
        text++;
        len--;
    }
    while (len > 0 && is_space(text[len - 1]))
        len--;
    if (memchr(text, '\n', len)) {
        size_t start = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i == len || text[i] == '\n') {
                if (!append_line(zn, text + start, i - start))
                    return KS_ERR_MALFORMED;
                start = i + 1;
            }
        }
    } else {
        size_t width = len == 90 ? 30 : len == 72 ? 36 : len == 88 ? 44 : 0;
        if (width == 0)
            return KS_ERR_MALFORMED;
        memcpy(zn->z, text, len);
        zn->width = width;
        zn->lines = len / width;
    }
    if (!format_of(zn->width, zn->lines, fmt))
        return KS_ERR_MALFORMED;
    for (size_t i = 0; i < zn->width * zn->lines; i++)
        if (char_value(zn->z[i]) < 0)
            return KS_ERR_MALFORMED;
    return KS_OK;
}

/* Copies n chars without trailing fillers (or without any, when all_fillers). */
static void copy_field(char *dst, size_t cap, const char *src, size_t n, bool all_fillers)
{
    size_t o = 0;
    if (!all_fillers)
        while (n > 0 && src[n - 1] == '<')
            n--;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if (!all_fillers || src[i] != '<')
            dst[o++] = src[i];
    dst[o] = '\0';
}

/* Words separated by runs of '<', joined by single spaces. */
static void copy_words(char *dst, size_t cap, const char *src, size_t n)
{
    size_t o = 0;
    bool gap = false;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (src[i] == '<') {
            gap = o > 0;
            continue;
        }
        if (gap) {
            dst[o++] = ' ';
            gap = false;
            if (o + 1 >= cap)
                break;
        }
        dst[o++] = src[i];
    }
    dst[o] = '\0';
}

static void parse_name(mrz_info *out, const char *name, size_t n)
{
    size_t split = n;
    for (size_t i = 0; i + 1 < n; i++) {
        if (name[i] == '<' && name[i + 1] == '<') {
            split = i;
            break;
        }
    }
    copy_words(out->surname, sizeof out->surname, name, split);
    if (split < n)
        copy_words(out->given_names, sizeof out->given_names, name + split + 2, n - split - 2);
}

static bool digit_matches(const char *field, size_t n, char cd)
{
    int want = mrz_check_digit(field, n);
    return want >= 0 && cd >= '0' && cd <= '9' && cd - '0' == want;
}

/* Composite check over the concatenation of up to three pieces of one line. */
static bool composite_matches(const char *a, size_t an, const char *b, size_t bn, const char *c,
                              size_t cn, char cd)
{
    char buf[64];
    if (an + bn + cn > sizeof buf)
        return false;
    memcpy(buf, a, an);
    memcpy(buf + an, b, bn);
    memcpy(buf + an + bn, c, cn);
    return digit_matches(buf, an + bn + cn, cd);
}

/*
 * The document number field (9 chars) and its check digit, with the long-number
 * rule of Doc 9303 Parts 5/6: a '<' in the check digit position means the
 * number continues at the start of the optional data, followed by its check
 * digit and a filler. *opt_used tells how much optional data that consumed.
 */
static void parse_docno(mrz_info *out, const char *field, char cd, const char *opt, size_t opt_n,
                        size_t *opt_used)
{
    *opt_used = 0;
    if (cd != '<' || opt_n == 0 || opt[0] == '<') {
        copy_field(out->document_number, sizeof out->document_number, field, 9, false);
        if (!digit_matches(field, 9, cd))
            out->failed_checks |= MRZ_CHECK_DOCNO;
        return;
    }
    size_t k = 0;
    while (k < opt_n && opt[k] != '<')
        k++;
    /* opt[0..k-1) continues the number, opt[k-1] is its check digit. */
    char full[9 + 32];
    memcpy(full, field, 9);
    size_t extra = k - 1;
    memcpy(full + 9, opt, extra);
    copy_field(out->document_number, sizeof out->document_number, full, 9 + extra, false);
    if (extra == 0 || !digit_matches(full, 9 + extra, opt[k - 1]))
        out->failed_checks |= MRZ_CHECK_DOCNO;
    *opt_used = k < opt_n ? k + 1 : k;
}

static char sex_of(char ch)
{
    return ch == 'M' || ch == 'F' ? ch : 'X';
}

static void parse_td1(const char *z, mrz_info *out)
{
    const char *l1 = z, *l2 = z + 30, *l3 = z + 60;
    copy_field(out->document_code, sizeof out->document_code, l1, 2, true);
    copy_field(out->issuing_state, sizeof out->issuing_state, l1 + 2, 3, false);
    size_t used;
    parse_docno(out, l1 + 5, l1[14], l1 + 15, 15, &used);
    copy_field(out->optional_data1, sizeof out->optional_data1, l1 + 15 + used, 15 - used, false);
    memcpy(out->date_of_birth, l2, 6);
    if (!digit_matches(l2, 6, l2[6]))
        out->failed_checks |= MRZ_CHECK_DOB;
    out->sex = sex_of(l2[7]);
    memcpy(out->date_of_expiry, l2 + 8, 6);
    if (!digit_matches(l2 + 8, 6, l2[14]))
        out->failed_checks |= MRZ_CHECK_EXPIRY;
    copy_field(out->nationality, sizeof out->nationality, l2 + 15, 3, false);
    copy_field(out->optional_data2, sizeof out->optional_data2, l2 + 18, 11, false);
    /* Line 1 positions 6-30, line 2 positions 1-7, 9-15 and 19-29. */
    char buf[25 + 7 + 7 + 11];
    memcpy(buf, l1 + 5, 25);
    memcpy(buf + 25, l2, 7);
    memcpy(buf + 32, l2 + 8, 7);
    memcpy(buf + 39, l2 + 18, 11);
    if (!digit_matches(buf, sizeof buf, l2[29]))
        out->failed_checks |= MRZ_CHECK_COMPOSITE;
    parse_name(out, l3, 30);
}

/* TD2 and TD3 share a layout and differ in width and in TD3's personal-number check. */
static void parse_two_line(const char *z, size_t w, mrz_info *out)
{
    const char *l1 = z, *l2 = z + w;
    copy_field(out->document_code, sizeof out->document_code, l1, 2, true);
    copy_field(out->issuing_state, sizeof out->issuing_state, l1 + 2, 3, false);
    parse_name(out, l1 + 5, w - 5);

    size_t opt_n = w == 44 ? 14 : 7; /* optional data ends before its own/composite digit */
    const char *opt = l2 + 28;
    size_t used = 0;
    /* Only TD2 continues a long document number in its optional data. */
    parse_docno(out, l2, l2[9], opt, w == 36 ? opt_n : 0, &used);
    copy_field(out->nationality, sizeof out->nationality, l2 + 10, 3, false);
    memcpy(out->date_of_birth, l2 + 13, 6);
    if (!digit_matches(l2 + 13, 6, l2[19]))
        out->failed_checks |= MRZ_CHECK_DOB;
    out->sex = sex_of(l2[20]);
    memcpy(out->date_of_expiry, l2 + 21, 6);
    if (!digit_matches(l2 + 21, 6, l2[27]))
        out->failed_checks |= MRZ_CHECK_EXPIRY;
    copy_field(out->optional_data1, sizeof out->optional_data1, opt + used, opt_n - used, false);
    if (w == 44) {
        /* An all-filler personal number may carry '<' as its check digit. */
        bool empty = true;
        for (size_t i = 0; i < opt_n; i++)
            empty = empty && opt[i] == '<';
        bool ok = (empty && l2[42] == '<') || digit_matches(opt, opt_n, l2[42]);
        if (!ok)
            out->failed_checks |= MRZ_CHECK_OPTIONAL;
    }
    /* Composite: document number + cd, birth + cd, expiry + cd and optional data (+ its cd). */
    size_t tail = w == 44 ? 15 : 7;
    if (!composite_matches(l2, 10, l2 + 13, 7, l2 + 21, 7 + tail, l2[w - 1]))
        out->failed_checks |= MRZ_CHECK_COMPOSITE;
}

ks_status mrz_parse(const char *text, size_t len, mrz_info *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!text)
        return KS_ERR_ARG;
    zone zn;
    mrz_format fmt;
    ks_status st = split_zone(text, len, &zn, &fmt);
    if (st == KS_OK) {
        out->format = fmt;
        if (fmt == MRZ_TD1)
            parse_td1(zn.z, out);
        else
            parse_two_line(zn.z, zn.width, out);
    }
    OPENSSL_cleanse(&zn, sizeof zn);
    return st;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

ks_status mrz_key_seed(const char *document_number, const char *date_of_birth,
                       const char *date_of_expiry, uint8_t seed[16])
{
    if (!document_number || !date_of_birth || !date_of_expiry || !seed)
        return KS_ERR_ARG;
    size_t dn = strnlen(document_number, 40);
    if (dn == 0 || dn > 39 || strnlen(date_of_birth, 7) != 6 || strnlen(date_of_expiry, 7) != 6 ||
        !all_digits(date_of_birth, 6) || !all_digits(date_of_expiry, 6))
        return KS_ERR_ARG;
    char info[39 + 1 + 7 + 7];
    size_t n = 0;
    memcpy(info, document_number, dn);
    n = dn;
    while (n < 9)
        info[n++] = '<';
    int cd = mrz_check_digit(info, n);
    if (cd < 0)
        return KS_ERR_ARG;
    info[n++] = (char)('0' + cd);
    memcpy(info + n, date_of_birth, 6);
    info[n + 6] = (char)('0' + mrz_check_digit(date_of_birth, 6));
    n += 7;
    memcpy(info + n, date_of_expiry, 6);
    info[n + 6] = (char)('0' + mrz_check_digit(date_of_expiry, 6));
    n += 7;

    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    ks_status st = KS_ERR_CRYPTO;
    if (EVP_Digest(info, n, digest, &dlen, EVP_sha1(), NULL) == 1 && dlen >= 16) {
        memcpy(seed, digest, 16);
        st = KS_OK;
    }
    OPENSSL_cleanse(info, sizeof info);
    OPENSSL_cleanse(digest, sizeof digest);
    return st;
}
