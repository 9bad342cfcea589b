#include "vn_text.h"
#include "utf8.h"

#include <string.h>

size_t vn_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    return utf8_decode((const uint8_t *)s, len, cp);
}

bool vn_utf8_valid(const char *s, size_t len)
{
    /* A NUL inside a field would cut it short wherever it is printed. */
    return !memchr(s, 0, len) && utf8_valid((const uint8_t *)s, len);
}

bool vn_text_has_controls(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = vn_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return true;
        if (cp < 0x20u || (cp >= 0x7Fu && cp < 0xA0u))
            return true;
        i += n;
    }
    return false;
}

size_t vn_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80u) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (char)(0xC0u | (cp >> 6));
        out[1] = (char)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (char)(0xE0u | (cp >> 12));
        out[1] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (char)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (char)(0xF0u | (cp >> 18));
    out[1] = (char)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (char)(0x80u | (cp & 0x3Fu));
    return 4;
}

typedef struct vn_letter {
    uint16_t cp;
    char base;
    uint16_t modifier;
    uint16_t tone;
} vn_letter;

/* Sorted by code point for bsearch. Generated from the Unicode Character
 * Database (NFC of base + modifier + tone) and checked against it; the unit
 * test walks every row back through the decoder. */
static const vn_letter letters[] = {
    {0x00C0, 'A', 0x0000, 0x0300}, {0x00C1, 'A', 0x0000, 0x0301}, {0x00C2, 'A', 0x0302, 0x0000},
    {0x00C3, 'A', 0x0000, 0x0303}, {0x00C8, 'E', 0x0000, 0x0300}, {0x00C9, 'E', 0x0000, 0x0301},
    {0x00CA, 'E', 0x0302, 0x0000}, {0x00CC, 'I', 0x0000, 0x0300}, {0x00CD, 'I', 0x0000, 0x0301},
    {0x00D2, 'O', 0x0000, 0x0300}, {0x00D3, 'O', 0x0000, 0x0301}, {0x00D4, 'O', 0x0302, 0x0000},
    {0x00D5, 'O', 0x0000, 0x0303}, {0x00D9, 'U', 0x0000, 0x0300}, {0x00DA, 'U', 0x0000, 0x0301},
    {0x00DD, 'Y', 0x0000, 0x0301}, {0x00E0, 'a', 0x0000, 0x0300}, {0x00E1, 'a', 0x0000, 0x0301},
    {0x00E2, 'a', 0x0302, 0x0000}, {0x00E3, 'a', 0x0000, 0x0303}, {0x00E8, 'e', 0x0000, 0x0300},
    {0x00E9, 'e', 0x0000, 0x0301}, {0x00EA, 'e', 0x0302, 0x0000}, {0x00EC, 'i', 0x0000, 0x0300},
    {0x00ED, 'i', 0x0000, 0x0301}, {0x00F2, 'o', 0x0000, 0x0300}, {0x00F3, 'o', 0x0000, 0x0301},
    {0x00F4, 'o', 0x0302, 0x0000}, {0x00F5, 'o', 0x0000, 0x0303}, {0x00F9, 'u', 0x0000, 0x0300},
    {0x00FA, 'u', 0x0000, 0x0301}, {0x00FD, 'y', 0x0000, 0x0301}, {0x0102, 'A', 0x0306, 0x0000},
    {0x0103, 'a', 0x0306, 0x0000}, {0x0110, 'D', 0x0000, 0x0000}, {0x0111, 'd', 0x0000, 0x0000},
    {0x0128, 'I', 0x0000, 0x0303}, {0x0129, 'i', 0x0000, 0x0303}, {0x0168, 'U', 0x0000, 0x0303},
    {0x0169, 'u', 0x0000, 0x0303}, {0x01A0, 'O', 0x031B, 0x0000}, {0x01A1, 'o', 0x031B, 0x0000},
    {0x01AF, 'U', 0x031B, 0x0000}, {0x01B0, 'u', 0x031B, 0x0000}, {0x1EA0, 'A', 0x0000, 0x0323},
    {0x1EA1, 'a', 0x0000, 0x0323}, {0x1EA2, 'A', 0x0000, 0x0309}, {0x1EA3, 'a', 0x0000, 0x0309},
    {0x1EA4, 'A', 0x0302, 0x0301}, {0x1EA5, 'a', 0x0302, 0x0301}, {0x1EA6, 'A', 0x0302, 0x0300},
    {0x1EA7, 'a', 0x0302, 0x0300}, {0x1EA8, 'A', 0x0302, 0x0309}, {0x1EA9, 'a', 0x0302, 0x0309},
    {0x1EAA, 'A', 0x0302, 0x0303}, {0x1EAB, 'a', 0x0302, 0x0303}, {0x1EAC, 'A', 0x0302, 0x0323},
    {0x1EAD, 'a', 0x0302, 0x0323}, {0x1EAE, 'A', 0x0306, 0x0301}, {0x1EAF, 'a', 0x0306, 0x0301},
    {0x1EB0, 'A', 0x0306, 0x0300}, {0x1EB1, 'a', 0x0306, 0x0300}, {0x1EB2, 'A', 0x0306, 0x0309},
    {0x1EB3, 'a', 0x0306, 0x0309}, {0x1EB4, 'A', 0x0306, 0x0303}, {0x1EB5, 'a', 0x0306, 0x0303},
    {0x1EB6, 'A', 0x0306, 0x0323}, {0x1EB7, 'a', 0x0306, 0x0323}, {0x1EB8, 'E', 0x0000, 0x0323},
    {0x1EB9, 'e', 0x0000, 0x0323}, {0x1EBA, 'E', 0x0000, 0x0309}, {0x1EBB, 'e', 0x0000, 0x0309},
    {0x1EBC, 'E', 0x0000, 0x0303}, {0x1EBD, 'e', 0x0000, 0x0303}, {0x1EBE, 'E', 0x0302, 0x0301},
    {0x1EBF, 'e', 0x0302, 0x0301}, {0x1EC0, 'E', 0x0302, 0x0300}, {0x1EC1, 'e', 0x0302, 0x0300},
    {0x1EC2, 'E', 0x0302, 0x0309}, {0x1EC3, 'e', 0x0302, 0x0309}, {0x1EC4, 'E', 0x0302, 0x0303},
    {0x1EC5, 'e', 0x0302, 0x0303}, {0x1EC6, 'E', 0x0302, 0x0323}, {0x1EC7, 'e', 0x0302, 0x0323},
    {0x1EC8, 'I', 0x0000, 0x0309}, {0x1EC9, 'i', 0x0000, 0x0309}, {0x1ECA, 'I', 0x0000, 0x0323},
    {0x1ECB, 'i', 0x0000, 0x0323}, {0x1ECC, 'O', 0x0000, 0x0323}, {0x1ECD, 'o', 0x0000, 0x0323},
    {0x1ECE, 'O', 0x0000, 0x0309}, {0x1ECF, 'o', 0x0000, 0x0309}, {0x1ED0, 'O', 0x0302, 0x0301},
    {0x1ED1, 'o', 0x0302, 0x0301}, {0x1ED2, 'O', 0x0302, 0x0300}, {0x1ED3, 'o', 0x0302, 0x0300},
    {0x1ED4, 'O', 0x0302, 0x0309}, {0x1ED5, 'o', 0x0302, 0x0309}, {0x1ED6, 'O', 0x0302, 0x0303},
    {0x1ED7, 'o', 0x0302, 0x0303}, {0x1ED8, 'O', 0x0302, 0x0323}, {0x1ED9, 'o', 0x0302, 0x0323},
    {0x1EDA, 'O', 0x031B, 0x0301}, {0x1EDB, 'o', 0x031B, 0x0301}, {0x1EDC, 'O', 0x031B, 0x0300},
    {0x1EDD, 'o', 0x031B, 0x0300}, {0x1EDE, 'O', 0x031B, 0x0309}, {0x1EDF, 'o', 0x031B, 0x0309},
    {0x1EE0, 'O', 0x031B, 0x0303}, {0x1EE1, 'o', 0x031B, 0x0303}, {0x1EE2, 'O', 0x031B, 0x0323},
    {0x1EE3, 'o', 0x031B, 0x0323}, {0x1EE4, 'U', 0x0000, 0x0323}, {0x1EE5, 'u', 0x0000, 0x0323},
    {0x1EE6, 'U', 0x0000, 0x0309}, {0x1EE7, 'u', 0x0000, 0x0309}, {0x1EE8, 'U', 0x031B, 0x0301},
    {0x1EE9, 'u', 0x031B, 0x0301}, {0x1EEA, 'U', 0x031B, 0x0300}, {0x1EEB, 'u', 0x031B, 0x0300},
    {0x1EEC, 'U', 0x031B, 0x0309}, {0x1EED, 'u', 0x031B, 0x0309}, {0x1EEE, 'U', 0x031B, 0x0303},
    {0x1EEF, 'u', 0x031B, 0x0303}, {0x1EF0, 'U', 0x031B, 0x0323}, {0x1EF1, 'u', 0x031B, 0x0323},
    {0x1EF2, 'Y', 0x0000, 0x0300}, {0x1EF3, 'y', 0x0000, 0x0300}, {0x1EF4, 'Y', 0x0000, 0x0323},
    {0x1EF5, 'y', 0x0000, 0x0323}, {0x1EF6, 'Y', 0x0000, 0x0309}, {0x1EF7, 'y', 0x0000, 0x0309},
    {0x1EF8, 'Y', 0x0000, 0x0303}, {0x1EF9, 'y', 0x0000, 0x0303},
};

