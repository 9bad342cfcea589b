/* Chip access keys from the QR (hostd/vn/vn_keys.h). Every expectation is
 * worked out by hand from the rule: milestones at 14, 25, 40, 60; the first
 * milestone birthday strictly after the issue date, unless the issue date is
 * within the 2 years before it (window opens on the birthday at age-2), in
 * which case the next one; none after 60 -> 991231. Then the calendar-year
 * variant, the first milestone after issue and the one after it, then
 * 991231, duplicates dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vn_keys.h"
#include "vn_qr.h"

static vn_qr make_qr(const char *id, const char *dob_iso, const char *issued_iso)
{
    vn_qr qr;
    memset(&qr, 0, sizeof qr);
    strcpy(qr.id_number, id);
    strcpy(qr.full_name, "Test");
    strcpy(qr.sex, "Nam");
    strcpy(qr.date_of_birth, dob_iso);
    strcpy(qr.date_of_issue, issued_iso);
    return qr;
}

/* expiries: the MRZ candidates' expiry dates in order, NULL-terminated. */
static void expect_keys(const char *id, const char *dob_iso, const char *issued_iso,
                        const char *const *expiries)
{
    vn_qr qr = make_qr(id, dob_iso, issued_iso);
    vn_key keys[VN_KEYS_MAX];
    size_t n = vn_keys_from_qr(&qr, keys, VN_KEYS_MAX);
    size_t want = 0;
    while (expiries[want])
        want++;
    assert_int_equal(n, want + 1);
    assert_int_equal(keys[0].kind, VN_KEY_CAN);
    assert_string_equal(keys[0].can, id + 6);
    assert_string_equal(keys[0].document_number, "");
    char dob_yymmdd[7] = {dob_iso[2], dob_iso[3], dob_iso[5], dob_iso[6], dob_iso[8], dob_iso[9], 0};
    for (size_t i = 0; i < want; i++) {
        assert_int_equal(keys[i + 1].kind, VN_KEY_MRZ);
        assert_string_equal(keys[i + 1].document_number, id + 3);
        assert_string_equal(keys[i + 1].date_of_birth, dob_yymmdd);
        assert_string_equal(keys[i + 1].date_of_expiry, expiries[i]);
        assert_string_equal(keys[i + 1].can, "");
    }
}

static void first_reference_example_gives_can_then_25th_birthday(void **state)
{
    (void)state;
    /* Born 1999-08-15, issued 2021-04-20 at 21: next milestone 25 on
     * 2024-08-15; window opens 2022-08-15, not reached -> 240815. Calendar
     * years: 2021-1999 = 22 < 23 -> same. Then the one after: 40 -> 390815. */
    const char *const want[] = {"240815", "390815", "991231", NULL};
    expect_keys("001099012345", "1999-08-15", "2021-04-20", want);
}

static void second_reference_example(void **state)
{
    (void)state;
    /* Born 2003-01-01, issued 2024-07-10 at 21: 25 on 2028-01-01, window from
     * 2026-01-01 -> 280101; alternative 40 -> 430101. */
    const char *const want[] = {"280101", "430101", "991231", NULL};
    expect_keys("079303000123", "2003-01-01", "2024-07-10", want);
}

static void issued_on_the_day_the_window_before_25_opens(void **state)
{
    (void)state;
    /* Born 1999-08-15, issued 2022-08-15 = 23rd birthday: inside the window
     * -> valid to 40 (390815). The plain first milestone 240815 follows. */
    const char *const want[] = {"390815", "240815", "991231", NULL};
    expect_keys("001099012345", "1999-08-15", "2022-08-15", want);
}

static void issued_the_day_before_the_window_opens(void **state)
{
    (void)state;
    /* Issued 2022-08-14, one day short of 23 -> 240815. Counting calendar
     * years (2022-1999 = 23) puts it in the window -> 390815 second. */
    const char *const want[] = {"240815", "390815", "991231", NULL};
    expect_keys("001099012345", "1999-08-15", "2022-08-14", want);
}

static void issued_on_the_25th_birthday_runs_to_40(void **state)
{
    (void)state;
    /* On 2024-08-15 the holder has turned 25: next milestone 40 (2039-08-15),
     * window from 2037 -> 390815; after it 60 -> 590815. */
    const char *const want[] = {"390815", "590815", "991231", NULL};
    expect_keys("001099012345", "1999-08-15", "2024-08-15", want);
}

static void issued_within_two_years_of_40_runs_to_60(void **state)
{
    (void)state;
    /* Born 1984-03-10, issued 2022-06-01 at 38y2m: 40 on 2024-03-10, window
     * from 2022-03-10 reached -> 60 (440310); plain first milestone 240310. */
    const char *const want[] = {"440310", "240310", "991231", NULL};
    expect_keys("001084012345", "1984-03-10", "2022-06-01", want);
}

static void issued_at_37_but_calendar_years_say_38(void **state)
{
    (void)state;
    /* Born 1984-12-20, issued 2022-01-05 at 37y: 40 on 2024-12-20, window
     * from 2022-12-20 not reached -> 241220. Calendar years 2022-1984 = 38
     * -> in the window -> 441220 second. */
    const char *const want[] = {"241220", "441220", "991231", NULL};
    expect_keys("001084012345", "1984-12-20", "2022-01-05", want);
}

static void issued_at_58_never_expires(void **state)
{
    (void)state;
    /* Born 1965-01-01, issued 2023-06-01 at 58y5m: inside the window before
     * 60, and there is nothing after 60 -> 991231 first; 250101 (the 60th
     * birthday) as the fallback. */
    const char *const want[] = {"991231", "250101", NULL};
    expect_keys("001065012345", "1965-01-01", "2023-06-01", want);
}

