/* The vn fuzz seed corpora mean what their names say: valid_* parse, bad_*
 * are refused. Keeps the seeds from silently drifting into one kind. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vn_dg13.h"
#include "vn_qr.h"

typedef ks_status (*parse_fn)(const uint8_t *buf, size_t len);

static ks_status parse_qr(const uint8_t *buf, size_t len)
{
    vn_qr qr;
    return vn_qr_parse((const char *)buf, len, &qr, NULL, 0);
}

static ks_status parse_dg13(const uint8_t *buf, size_t len)
{
    vn_dg13 dg;
    return vn_dg13_parse(buf, len, &dg);
}

static void check_corpus(const char *name, parse_fn parse)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", KS_SOURCE_DIR, name);
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t valid = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int is_valid = strncmp(e->d_name, "valid_", 6) == 0;
        int is_bad = strncmp(e->d_name, "bad_", 4) == 0;
        if (!is_valid && !is_bad)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static uint8_t buf[8192];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        ks_status st = parse(buf, len);
        if (is_valid) {
            if (st != KS_OK)
                fail_msg("%s/%s should parse, got %d", name, e->d_name, (int)st);
            valid++;
        } else {
            if (st == KS_OK)
                fail_msg("%s/%s should be refused", name, e->d_name);
            bad++;
        }
    }
    closedir(d);
    assert_true(valid >= 3);
    assert_true(bad >= 3);
}

static void qr_seeds_are_what_they_say(void **state)
{
    (void)state;
    check_corpus("vn_qr", parse_qr);
}

static void dg13_seeds_are_what_they_say(void **state)
{
    (void)state;
    check_corpus("vn_dg13", parse_dg13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qr_seeds_are_what_they_say),
        cmocka_unit_test(dg13_seeds_are_what_they_say),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
