/*
 * test_qr.c — the QR scanner driver: line parsing, UTF-8 checks, and the
 * trigger/timeout behaviour over a fake link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qr_scan.h"

/* ---- a scripted link ---- */
typedef struct fake {
    uint8_t in[9000];
    size_t in_len, in_pos;
    uint8_t out[64];
    size_t out_len;
    bool refuse_writes;
    int flushes;
} fake;

static size_t fake_write(hal_link *l, const uint8_t *d, size_t n)
{
    fake *f = l->ctx;
    if (f->refuse_writes)
        return 0;
    if (n > sizeof f->out - f->out_len)
        n = sizeof f->out - f->out_len;
    memcpy(f->out + f->out_len, d, n);
    f->out_len += n;
    return n;
}

static ks_status fake_read(hal_link *l, uint8_t *buf, size_t cap, size_t *got, uint32_t t)
{
    (void)t;
    fake *f = l->ctx;
    size_t n = f->in_len - f->in_pos;
    if (n == 0)
        return KS_ERR_TIMEOUT;
    if (n > cap)
        n = cap;
    memcpy(buf, f->in + f->in_pos, n);
    f->in_pos += n;
    *got = n;
    return KS_OK;
}

static void fake_flush(hal_link *l)
{
    ((fake *)l->ctx)->flushes++;
}

static const struct hal_link_ops fake_ops = {fake_write, fake_read, fake_flush};

static void fake_push(fake *f, const void *p, size_t n)
{
    memcpy(f->in + f->in_len, p, n);
    f->in_len += n;
}

static qr_event feed_str(qr_rx *rx, const char *s, qr_error *err)
{
    qr_event ev = QR_EV_NONE;
    for (size_t i = 0; s[i]; i++) {
        ev = qr_rx_byte(rx, (uint8_t)s[i], err);
        if (ev != QR_EV_NONE && s[i + 1] != '\0')
            fail_msg("event before the end of the input");
    }
    return ev;
}

static const char sample[] = "001099012345|123456789|Nguy\xE1\xBB\x85n V\xC4\x83n An|15081999|Nam|"
                             "S\xE1\xBB\x91 1|20042021";

static void test_line_ended_by_cr_is_reported_verbatim(void **state)
{
    (void)state;
    qr_rx rx;
    qr_rx_init(&rx);
    qr_error err;
    char line[sizeof sample + 1];
    snprintf(line, sizeof line, "%s\r", sample);
    assert_int_equal(feed_str(&rx, line, &err), QR_EV_TEXT);
    size_t len = 0;
    const uint8_t *t = qr_rx_text(&rx, &len);
    assert_int_equal(len, strlen(sample));
    assert_memory_equal(t, sample, len);
}

static void test_crlf_and_lf_suffixes_give_one_text_each(void **state)
{
    (void)state;
    qr_rx rx;
    qr_rx_init(&rx);
    qr_error err;
    assert_int_equal(feed_str(&rx, "abc\r", &err), QR_EV_TEXT);
    assert_int_equal(qr_rx_byte(&rx, '\n', &err), QR_EV_NONE); /* the LF of CR LF */
    assert_int_equal(feed_str(&rx, "de\n", &err), QR_EV_TEXT);
    size_t len;
    assert_memory_equal(qr_rx_text(&rx, &len), "de", 2);
    assert_int_equal(len, 2);
    assert_int_equal(qr_rx_byte(&rx, '\n', &err), QR_EV_NONE); /* an empty line */
    assert_false(qr_rx_busy(&rx));
}

static void test_overlong_line_is_dropped_with_an_error(void **state)
{
    (void)state;
    qr_rx rx;
    qr_rx_init(&rx);
    qr_error err = QR_ERR_NONE;
    for (size_t i = 0; i < QR_TEXT_MAX + 100; i++)
        assert_int_equal(qr_rx_byte(&rx, 'x', &err), QR_EV_NONE);
    assert_int_equal(qr_rx_byte(&rx, '\r', &err), QR_EV_ERROR);
    assert_int_equal(err, QR_ERR_OVERLONG);
    assert_int_equal(feed_str(&rx, "ok\r", &err), QR_EV_TEXT); /* the next line is fine */
}