static void issued_after_60_never_expires(void **state)
{
    (void)state;
    /* Born 1960-05-05, issued 2021-05-06 at 61: no milestone left. */
    const char *const want[] = {"991231", NULL};
    expect_keys("001060012345", "1960-05-05", "2021-05-06", want);
}

static void child_card_runs_to_14(void **state)
{
    (void)state;
    /* 2023 law: born 2015-09-01, issued 2024-09-01 at 9 -> 14 on 2029-09-01
     * (window from 2027) -> 290901; then 25 -> 400901. */
    const char *const want[] = {"290901", "400901", "991231", NULL};
    expect_keys("001215012345", "2015-09-01", "2024-09-01", want);
}

static void child_card_within_two_years_of_14_runs_to_25(void **state)
{
    (void)state;
    /* Born 2012-01-10, issued 2024-08-01 at 12y6m: window before 14 opened
     * 2024-01-10 -> 25 (370110); plain first milestone 14 -> 260110. */
    const char *const want[] = {"370110", "260110", "991231", NULL};
    expect_keys("001212012345", "2012-01-10", "2024-08-01", want);
}

static void leap_day_birthday_tries_28_february_then_1_march(void **state)
{
    (void)state;
    /* Born 2000-02-29, issued 2021-03-01 at 21: 25 falls in 2025, a common
     * year -> 250228 then 250301; 40 falls in 2040, a leap year -> 400229. */
    const char *const want[] = {"250228", "250301", "400229", "991231", NULL};
    expect_keys("001300012345", "2000-02-29", "2021-03-01", want);
}

static void respects_cap_and_keeps_the_order(void **state)
{
    (void)state;
    vn_qr qr = make_qr("001099012345", "1999-08-15", "2021-04-20");
    vn_key keys[2];
    assert_int_equal(vn_keys_from_qr(&qr, keys, 2), 2);
    assert_int_equal(keys[0].kind, VN_KEY_CAN);
    assert_string_equal(keys[1].date_of_expiry, "240815");
    assert_int_equal(vn_keys_from_qr(&qr, keys, 0), 0);
}

static void bad_id_gives_nothing_and_bad_dates_give_only_the_can(void **state)
{
    (void)state;
    vn_key keys[VN_KEYS_MAX];
    vn_qr qr = make_qr("00109901234", "1999-08-15", "2021-04-20");
    assert_int_equal(vn_keys_from_qr(&qr, keys, VN_KEYS_MAX), 0);
    qr = make_qr("00109901234X", "1999-08-15", "2021-04-20");
    assert_int_equal(vn_keys_from_qr(&qr, keys, VN_KEYS_MAX), 0);
    qr = make_qr("001099012345", "1999-02-30", "2021-04-20");
    assert_int_equal(vn_keys_from_qr(&qr, keys, VN_KEYS_MAX), 1);
    assert_string_equal(keys[0].can, "012345");
    qr = make_qr("001099012345", "2022-01-01", "2021-04-20"); /* issued before birth */
    assert_int_equal(vn_keys_from_qr(&qr, keys, VN_KEYS_MAX), 1);
    assert_int_equal(vn_keys_from_qr(NULL, keys, VN_KEYS_MAX), 0);
}

static void parsed_qr_feeds_the_keys(void **state)
{
    (void)state;
    const char *text = "079303000123||Trần Thị Bình|01012003|Nữ|Phường A|10072024\r\n";
    vn_qr qr;
    assert_int_equal(vn_qr_parse(text, strlen(text), &qr, NULL, 0), KS_OK);
    vn_key keys[VN_KEYS_MAX];
    assert_int_equal(vn_keys_from_qr(&qr, keys, VN_KEYS_MAX), 4);
    assert_string_equal(keys[0].can, "000123");
    assert_string_equal(keys[1].document_number, "303000123");
    assert_string_equal(keys[1].date_of_birth, "030101");
}

static void expiry_by_law_for_display(void **state)
{
    (void)state;
    char iso[11];
    assert_int_equal(vn_expiry_by_law("1999-08-15", "2021-04-20", iso), KS_OK);
    assert_string_equal(iso, "2024-08-15");
    assert_int_equal(vn_expiry_by_law("1965-01-01", "2023-06-01", iso), KS_OK);
    assert_string_equal(iso, "");
    assert_int_equal(vn_expiry_by_law("1965-01-01", "1964-06-01", iso), KS_ERR_ARG);
    assert_int_equal(vn_expiry_by_law("1965-13-01", "2023-06-01", iso), KS_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_reference_example_gives_can_then_25th_birthday),
        cmocka_unit_test(second_reference_example),
        cmocka_unit_test(issued_on_the_day_the_window_before_25_opens),
        cmocka_unit_test(issued_the_day_before_the_window_opens),
        cmocka_unit_test(issued_on_the_25th_birthday_runs_to_40),
        cmocka_unit_test(issued_within_two_years_of_40_runs_to_60),
        cmocka_unit_test(issued_at_37_but_calendar_years_say_38),
        cmocka_unit_test(issued_at_58_never_expires),
        cmocka_unit_test(issued_after_60_never_expires),
        cmocka_unit_test(child_card_runs_to_14),
        cmocka_unit_test(child_card_within_two_years_of_14_runs_to_25),
        cmocka_unit_test(leap_day_birthday_tries_28_february_then_1_march),
        cmocka_unit_test(respects_cap_and_keeps_the_order),
        cmocka_unit_test(bad_id_gives_nothing_and_bad_dates_give_only_the_can),
        cmocka_unit_test(parsed_qr_feeds_the_keys),
        cmocka_unit_test(expiry_by_law_for_display),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
