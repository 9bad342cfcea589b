/* fhir.c — see fhir.h and docs/modes.md. */
#include "fhir.h"

#include <string.h>

#include "modes_util.h"

#define MAX_TEXT 512          /* holder fields are at most 512 bytes */
#define MAX_URI 1024
#define MAX_KIOSK_ID 64

bool fhir_uri_is_absolute(const char *uri)
{
    if (!uri)
        return false;
    size_t n = strnlen(uri, MAX_URI + 1);
    if (n > MAX_URI || n < 3)
        return false;
    const char *colon = memchr(uri, ':', n);
    if (!colon || colon == uri || (size_t)(colon - uri) + 1 >= n)
        return false;
    char first = uri[0];
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z')))
        return false;
    for (const char *p = uri; p < colon; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return false;
    }
    for (size_t i = 0; i < n; i++)
        if (uri[i] <= 0x20 || uri[i] >= 0x7f)
            return false;
    return true;
}

/* "kiosk:<kiosk_id>#<record_id>"; unreserved characters pass, others are
 * percent-encoded so any printable kiosk id still makes a valid URI. */
static ks_status meta_source(const char *kiosk_id, const char *record_id, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t w = 0;
    const char prefix[] = "kiosk:";
    if (cap < sizeof prefix)
        return KS_ERR_TOO_LARGE;
    memcpy(out, prefix, sizeof prefix - 1);
    w = sizeof prefix - 1;
    for (const char *p = kiosk_id; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        if (w + 4 >= cap)
            return KS_ERR_TOO_LARGE;
        if (plain) {
            out[w++] = (char)c;
        } else {
            out[w++] = '%';
            out[w++] = hex[c >> 4];
            out[w++] = hex[c & 15];
        }
    }
    size_t rl = strlen(record_id);
    if (w + 1 + rl + 1 > cap)
        return KS_ERR_TOO_LARGE;
    out[w++] = '#';
    memcpy(out + w, record_id, rl + 1);
    return KS_OK;
}

static bool short_ascii(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static ks_status add_identifier(json_object *pat, const char *id_number, const char *system)
{
    if (!modes_id_number_valid(id_number))
        return KS_ERR_MALFORMED;
    json_object *coding = json_object_new_object();
    modes_add_str(coding, "system", FHIR_NI_CODE_SYSTEM);
    modes_add_str(coding, "code", "NI");
    modes_add_str(coding, "display", "National unique individual identifier");
    json_object *codings = json_object_new_array();
    json_object_array_add(codings, coding);
    json_object *type = json_object_new_object();
    json_object_object_add(type, "coding", codings);
    /* the 12-digit number printed on the CCCD is, by the 2023 Identity Law,
     * the citizen's personal identification number */
    modes_add_str(type, "text", "Số định danh cá nhân");
    json_object *ident = json_object_new_object();
    modes_add_str(ident, "use", "official");
    json_object_object_add(ident, "type", type);
    modes_add_str(ident, "system", system);
    modes_add_str(ident, "value", id_number);
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, ident);
    json_object_object_add(pat, "identifier", arr);
    return KS_OK;
}

/* Vietnamese names are written family name first: "Nguyễn Thị Thu Hương"
 * is family "Nguyễn", given ["Thị", "Thu", "Hương"]. */
static ks_status add_name(json_object *pat, const char *full_name)
{
    char text[MAX_TEXT + 1];
    if (!modes_text_clean(full_name))
        return KS_ERR_MALFORMED;
    ks_status rc = modes_squeeze(full_name, text, sizeof text);
    if (rc != KS_OK)
        return rc;
    if (text[0] == '\0')
        return KS_OK;
    json_object *name = json_object_new_object();
    modes_add_str(name, "use", "official");
    modes_add_str(name, "text", text);
    char *space = strchr(text, ' ');
    if (space)
        *space = '\0';
    modes_add_str(name, "family", text);
    if (space) {
        json_object *given = json_object_new_array();
        char *word = space + 1;
        for (;;) {
            char *next = strchr(word, ' ');
            if (next)
                *next = '\0';
            json_object_array_add(given, json_object_new_string(word));
            if (!next)
                break;
            word = next + 1;
        }
        json_object_object_add(name, "given", given);
    }
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, name);
    json_object_object_add(pat, "name", arr);
    return KS_OK;
}

