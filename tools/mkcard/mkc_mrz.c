#include "mkc_mrz.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mkc_util.h"

char mkc_mrz_check_digit(const char *s, size_t n)
{
    static const int weights[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        if (s[i] >= '0' && s[i] <= '9')
            v = s[i] - '0';
        else if (s[i] >= 'A' && s[i] <= 'Z')
            v = s[i] - 'A' + 10;
        sum += v * weights[i % 3];
    }
    return (char)('0' + sum % 10);
}

/* Decodes one UTF-8 code point; 0 bytes used on malformed input. */
static size_t utf8_next(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t extra = p[0] >= 0xF0 ? 3 : p[0] >= 0xE0 ? 2 : p[0] >= 0xC0 ? 1 : 0;
    if (extra == 0 || p[0] > 0xF4)
        return 0;
    uint32_t v = p[0] & (0x3Fu >> extra);
    for (size_t i = 1; i <= extra; i++) {
        if ((p[i] & 0xC0u) != 0x80u)
            return 0;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    *cp = v;
    return extra + 1;
}

enum { SKIP = 1, SEPARATOR = 2, BAD = 3 };

/* The MRZ letter for a code point, or SKIP / SEPARATOR / BAD. */
static int mrz_letter(uint32_t cp)
{
    /* Latin-1 letters: upper half then lower half, '?' = no transliteration. */
    static const char latin1[] = "AAAAAA?CEEEEIIIIDNOOOOO??UUUUY??"
                                 "AAAAAA?CEEEEIIIIDNOOOOO??UUUUY?Y";
    if (cp >= 'A' && cp <= 'Z')
        return (int)cp;
    if (cp >= 'a' && cp <= 'z')
        return (int)(cp - 'a' + 'A');
    if (cp == ' ' || cp == '-' || cp == ',' || cp == '<')
        return SEPARATOR;
    if (cp == '\'' || cp == '.' || cp == 0x2019)
        return SKIP;
    if (cp >= 0x0300 && cp <= 0x036F) /* combining marks of decomposed text */
        return SKIP;
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1[cp - 0xC0] == '?' ? BAD : latin1[cp - 0xC0];
    switch (cp) {
    case 0x0102: case 0x0103: return 'A'; /* Ă ă */
    case 0x0110: case 0x0111: return 'D'; /* Đ đ */
    case 0x0128: case 0x0129: return 'I'; /* Ĩ ĩ */
    case 0x0168: case 0x0169: return 'U'; /* Ũ ũ */
    case 0x01A0: case 0x01A1: return 'O'; /* Ơ ơ */
    case 0x01AF: case 0x01B0: return 'U'; /* Ư ư */
    default: break;
    }
    /* The Vietnamese run of Latin Extended Additional, vowel by vowel. */
    if (cp >= 0x1EA0 && cp <= 0x1EB7) return 'A';
    if (cp >= 0x1EB8 && cp <= 0x1EC7) return 'E';
    if (cp >= 0x1EC8 && cp <= 0x1ECB) return 'I';
    if (cp >= 0x1ECC && cp <= 0x1EE3) return 'O';
    if (cp >= 0x1EE4 && cp <= 0x1EF1) return 'U';
    if (cp >= 0x1EF2 && cp <= 0x1EF9) return 'Y';
    return BAD;
}

ks_status mkc_mrz_transliterate(const char *utf8, char *out, size_t cap)
{
    if (!utf8 || !out || cap == 0)
        return KS_ERR_ARG;
    const unsigned char *p = (const unsigned char *)utf8;
    size_t n = 0;
    bool pending_separator = false;
    while (*p) {
        uint32_t cp;
        size_t used = utf8_next(p, &cp);
        if (used == 0)
            return mkc_fail(KS_ERR_MALFORMED, "name is not valid UTF-8");
        p += used;
        int letter = mrz_letter(cp);
        if (letter == BAD)
            return mkc_fail(KS_ERR_MALFORMED, "name has a character with no MRZ transliteration");
        if (letter == SKIP)
            continue;
        if (letter == SEPARATOR) {
            pending_separator = n > 0;
            continue;
        }
        if (pending_separator && n + 1 < cap)
            out[n++] = '<';
        pending_separator = false;
        if (n + 1 < cap)
            out[n++] = (char)letter;
    }
    out[n] = '\0';
    return KS_OK;
}

ks_status mkc_mrz_name_field(const char *surname, const char *given_names, char *out,
                             size_t width)
{
    char sur[MKC_FIELD_MAX + 1], given[MKC_FIELD_MAX + 1];
    ks_status st = mkc_mrz_transliterate(surname, sur, sizeof sur);
    if (st == KS_OK)
        st = mkc_mrz_transliterate(given_names, given, sizeof given);
    if (st != KS_OK)
        return st;
    if (sur[0] == '\0')
        return mkc_fail(KS_ERR_MALFORMED, "surname has no letters for the MRZ");
    memset(out, '<', width);
    out[width] = '\0';
    size_t n = strlen(sur);
    memcpy(out, sur, n < width ? n : width);
    /* Given names start after the "<<" separator, cut at the field's end. */
    size_t at = n + 2;
    for (size_t i = 0; given[i] && at < width; i++)
        out[at++] = given[i];
    return KS_OK;
}

/* Copies s into dst padded with '<' to width characters. */
static void put_padded(char *dst, const char *s, size_t width)
{
    size_t n = strlen(s);
    memset(dst, '<', width);
    memcpy(dst, s, n < width ? n : width);
}

ks_status mkc_mrz_td1(const mkc_mrz_fields *m, const char *id_number, char out[MKC_MRZ_MAX])
{
    if (strlen(id_number) > 15)
        return KS_ERR_ARG;
    char *l1 = out, *l2 = out + 30, *l3 = out + 60;
    memcpy(l1, "ID", 2);
    put_padded(l1 + 2, m->issuing_state, 3);
    put_padded(l1 + 5, m->document_number, 9);
    l1[14] = mkc_mrz_check_digit(l1 + 5, 9);
    put_padded(l1 + 15, id_number, 15);

    memcpy(l2, m->date_of_birth, 6);
    l2[6] = mkc_mrz_check_digit(l2, 6);
    l2[7] = m->sex[0];
    memcpy(l2 + 8, m->date_of_expiry, 6);
    l2[14] = mkc_mrz_check_digit(l2 + 8, 6);
    put_padded(l2 + 15, m->nationality, 3);
    memset(l2 + 18, '<', 11);

    /* Composite: line 1 from the document number on, then line 2's fields. */
    char composite[25 + 7 + 7 + 11];
    memcpy(composite, l1 + 5, 25);
    memcpy(composite + 25, l2, 7);
    memcpy(composite + 32, l2 + 8, 7);
    memcpy(composite + 39, l2 + 18, 11);
    l2[29] = mkc_mrz_check_digit(composite, sizeof composite);

    char name[31];
    ks_status st = mkc_mrz_name_field(m->surname, m->given_names, name, 30);
    if (st != KS_OK)
        return st;
    memcpy(l3, name, 30);
    out[MKC_MRZ_TD1_LEN] = '\0';
    return KS_OK;
}

ks_status mkc_mrz_td3(const mkc_mrz_fields *m, char out[MKC_MRZ_MAX])
{
    char *l1 = out, *l2 = out + 44;
    memcpy(l1, "P<", 2);
    put_padded(l1 + 2, m->issuing_state, 3);
    char name[40];
    ks_status st = mkc_mrz_name_field(m->surname, m->given_names, name, 39);
    if (st != KS_OK)
        return st;
    memcpy(l1 + 5, name, 39);

    put_padded(l2, m->document_number, 9);
    l2[9] = mkc_mrz_check_digit(l2, 9);
    put_padded(l2 + 10, m->nationality, 3);
    memcpy(l2 + 13, m->date_of_birth, 6);
    l2[19] = mkc_mrz_check_digit(l2 + 13, 6);
    l2[20] = m->sex[0];
    memcpy(l2 + 21, m->date_of_expiry, 6);
    l2[27] = mkc_mrz_check_digit(l2 + 21, 6);
    put_padded(l2 + 28, m->personal_number, 14);
    /* An unused personal number field takes a filler as its check digit. */
    l2[42] = m->personal_number[0] ? mkc_mrz_check_digit(l2 + 28, 14) : '<';

    char composite[10 + 7 + 22];
    memcpy(composite, l2, 10);
    memcpy(composite + 10, l2 + 13, 7);
    memcpy(composite + 17, l2 + 21, 22);
    l2[43] = mkc_mrz_check_digit(composite, sizeof composite);
    out[MKC_MRZ_TD3_LEN] = '\0';
    return KS_OK;
}

ks_status mkc_mrz_build(const mkc_profile *p, char out[MKC_MRZ_MAX], size_t *len)
{
    ks_status st;
    if (p->type == MKC_PROFILE_CCCD) {
        st = mkc_mrz_td1(&p->mrz, p->cccd.id_number, out);
        *len = MKC_MRZ_TD1_LEN;
    } else {
        st = mkc_mrz_td3(&p->mrz, out);
        *len = MKC_MRZ_TD3_LEN;
    }
    return st;
}
