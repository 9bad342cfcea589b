#include "mkc_profile.h"

#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "mkc_util.h"

#define PROFILE_FILE_MAX (1024u * 1024u)

const char *mkc_profile_type_name(mkc_profile_type t)
{
    return t == MKC_PROFILE_CCCD ? "cccd" : "passport";
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool valid_month_day(int month, int day)
{
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static bool is_yymmdd(const char *s)
{
    return strlen(s) == 6 && all_digits(s, 6) &&
           valid_month_day(two_digits(s + 2), two_digits(s + 4));
}

bool mkc_profile_is_dmy(const char *s)
{
    return strlen(s) == 10 && s[2] == '/' && s[5] == '/' && all_digits(s, 2) &&
           all_digits(s + 3, 2) && all_digits(s + 6, 4) &&
           valid_month_day(two_digits(s + 3), two_digits(s));
}

/* dd/MM/yyyy -> YYMMDD */
static void dmy_to_yymmdd(const char *dmy, char out[7])
{
    memcpy(out, dmy + 8, 2);
    memcpy(out + 2, dmy + 3, 2);
    memcpy(out + 4, dmy, 2);
    out[6] = '\0';
}

/*
 * Copies the string member `key` of obj into dst. An absent member leaves dst
 * empty and gives KS_ERR_NOT_FOUND only when required.
 */
static ks_status get_string(json_object *obj, const char *block, const char *key,
                            char *dst, size_t cap, bool required)
{
    dst[0] = '\0';
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            return mkc_fail(KS_ERR_NOT_FOUND, "profile: missing required field %s.%s", block, key);
        return KS_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return mkc_fail(KS_ERR_MALFORMED, "profile: %s.%s must be a string", block, key);
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n >= cap || strlen(s) != n)
        return mkc_fail(KS_ERR_MALFORMED, "profile: %s.%s is too long or has a NUL", block, key);
    if (!mkc_utf8_valid(s))
        return mkc_fail(KS_ERR_MALFORMED, "profile: %s.%s is not printable UTF-8", block, key);
    if (required && n == 0)
        return mkc_fail(KS_ERR_NOT_FOUND, "profile: required field %s.%s is empty", block, key);
    memcpy(dst, s, n + 1);
    return KS_OK;
}

#define GET(obj, block, rec, key, required)                                          \
    do {                                                                             \
        ks_status st_ = get_string(obj, block, #key, rec.key, sizeof rec.key, required); \
        if (st_ != KS_OK)                                                            \
            return st_;                                                              \
    } while (0)

static ks_status bad(const char *field, const char *why)
{
    return mkc_fail(KS_ERR_MALFORMED, "profile: %s %s", field, why);
}

static bool mrz_chars(const char *s, bool letters_only)
{
    for (; *s; s++) {
        bool letter = *s >= 'A' && *s <= 'Z';
        bool digit = *s >= '0' && *s <= '9';
        if (!(letter || (digit && !letters_only)))
            return false;
    }
    return true;
}

static ks_status load_cccd(json_object *c, mkc_cccd_fields *f)
{
    if (!c)
        return mkc_fail(KS_ERR_NOT_FOUND, "profile: missing required object cccd");
    GET(c, "cccd", (*f), id_number, true);
    GET(c, "cccd", (*f), old_id_number, false);
    GET(c, "cccd", (*f), full_name, true);
    GET(c, "cccd", (*f), date_of_birth, true);
    GET(c, "cccd", (*f), sex, true);
    GET(c, "cccd", (*f), nationality, false);
    GET(c, "cccd", (*f), ethnicity, false);
    GET(c, "cccd", (*f), religion, false);
    GET(c, "cccd", (*f), place_of_origin, false);
    GET(c, "cccd", (*f), place_of_residence, true);
    GET(c, "cccd", (*f), identification_features, false);
    GET(c, "cccd", (*f), date_of_issue, true);
    GET(c, "cccd", (*f), date_of_expiry, false);
    GET(c, "cccd", (*f), father_name, false);
    GET(c, "cccd", (*f), mother_name, false);
    GET(c, "cccd", (*f), spouse_name, false);

    if (strlen(f->id_number) != 12 || !all_digits(f->id_number, 12))
        return bad("cccd.id_number", "must be 12 digits");
    size_t old = strlen(f->old_id_number);
    if (old && !((old == 9 || old == 12) && all_digits(f->old_id_number, old)))
        return bad("cccd.old_id_number", "must be empty, 9 or 12 digits");
    if (!mkc_profile_is_dmy(f->date_of_birth))
        return bad("cccd.date_of_birth", "must be dd/MM/yyyy");
    if (!mkc_profile_is_dmy(f->date_of_issue))
        return bad("cccd.date_of_issue", "must be dd/MM/yyyy");
    if (strchr(f->full_name, '|') || strchr(f->place_of_residence, '|') ||
        strchr(f->sex, '|'))
        return bad("cccd QR fields", "must not contain '|'");
    return KS_OK;
}

/* Fills the MRZ fields a CCCD profile may leave out from its cccd block. */
static void derive_cccd_mrz(const mkc_cccd_fields *c, mkc_mrz_fields *m, json_object *mrz)
{
    json_object *v;
#define ABSENT(key) (!mrz || !json_object_object_get_ex(mrz, key, &v) || json_object_is_type(v, json_type_null))
    if (ABSENT("document_number"))
        memcpy(m->document_number, c->id_number + 3, 10);
    if (ABSENT("date_of_birth"))
        dmy_to_yymmdd(c->date_of_birth, m->date_of_birth);
    if (ABSENT("date_of_expiry")) {
        if (mkc_profile_is_dmy(c->date_of_expiry))
            dmy_to_yymmdd(c->date_of_expiry, m->date_of_expiry);
        else
            memcpy(m->date_of_expiry, "991231", 7); /* cards without an expiry */
    }
    if (ABSENT("sex")) {
        if (strcmp(c->sex, "Nam") == 0)
            memcpy(m->sex, "M", 2);
        else if (strcmp(c->sex, "N\xe1\xbb\xaf") == 0) /* "Nữ" */
            memcpy(m->sex, "F", 2);
        else
            memcpy(m->sex, "<", 2);
    }
    if (ABSENT("surname") && ABSENT("given_names")) {
        const char *space = strchr(c->full_name, ' ');
        size_t sur = space ? (size_t)(space - c->full_name) : strlen(c->full_name);
        memcpy(m->surname, c->full_name, sur);
        m->surname[sur] = '\0';
        if (space)
            memcpy(m->given_names, space + 1, strlen(space + 1) + 1);
    }
    if (ABSENT("nationality"))
        memcpy(m->nationality, "VNM", 4);
    if (ABSENT("issuing_state"))
        memcpy(m->issuing_state, "VNM", 4);
#undef ABSENT
}

static ks_status load_mrz(json_object *mrz, bool cccd, mkc_mrz_fields *m)
{
    /* A CCCD profile may omit every MRZ field: derive_cccd_mrz() fills them. */
    bool req = !cccd;
    if (!mrz && req)
        return mkc_fail(KS_ERR_NOT_FOUND, "profile: missing required object mrz");
    GET(mrz, "mrz", (*m), document_number, req);
    GET(mrz, "mrz", (*m), date_of_birth, req);
    GET(mrz, "mrz", (*m), date_of_expiry, req);
    GET(mrz, "mrz", (*m), surname, req);
    GET(mrz, "mrz", (*m), given_names, false);
    GET(mrz, "mrz", (*m), sex, req);
    GET(mrz, "mrz", (*m), nationality, req);
    GET(mrz, "mrz", (*m), issuing_state, req);
    GET(mrz, "mrz", (*m), personal_number, false);
    return KS_OK;
}

static ks_status check_mrz(mkc_mrz_fields *m)
{
    size_t n = strlen(m->document_number);
    if (n < 1 || n > 9 || !mrz_chars(m->document_number, false))
        return bad("mrz.document_number", "must be 1 to 9 of A-Z 0-9");
    if (!is_yymmdd(m->date_of_birth))
        return bad("mrz.date_of_birth", "must be YYMMDD");
    if (!is_yymmdd(m->date_of_expiry))
        return bad("mrz.date_of_expiry", "must be YYMMDD");
    if (strcmp(m->sex, "X") == 0)
        memcpy(m->sex, "<", 2);
    if (strcmp(m->sex, "M") != 0 && strcmp(m->sex, "F") != 0 && strcmp(m->sex, "<") != 0)
        return bad("mrz.sex", "must be M, F, X or <");
    n = strlen(m->nationality);
    if (n < 1 || n > 3 || !mrz_chars(m->nationality, true))
        return bad("mrz.nationality", "must be 1 to 3 of A-Z");
    n = strlen(m->issuing_state);
    if (n < 1 || n > 3 || !mrz_chars(m->issuing_state, true))
        return bad("mrz.issuing_state", "must be 1 to 3 of A-Z");
    if (!mrz_chars(m->personal_number, false))
        return bad("mrz.personal_number", "must be up to 14 of A-Z 0-9");
    if (m->surname[0] == '\0')
        return mkc_fail(KS_ERR_NOT_FOUND, "profile: required field mrz.surname is empty");
    return KS_OK;
}

ks_status mkc_profile_parse(const char *json, size_t len, mkc_profile *out)
{
    memset(out, 0, sizeof *out);
    if (len > PROFILE_FILE_MAX || len > (size_t)INT32_MAX)
        return mkc_fail(KS_ERR_TOO_LARGE, "profile: too large");
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return mkc_fail(KS_ERR_NO_MEMORY, "profile: out of memory");
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!root || jerr != json_tokener_success) {
        json_object_put(root);
        return mkc_fail(KS_ERR_MALFORMED, "profile: not valid JSON");
    }
    ks_status st = KS_OK;
    json_object *type, *mrz = NULL, *cccd = NULL;
    if (!json_object_is_type(root, json_type_object)) {
        st = mkc_fail(KS_ERR_MALFORMED, "profile: top level must be an object");
        goto done;
    }
    if (!json_object_object_get_ex(root, "type", &type) ||
        !json_object_is_type(type, json_type_string)) {
        st = mkc_fail(KS_ERR_NOT_FOUND, "profile: missing required field type");
        goto done;
    }
    if (strcmp(json_object_get_string(type), "cccd") == 0) {
        out->type = MKC_PROFILE_CCCD;
    } else if (strcmp(json_object_get_string(type), "passport") == 0) {
        out->type = MKC_PROFILE_PASSPORT;
    } else {
        st = bad("type", "must be \"cccd\" or \"passport\"");
        goto done;
    }
    json_object_object_get_ex(root, "mrz", &mrz);
    json_object_object_get_ex(root, "cccd", &cccd);
    if ((mrz && !json_object_is_type(mrz, json_type_object)) ||
        (cccd && !json_object_is_type(cccd, json_type_object))) {
        st = bad("mrz/cccd", "must be objects");
        goto done;
    }
    bool is_cccd = out->type == MKC_PROFILE_CCCD;
    if (is_cccd && (st = load_cccd(cccd, &out->cccd)) != KS_OK)
        goto done;
    if ((st = load_mrz(mrz, is_cccd, &out->mrz)) != KS_OK)
        goto done;
    if (is_cccd)
        derive_cccd_mrz(&out->cccd, &out->mrz, mrz);
    st = check_mrz(&out->mrz);
done:
    json_object_put(root);
    return st;
}

ks_status mkc_profile_load(const char *path, mkc_profile *out)
{
    mkc_bytes file;
    ks_status st = mkc_read_file(path, PROFILE_FILE_MAX, &file);
    if (st != KS_OK)
        return st;
    st = mkc_profile_parse((const char *)file.data, file.len, out);
    mkc_bytes_free(&file);
    return st;
}