static ks_status add_address(json_object *pat, const char *residence, bool in_vietnam)
{
    char text[MAX_TEXT + 1];
    if (!modes_text_clean(residence))
        return KS_ERR_MALFORMED;
    ks_status rc = modes_squeeze(residence, text, sizeof text);
    if (rc != KS_OK || text[0] == '\0')
        return rc;
    json_object *addr = json_object_new_object();
    modes_add_str(addr, "use", "home");
    modes_add_str(addr, "text", text);
    if (in_vietnam)
        modes_add_str(addr, "country", "VN");
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, addr);
    json_object_object_add(pat, "address", arr);
    return KS_OK;
}

static const char *gender_of(const char *sex)
{
    switch (modes_sex_code(sex)) {
    case 'M': return "male";
    case 'F': return "female";
    default: return "unknown";
    }
}

static ks_status fill_patient(json_object *pat, json_object *rec, const char *system)
{
    const char *kiosk_id = modes_str(rec, "kiosk_id");
    const char *record_id = modes_str(rec, "record_id");
    if (!short_ascii(kiosk_id, MAX_KIOSK_ID) || !short_ascii(record_id, MAX_KIOSK_ID))
        return KS_ERR_MALFORMED;
    char source[sizeof "kiosk:" + 3 * MAX_KIOSK_ID + 1 + MAX_KIOSK_ID + 1];
    ks_status rc = meta_source(kiosk_id, record_id, source, sizeof source);
    if (rc != KS_OK)
        return rc;
    json_object *meta = json_object_new_object();
    modes_add_str(meta, "source", source);
    json_object_object_add(pat, "meta", meta);

    const char *id_number = modes_holder(rec, "id_number");
    const char *full_name = modes_holder(rec, "full_name");
    const char *dob = modes_holder(rec, "date_of_birth");
    const char *sex = modes_holder(rec, "sex");
    const char *residence = modes_holder(rec, "place_of_residence");
    const char *doc_type = modes_str(rec, "document_type");

    if (id_number && id_number[0] && (rc = add_identifier(pat, id_number, system)) != KS_OK)
        return rc;
    if (full_name && (rc = add_name(pat, full_name)) != KS_OK)
        return rc;
    if (sex && sex[0])
        modes_add_str(pat, "gender", gender_of(sex));
    if (dob && dob[0]) {
        if (!modes_date_valid(dob))
            return KS_ERR_MALFORMED;
        modes_add_str(pat, "birthDate", dob);
    }
    if (residence &&
        (rc = add_address(pat, residence, doc_type && strcmp(doc_type, "cccd") == 0)) != KS_OK)
        return rc;
    return KS_OK;
}

ks_status fhir_patient_from_record(json_object *rec, const fhir_options *opt, json_object **out)
{
    if (!rec || !out || !json_object_is_type(rec, json_type_object))
        return KS_ERR_ARG;
    *out = NULL;
    const char *system = opt && opt->identifier_system ? opt->identifier_system
                                                       : FHIR_DEFAULT_IDENTIFIER_SYSTEM;
    if (!fhir_uri_is_absolute(system))
        return KS_ERR_ARG;
    json_object *pat = json_object_new_object();
    if (!pat)
        return KS_ERR_NO_MEMORY;
    modes_add_str(pat, "resourceType", "Patient");
    ks_status rc = fill_patient(pat, rec, system);
    if (rc != KS_OK) {
        json_object_put(pat);
        return rc;
    }
    *out = pat;
    return KS_OK;
}
