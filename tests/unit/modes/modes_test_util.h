/*
 * modes_test_util.h — real-shaped records for the modes tests, built with
 * record_build() from a record_input (made-up people only).
 */
#ifndef KS_MODES_TEST_UTIL_H
#define KS_MODES_TEST_UTIL_H

#include <string.h>

#include "record.h"
#include "record_sample.h"

#define MT_ID SAMPLE_CCCD
#define MT_NAME SAMPLE_NAME
#define MT_ADDRESS SAMPLE_ADDRESS
#define MT_NOW_MS 1795000005123LL

/* The shared sample citizen (tests/unit/store/record_sample.h). */
static inline record_input mt_input(record_purpose p)
{
    return sample_input(p);
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
