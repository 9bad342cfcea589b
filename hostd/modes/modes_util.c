/* modes_util.c — see modes_util.h. */
#include "modes_util.h"

#include <string.h>

#include "vn_date.h"
#include "vn_qr.h"
#include "vn_text.h"

json_object *modes_obj(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

const char *modes_str(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

const char *modes_holder(json_object *rec, const char *field)
{
    return modes_str(modes_obj(rec, "holder"), field);
}

bool modes_text_clean(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    return vn_utf8_valid(s, n) && !vn_text_has_controls(s, n);
}

bool modes_date_valid(const char *s)
{
    vn_date d;
    return s && strlen(s) == 10 && vn_date_parse_iso(s, &d);
}

bool modes_id_number_valid(const char *s)
{
    if (!s || strlen(s) != 12)
        return false;
    for (size_t i = 0; i < 12; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

char modes_sex_code(const char *s)
{
    if (!s)
        return 0;
    /* the MRZ spelling, for documents whose holder fields come from DG1 */
    if (strcmp(s, "M") == 0)
        return 'M';
    if (strcmp(s, "F") == 0)
        return 'F';
    return vn_sex_code(s);
}

ks_status modes_squeeze(const char *s, char *out, size_t cap)
{
    if (!s || !out || cap == 0)
        return KS_ERR_ARG;
    size_t w = 0;
    bool pending_space = false;
    for (; *s; s++) {
        if (*s == ' ') {
            pending_space = w > 0;
            continue;
        }
        if (w + (pending_space ? 2 : 1) >= cap)
            return KS_ERR_TOO_LARGE;
        if (pending_space)
            out[w++] = ' ';
        pending_space = false;
        out[w++] = *s;
    }
    out[w] = '\0';
    return KS_OK;
}

void modes_add_str(json_object *obj, const char *key, const char *val)
{
    json_object_object_add(obj, key, json_object_new_string(val));
}
