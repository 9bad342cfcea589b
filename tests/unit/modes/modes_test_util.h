/*
 * modes_test_util.h — real-shaped records for the modes tests, built with
 * record_build() from a record_input (made-up people only).
 */
#ifndef KS_MODES_TEST_UTIL_H
#define KS_MODES_TEST_UTIL_H

#include <string.h>

#include "record.h"

#define MT_ID "079204012345"
#define MT_NAME "Nguyễn Thị Thu Hương"
#define MT_ADDRESS "Số 12 Đường Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"
#define MT_NOW_MS 1795000005123LL

static inline record_input mt_input(record_purpose p)
{
    record_input in;
    memset(&in, 0, sizeof in);
    in.kiosk_id = "HCM-Q1-K07";
    in.site_id = "HCM-Q1-UBND";
    in.purpose = p;
    in.document_type = "cccd";
    in.card_read_at = 1795000000;
    in.verified_at = 1795000004;
    in.holder[RECORD_ID_NUMBER] = MT_ID;
    in.holder[RECORD_FULL_NAME] = MT_NAME;
    in.holder[RECORD_DATE_OF_BIRTH] = "2004-03-15";
    in.holder[RECORD_SEX] = "Nữ";
    in.holder[RECORD_NATIONALITY] = "Việt Nam";
    in.holder[RECORD_ETHNICITY] = "Kinh";
    in.holder[RECORD_PLACE_OF_RESIDENCE] = MT_ADDRESS;
    in.holder[RECORD_DATE_OF_EXPIRY] = "2029-03-15";
    in.holder[RECORD_FATHER_NAME] = "Nguyễn Văn Bình";
    in.passive_auth = "passed";
    in.active_auth = "not_supported";
    in.chip_auth = "passed";
    in.verdict = "genuine";
    in.face_match_permille = 873;
    in.face_match = "match";
    in.liveness = "live";
    in.consent_text_version = "vi-2026-01";
    in.consent_given_at = 1795000001;
    return in;
}

/* record_build with the default policy; NULL on failure. */
static inline json_object *mt_build(const record_input *in)
{
    record_policy pol;
    record_policy_defaults(&pol);
    json_object *rec = NULL;
    return record_build(in, &pol, MT_NOW_MS, &rec) == KS_OK ? rec : NULL;
}

/* record_build with only the fields in mask kept for the input's purpose. */
static inline json_object *mt_build_fields(const record_input *in, uint32_t mask)
{
    record_policy pol;
    record_policy_defaults(&pol);
    pol.holder_fields[in->purpose] = mask;
    json_object *rec = NULL;
    return record_build(in, &pol, MT_NOW_MS, &rec) == KS_OK ? rec : NULL;
}

static inline const char *mt_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

#endif
