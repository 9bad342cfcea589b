/* guest.c — see guest.h and docs/modes.md. */
#include "guest.h"

#include <stdbool.h>
#include <string.h>

#include "modes_util.h"

#define MAX_SHORT 64

static const char *const TEXT_FIELDS[] = {"full_name", "nationality", "place_of_residence"};

static bool short_clean(const char *s)
{
    return s && s[0] && strnlen(s, MAX_SHORT + 1) <= MAX_SHORT && modes_text_clean(s);
}

static ks_status copy_holder(json_object *g, json_object *rec)
{
    const char *id_number = modes_holder(rec, "id_number");
    if (id_number) {
        if (!modes_id_number_valid(id_number))
            return KS_ERR_MALFORMED;
        modes_add_str(g, "id_number", id_number);
    }
    for (size_t i = 0; i < sizeof TEXT_FIELDS / sizeof TEXT_FIELDS[0]; i++) {
        const char *v = modes_holder(rec, TEXT_FIELDS[i]);
        if (!v)
            continue;
        if (!modes_text_clean(v))
            return KS_ERR_MALFORMED;
        modes_add_str(g, TEXT_FIELDS[i], v);
    }
    const char *dob = modes_holder(rec, "date_of_birth");
    if (dob) {
        if (!modes_date_valid(dob))
            return KS_ERR_MALFORMED;
        modes_add_str(g, "date_of_birth", dob);
    }
    const char *expiry = modes_holder(rec, "date_of_expiry");
    if (expiry) {
        if (expiry[0] && !modes_date_valid(expiry))
            return KS_ERR_MALFORMED;
        modes_add_str(g, "date_of_expiry", expiry);
    }
    const char *sex = modes_holder(rec, "sex");
    if (sex) {
        if (!modes_text_clean(sex))
            return KS_ERR_MALFORMED;
        char code = modes_sex_code(sex);
        modes_add_str(g, "sex", code == 'M' ? "Nam" : code == 'F' ? "N\xE1\xBB\xAF" : sex);
    }
    return KS_OK;
}

static ks_status fill(json_object *g, json_object *rec)
{
    const char *doc_type = modes_str(rec, "document_type");
    const char *record_id = modes_str(rec, "record_id");
    const char *verified_at = modes_str(modes_obj(rec, "times"), "verified_at");
    const char *verdict = modes_str(modes_obj(rec, "authentication"), "verdict");
    json_object *face = modes_obj(rec, "face");
    const char *match = modes_str(face, "match");
    const char *liveness = modes_str(face, "liveness");
    if (!short_clean(doc_type) || !short_clean(record_id) || !short_clean(verified_at) ||
        !short_clean(verdict) || !short_clean(match) || !short_clean(liveness))
        return KS_ERR_MALFORMED;
    modes_add_str(g, "document_type", doc_type);
    ks_status rc = copy_holder(g, rec);
    if (rc != KS_OK)
        return rc;
    modes_add_str(g, "verified_at", verified_at);
    modes_add_str(g, "record_id", record_id);
    json_object *v = json_object_new_object();
    modes_add_str(v, "verdict", verdict);
    modes_add_str(v, "face_match", match);
    modes_add_str(v, "liveness", liveness);
    json_object_object_add(g, "verification", v);
    return KS_OK;
}

ks_status guest_declaration_from_record(json_object *rec, json_object **out)
{
    if (!rec || !out || !json_object_is_type(rec, json_type_object))
        return KS_ERR_ARG;
    *out = NULL;
    json_object *g = json_object_new_object();
    if (!g)
        return KS_ERR_NO_MEMORY;
    ks_status rc = fill(g, rec);
    if (rc != KS_OK) {
        json_object_put(g);
        return rc;
    }
    *out = g;
    return KS_OK;
}
