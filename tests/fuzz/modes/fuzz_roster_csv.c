/*
 * fuzz_roster_csv.c — roster_load_csv() on arbitrary bytes: never crashes,
 * refuses or accepts as a whole (a refused load leaves the previous roster
 * in place), and whatever it accepts exports as CSV and JSON and checks the
 * first candidate in exactly once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"

#define FUZZ_RECORD_ID "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M"

static json_object *record_for(const char *id_number)
{
    json_object *rec = json_object_new_object();
    json_object *holder = json_object_new_object();
    json_object *auth = json_object_new_object();
    json_object *face = json_object_new_object();
    json_object_object_add(holder, "id_number", json_object_new_string(id_number));
    json_object_object_add(auth, "verdict", json_object_new_string("genuine"));
    json_object_object_add(face, "match", json_object_new_string("match"));
    json_object_object_add(face, "liveness", json_object_new_string("live"));
    json_object_object_add(rec, "record_id", json_object_new_string(FUZZ_RECORD_ID));
    json_object_object_add(rec, "holder", holder);
    json_object_object_add(rec, "authentication", auth);
    json_object_object_add(rec, "face", face);
    return rec;
}

static void check_in_first(roster *r, json_object *view)
{
    json_object *rows = NULL, *first = NULL, *id = NULL;
    if (!json_object_object_get_ex(view, "rows", &rows) || json_object_array_length(rows) == 0)
        return;
    first = json_object_array_get_idx(rows, 0);
    if (!json_object_object_get_ex(first, "id_number", &id))
        abort();
    json_object *rec = record_for(json_object_get_string(id));
    roster_outcome o1, o2;
    if (roster_check_in(r, rec, NULL, 1795000000, 0, &o1) != KS_OK || o1 != ROSTER_CHECKED_IN ||
        roster_check_in(r, rec, NULL, 1795000001, 0, &o2) != KS_OK ||
        o2 != ROSTER_ALREADY_CHECKED_IN)
        abort();
    json_object_put(rec);
    roster_counts c;
    roster_get_counts(r, &c);
    if (c.checked_in != 1 || c.pending + c.checked_in + c.failed_verification != c.total)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roster *r = NULL;
    if (roster_new(&r) != KS_OK)
        abort();
    static const char base[] = "candidate_id,id_number\nA1,001099012345\n";
    char err[ROSTER_ERR_LEN];
    if (roster_load_csv(r, base, sizeof base - 1, err) != KS_OK)
        abort();
    roster_counts before;
    roster_get_counts(r, &before);
    if (roster_load_csv(r, (const char *)data, size, err) != KS_OK) {
        roster_counts after;
        roster_get_counts(r, &after);
        if (after.total != before.total || strlen(err) == 0)
            abort();
        roster_free(r);
        return 0;
    }
    char *csv = NULL;
    size_t len = 0;
    json_object *view = NULL;
    if (roster_results_csv(r, &csv, &len) != KS_OK || strlen(csv) != len ||
        roster_to_json(r, &view) != KS_OK)
        abort();
    check_in_first(r, view);
    json_object_put(view);
    free(csv);
    roster_free(r);
    return 0;
}