static void test_line_of_exactly_the_limit_is_accepted(void **state)
{
    (void)state;
    qr_rx rx;
    qr_rx_init(&rx);
    qr_error err;
    for (size_t i = 0; i < QR_TEXT_MAX; i++)
        assert_int_equal(qr_rx_byte(&rx, 'y', &err), QR_EV_NONE);
    assert_int_equal(qr_rx_byte(&rx, '\r', &err), QR_EV_TEXT);
    size_t len;
    (void)qr_rx_text(&rx, &len);
    assert_int_equal(len, QR_TEXT_MAX);
}

static void test_garbage_that_is_not_utf8_is_dropped_with_an_error(void **state)
{
    (void)state;
    qr_rx rx;
    qr_rx_init(&rx);
    qr_error err;
    assert_int_equal(feed_str(&rx, "ab\xFF\xFE\r", &err), QR_EV_ERROR);
    assert_int_equal(err, QR_ERR_ENCODING);
    assert_int_equal(feed_str(&rx, "a\x01" "b\r", &err), QR_EV_ERROR);
    assert_int_equal(err, QR_ERR_ENCODING);
}

static void test_utf8_validator_refuses_overlongs_surrogates_and_truncation(void **state)
{
    (void)state;
    assert_true(qr_utf8_valid((const uint8_t *)"\xE1\xBB\x85", 3));
    assert_true(qr_utf8_valid((const uint8_t *)"\xF0\x9F\x98\x80", 4));
    assert_false(qr_utf8_valid((const uint8_t *)"\xC0\xAF", 2));         /* overlong '/' */
    assert_false(qr_utf8_valid((const uint8_t *)"\xE0\x80\xAF", 3));     /* overlong */
    assert_false(qr_utf8_valid((const uint8_t *)"\xED\xA0\x80", 3));     /* surrogate */
    assert_false(qr_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(qr_utf8_valid((const uint8_t *)"\xE1\xBB", 2));         /* truncated */
    assert_false(qr_utf8_valid((const uint8_t *)"\x80", 1));             /* lone continuation */
}

static void setup_scanner(qr_scanner *q, hal_link *l, fake *f)
{
    memset(f, 0, sizeof *f);
    l->ops = &fake_ops;
    l->ctx = f;
    qr_scanner_init(q, l, 1000);
}

static void test_trigger_sends_the_syn_t_cr_command(void **state)
{
    (void)state;
    static fake f;
    hal_link l;
    qr_scanner q;
    setup_scanner(&q, &l, &f);
    assert_int_equal(qr_scanner_trigger(&q, 0), KS_OK);
    assert_int_equal(f.out_len, 3);
    assert_memory_equal(f.out, "\x16\x54\x0D", 3);
    assert_int_equal(f.flushes, 1);
    assert_true(qr_scanner_scanning(&q));
}

static void test_scan_text_is_reported_and_ends_the_scan(void **state)
{
    (void)state;
    static fake f;
    hal_link l;
    qr_scanner q;
    setup_scanner(&q, &l, &f);
    assert_int_equal(qr_scanner_trigger(&q, 0), KS_OK);
    fake_push(&f, sample, strlen(sample));
    fake_push(&f, "\r\n", 2);
    const uint8_t *t = NULL;
    size_t len = 0;
    qr_error err;
    qr_event ev = QR_EV_NONE;
    for (int i = 0; i < 10 && ev == QR_EV_NONE; i++)
        ev = qr_scanner_poll(&q, 10, &t, &len, &err);
    assert_int_equal(ev, QR_EV_TEXT);
    assert_int_equal(len, strlen(sample));
    assert_memory_equal(t, sample, len);
    assert_false(qr_scanner_scanning(&q));
    assert_int_equal(qr_scanner_poll(&q, 20, &t, &len, &err), QR_EV_NONE);
}

static void test_no_answer_times_out_and_untriggers(void **state)
{
    (void)state;
    static fake f;
    hal_link l;
    qr_scanner q;
    setup_scanner(&q, &l, &f);
    assert_int_equal(qr_scanner_trigger(&q, 100), KS_OK);
    const uint8_t *t;
    size_t len;
    qr_error err;
    assert_int_equal(qr_scanner_poll(&q, 1099, &t, &len, &err), QR_EV_NONE);
    assert_int_equal(qr_scanner_poll(&q, 1100, &t, &len, &err), QR_EV_ERROR);
    assert_int_equal(err, QR_ERR_TIMEOUT);
    assert_int_equal(f.out_len, 6);
    assert_memory_equal(f.out + 3, "\x16\x55\x0D", 3);
    assert_int_equal(qr_scanner_poll(&q, 5000, &t, &len, &err), QR_EV_NONE);
}

static void test_partial_line_then_silence_is_incomplete(void **state)
{
    (void)state;
    static fake f;
    hal_link l;
    qr_scanner q;
    setup_scanner(&q, &l, &f);
    fake_push(&f, "0010990", 7);
    const uint8_t *t;
    size_t len;
    qr_error err;
    assert_int_equal(qr_scanner_poll(&q, 0, &t, &len, &err), QR_EV_NONE);
    assert_int_equal(qr_scanner_poll(&q, QR_IDLE_MS - 1, &t, &len, &err), QR_EV_NONE);
    assert_int_equal(qr_scanner_poll(&q, QR_IDLE_MS, &t, &len, &err), QR_EV_ERROR);
    assert_int_equal(err, QR_ERR_INCOMPLETE);
}

static void test_overlong_flood_from_the_module_gives_one_error(void **state)
{
    (void)state;
    static fake f;
    hal_link l;
    qr_scanner q;
    setup_scanner(&q, &l, &f);
    assert_int_equal(qr_scanner_trigger(&q, 0), KS_OK);
    memset(f.in, 'Z', 8192);
    f.in_len = 8192;
    fake_push(&f, "\r", 1);
    const uint8_t *t;
    size_t len;
    qr_error err;
    int errors = 0, texts = 0;
    for (int i = 0; i < 400; i++) {
        qr_event ev = qr_scanner_poll(&q, 1, &t, &len, &err);
        errors += ev == QR_EV_ERROR;
        texts += ev == QR_EV_TEXT;
    }
    assert_int_equal(errors, 1);
    assert_int_equal(texts, 0);
    assert_int_equal(err, QR_ERR_NONE); /* the last poll saw nothing */
}

static void test_trigger_on_a_dead_link_is_a_transport_error(void **state)
{
    (void)state;
    static fake f;
    hal_link l;
    qr_scanner q;
    setup_scanner(&q, &l, &f);
    f.refuse_writes = true;
    assert_int_equal(qr_scanner_trigger(&q, 0), KS_ERR_TRANSPORT);
    assert_false(qr_scanner_scanning(&q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ended_by_cr_is_reported_verbatim),
        cmocka_unit_test(test_crlf_and_lf_suffixes_give_one_text_each),
        cmocka_unit_test(test_overlong_line_is_dropped_with_an_error),
        cmocka_unit_test(test_line_of_exactly_the_limit_is_accepted),
        cmocka_unit_test(test_garbage_that_is_not_utf8_is_dropped_with_an_error),
        cmocka_unit_test(test_utf8_validator_refuses_overlongs_surrogates_and_truncation),
        cmocka_unit_test(test_trigger_sends_the_syn_t_cr_command),
        cmocka_unit_test(test_scan_text_is_reported_and_ends_the_scan),
        cmocka_unit_test(test_no_answer_times_out_and_untriggers),
        cmocka_unit_test(test_partial_line_then_silence_is_incomplete),
        cmocka_unit_test(test_overlong_flood_from_the_module_gives_one_error),
        cmocka_unit_test(test_trigger_on_a_dead_link_is_a_transport_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
