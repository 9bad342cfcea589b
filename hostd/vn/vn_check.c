#include "vn_check.h"

#include <stdbool.h>
#include <string.h>

#include "vn_date.h"
#include "vn_text.h"

/* A TD1 name field holds 30 characters; "SURNAME<<GIVEN<NAMES" spends one
 * more filler than the space-separated form, and a cut can leave one filler
 * at the end that normalising removes. */
#define MRZ_NAME_CUT_LETTERS 28

ks_status vn_transliterate(const char *utf8, char *out, size_t cap)
{
    if (!utf8 || !out || cap == 0)
        return KS_ERR_ARG;
    ks_status st = vn_text_to_mrz(utf8, strlen(utf8), out, cap);
    if (st != KS_OK)
        out[0] = '\0';
    return st;
}

static bool present(const char *s)
{
    return s && s[0] != '\0';
}

static void flag(vn_mismatches *out, const char *field)
{
    for (size_t i = 0; i < out->n; i++)
        if (strcmp(out->fields[i], field) == 0)
            return;
    if (out->n < sizeof out->fields / sizeof out->fields[0])
        out->fields[out->n++] = field;
}

/* All present values equal to each other. */
static bool all_equal(const char *const *values, size_t n)
{
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!present(values[i]))
            continue;
        if (!first)
            first = values[i];
        else if (strcmp(first, values[i]) != 0)
            return false;
    }
    return true;
}

static void check_id(const vn_qr *qr, const vn_dg13 *dg13, const char *mrz_id, vn_mismatches *out)
{
    char mrz[16] = "";
    if (present(mrz_id)) {
        /* Fillers may pad the optional data the ID was taken from. */
        size_t n = strcspn(mrz_id, "<");
        if (n >= sizeof mrz || mrz_id[n + strspn(mrz_id + n, "<")] != '\0') {
            flag(out, "id_number");
            return;
        }
        memcpy(mrz, mrz_id, n);
        mrz[n] = '\0';
    }
    const char *values[] = {qr ? qr->id_number : NULL, dg13 ? dg13->id_number : NULL, mrz};
    if (!all_equal(values, 3))
        flag(out, "id_number");
}

static bool same_vietnamese_name(const char *a, const char *b)
{
    char ca[512], cb[512];
    if (vn_text_comparable(a, strlen(a), ca, sizeof ca) != KS_OK ||
        vn_text_comparable(b, strlen(b), cb, sizeof cb) != KS_OK)
        return false;
    return strcmp(ca, cb) == 0;
}

static bool name_matches_mrz(const char *vietnamese, const char *mrz_letters)
{
    char translit[256];
    if (vn_transliterate(vietnamese, translit, sizeof translit) != KS_OK)
        return false;
    if (strcmp(translit, mrz_letters) == 0)
        return true;
    size_t n = strlen(mrz_letters);
    return n >= MRZ_NAME_CUT_LETTERS && strncmp(translit, mrz_letters, n) == 0;
}

static void check_name(const vn_qr *qr, const vn_dg13 *dg13, const char *mrz_name,
                       vn_mismatches *out)
{
    const char *qr_name = qr && present(qr->full_name) ? qr->full_name : NULL;
    const char *dg_name = dg13 && present(dg13->full_name) ? dg13->full_name : NULL;
    if (qr_name && dg_name && !same_vietnamese_name(qr_name, dg_name))
        flag(out, "full_name");
    if (!present(mrz_name))
        return;
    char mrz[256];
    if (vn_text_to_mrz(mrz_name, strlen(mrz_name), mrz, sizeof mrz) != KS_OK) {
        flag(out, "full_name");
        return;
    }
    if ((qr_name && !name_matches_mrz(qr_name, mrz)) || (dg_name && !name_matches_mrz(dg_name, mrz)))
        flag(out, "full_name");
}

/* ISO -> YYMMDD, or "" when not a date (which then mismatches any MRZ). */
static void iso_to_yymmdd(const char *iso, char out[7])
{
    char copy[11];
    vn_date d;
    size_t n = strnlen(iso, sizeof copy);
    out[0] = '\0';
    if (n >= sizeof copy)
        return;
    memcpy(copy, iso, n + 1);
    if (vn_date_parse_iso(copy, &d))
        vn_date_to_yymmdd(d, out);
}

static void check_dob(const vn_qr *qr, const vn_dg13 *dg13, const char *mrz_dob, vn_mismatches *out)
{
    const char *isos[] = {qr ? qr->date_of_birth : NULL, dg13 ? dg13->date_of_birth : NULL};
    if (!all_equal(isos, 2)) {
        flag(out, "date_of_birth");
        return;
    }
    if (!present(mrz_dob))
        return;
    for (size_t i = 0; i < 2; i++) {
        if (!present(isos[i]))
            continue;
        char yymmdd[7];
        iso_to_yymmdd(isos[i], yymmdd);
        if (strcmp(yymmdd, mrz_dob) != 0)
            flag(out, "date_of_birth");
    }
}

static char sex_of(const char *printed)
{
    if (!present(printed))
        return 0;
    char code = vn_sex_code(printed);
    return code ? code : '?';
}

static void check_sex(const vn_qr *qr, const vn_dg13 *dg13, char mrz_sex, vn_mismatches *out)
{
    char codes[3] = {qr ? sex_of(qr->sex) : 0, dg13 ? sex_of(dg13->sex) : 0, mrz_sex};
    char first = 0;
    size_t available = 0;
    bool disagree = false;
    for (size_t i = 0; i < 3; i++) {
        if (codes[i] == 0)
            continue;
        available++;
        /* '?' (an unknown spelling), MRZ 'X' or '<' can never agree with a CCCD. */
        if ((codes[i] != 'M' && codes[i] != 'F') || (first && codes[i] != first))
            disagree = true;
        if (!first)
            first = codes[i];
    }
    if (available >= 2 && disagree)
        flag(out, "sex");
}

void vn_check(const vn_qr *qr, const vn_dg13 *dg13, const char *mrz_id, const char *mrz_name,
              const char *mrz_dob_yymmdd, char mrz_sex, vn_mismatches *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    check_id(qr, dg13, mrz_id, out);
    check_name(qr, dg13, mrz_name, out);
    check_dob(qr, dg13, mrz_dob_yymmdd, out);
    check_sex(qr, dg13, mrz_sex, out);
}