bool vn_letter_decompose(uint32_t cp, char *base, uint32_t *modifier, uint32_t *tone)
{
    size_t lo = 0, hi = sizeof letters / sizeof letters[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (letters[mid].cp == cp) {
            *base = letters[mid].base;
            *modifier = letters[mid].modifier;
            *tone = letters[mid].tone;
            return true;
        }
        if (letters[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool is_combining(uint32_t cp)
{
    return cp >= 0x0300u && cp <= 0x036Fu;
}

/* Canonical combining class of the marks in U+0300..U+036F, enough to put
 * any Vietnamese mark sequence into canonical order: horn (216) before dot
 * below (220) before the marks above (230). */
static unsigned combining_class(uint32_t cp)
{
    switch (cp) {
    case 0x031Bu: return 216;
    case 0x0321u: case 0x0322u: case 0x0327u: case 0x0328u: return 202;
    case 0x0334u: case 0x0335u: case 0x0336u: case 0x0337u: case 0x0338u: return 1;
    case 0x0315u: case 0x031Au: case 0x0358u: return 232;
    case 0x0345u: return 240;
    default: break;
    }
    if ((cp >= 0x0316u && cp <= 0x0319u) || (cp >= 0x031Cu && cp <= 0x0320u) ||
        (cp >= 0x0323u && cp <= 0x0326u) || (cp >= 0x0329u && cp <= 0x0333u) ||
        cp == 0x0339u || cp == 0x033Au || cp == 0x033Bu || cp == 0x033Cu ||
        cp == 0x0347u || cp == 0x0348u || cp == 0x0349u || cp == 0x034Du || cp == 0x034Eu ||
        cp == 0x0353u || cp == 0x0354u || cp == 0x0355u || cp == 0x0356u ||
        cp == 0x0359u || cp == 0x035Au)
        return 220;
    return 230;
}

/* Output sink that refuses to truncate. */
typedef struct sink {
    char *out;
    size_t cap, len;
    ks_status st;
} sink;

static void sink_cp(sink *k, uint32_t cp)
{
    char tmp[4];
    size_t n = vn_utf8_encode(cp, tmp);
    if (k->st != KS_OK)
        return;
    if (n >= k->cap - k->len) { /* keep room for the NUL */
        k->st = KS_ERR_TOO_LARGE;
        return;
    }
    memcpy(k->out + k->len, tmp, n);
    k->len += n;
}

#define MAX_MARK_RUN 16

static void flush_marks(sink *k, uint32_t *marks, size_t *n)
{
    /* Insertion sort is stable, which canonical ordering requires. */
    for (size_t i = 1; i < *n; i++) {
        uint32_t m = marks[i];
        size_t j = i;
        while (j > 0 && combining_class(marks[j - 1]) > combining_class(m)) {
            marks[j] = marks[j - 1];
            j--;
        }
        marks[j] = m;
    }
    for (size_t i = 0; i < *n; i++)
        sink_cp(k, marks[i]);
    *n = 0;
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0xA0u;
}

ks_status vn_text_comparable(const char *s, size_t len, char *out, size_t cap)
{
    if (!s || !out || cap == 0)
        return KS_ERR_ARG;
    sink k = {out, cap, 0, KS_OK};
    uint32_t marks[MAX_MARK_RUN];
    size_t n_marks = 0;
    bool pending_space = false;
    size_t i = 0;
    while (i < len && k.st == KS_OK) {
        uint32_t cp;
        size_t used = vn_utf8_decode(s + i, len - i, &cp);
        if (used == 0)
            return KS_ERR_MALFORMED;
        i += used;
        if (is_combining(cp)) {
            if (n_marks == MAX_MARK_RUN)
                return KS_ERR_UNSUPPORTED;
            marks[n_marks++] = cp;
            continue;
        }
        flush_marks(&k, marks, &n_marks);
        if (is_space(cp)) {
            pending_space = k.len > 0;
            continue;
        }
        if (pending_space) {
            sink_cp(&k, ' ');
            pending_space = false;
        }
        char base;
        uint32_t modifier, tone;
        if (vn_letter_decompose(cp, &base, &modifier, &tone) && (modifier || tone)) {
            sink_cp(&k, (uint32_t)(unsigned char)base);
            if (modifier)
                marks[n_marks++] = modifier;
            if (tone)
                marks[n_marks++] = tone;
        } else {
            sink_cp(&k, cp);
        }
    }
    flush_marks(&k, marks, &n_marks);
    if (k.st != KS_OK)
        return k.st;
    out[k.len] = '\0';
    return KS_OK;
}

static bool is_word_separator(uint32_t cp)
{
    return is_space(cp) || cp == '-' || cp == '<' || cp == ',' || cp == '.' || cp == 0x2010u ||
           cp == 0x2011u;
}

static bool is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019u || cp == 0x02BCu;
}

ks_status vn_text_to_mrz(const char *s, size_t len, char *out, size_t cap)
{
    if (!s || !out || cap == 0)
        return KS_ERR_ARG;
    sink k = {out, cap, 0, KS_OK};
    bool pending_space = false;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t used = vn_utf8_decode(s + i, len - i, &cp);
        if (used == 0)
            return KS_ERR_MALFORMED;
        i += used;
        if (is_combining(cp) || is_apostrophe(cp))
            continue;
        if (is_word_separator(cp)) {
            pending_space = k.len > 0;
            continue;
        }
        char letter;
        uint32_t modifier, tone;
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
            letter = (char)cp;
        else if (!vn_letter_decompose(cp, &letter, &modifier, &tone))
            return KS_ERR_UNSUPPORTED;
        if (letter >= 'a' && letter <= 'z')
            letter = (char)(letter - 'a' + 'A');
        if (pending_space) {
            sink_cp(&k, ' ');
            pending_space = false;
        }
        sink_cp(&k, (uint32_t)(unsigned char)letter);
        if (k.st != KS_OK)
            return k.st;
    }
    out[k.len] = '\0';
    return KS_OK;
}
