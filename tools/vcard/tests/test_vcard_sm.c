/*
 * Secure messaging of the emulated chip: the whole BAC + SM exchange of
 * ICAO Doc 9303 Part 11 appendix D (D.3 and D.4) replayed byte for byte
 * through vc_os, then the session rules (6988, protected errors, faults).
 */
#include "vc_test_util.h"

#include <stdlib.h>

#include "tlv.h"
#include "vc_crypto.h"

#define EF_COM "60145F0104303130365F36063034303030305C026175"

static const char *const rng_script[] = {"4608F91988702212", "0B4F80323EB3191CB04970CB4052790B"};

typedef struct rng_state {
    size_t next;
} rng_state;

/* Hands out the worked example's RND.ICC, then K.ICC. */
static ks_status scripted_rng(void *ctx, uint8_t *out, size_t len)
{
    rng_state *r = ctx;
    if (r->next >= 2)
        return KS_ERR_CRYPTO;
    uint8_t buf[16];
    size_t n = vt_hex(rng_script[r->next++], buf, sizeof buf);
    assert_int_equal(n, len);
    memcpy(out, buf, n);
    return KS_OK;
}

typedef struct fixture {
    vc_card card;
    vc_os os;
    rng_state rng;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    vc_card_init(&f->card);
    assert_int_equal(vc_card_set_mrz(&f->card, "L898902C", "690806", "940623"), KS_OK);
    uint8_t com[32];
    size_t n = vt_hex(EF_COM, com, sizeof com);
    assert_int_equal(vc_card_add_file(&f->card, 0x011E, com, n), KS_OK);
    assert_int_equal(vc_card_add_file(&f->card, 0x0101, com, 4), KS_OK);
    assert_int_equal(vc_os_init(&f->os, &f->card, true), KS_OK);
    vc_os_set_rng(&f->os, scripted_rng, &f->rng);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vc_os_free(&f->os);
    vc_card_free(&f->card);
    free(f);
    return 0;
}

/* Appendix D.3: select the application, GET CHALLENGE, EXTERNAL AUTHENTICATE. */
static void run_worked_example_bac(vc_os *os)
{
    vt_expect(vt_run(os, "00A4040C07A0000002471001"), "9000");
    vt_expect(vt_run(os, "0084000008"), "4608F91988702212 9000");
    vt_expect(vt_run(os, "0082000028"
                         "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
                         "5F1448EEA8AD90A7 28"),
              "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"
              "2F2D235D074D7449 9000");
    assert_true(vc_os_authenticated(os));
}

static void worked_example_bac_and_secure_messaging_match_byte_for_byte(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    /* Appendix D.4: SELECT EF.COM, READ BINARY 4 bytes, then the remaining 18. */
    vt_expect(vt_run(&f->os, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"),
              "990290008E08FA855A5D4C50A8ED 9000");
    vt_expect(vt_run(&f->os, "0CB000000D9701048E08ED6705417E96BA5500"),
              "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED 9000");
    vt_expect(vt_run(&f->os, "0CB000040D9701128E082EA28A70F3C7B53500"),
              "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A"
              "990290008E08C8B2787EAEA07D74 9000");
    uint8_t ssc[8];
    vt_hex("887022120C06C22C", ssc, sizeof ssc);
    assert_memory_equal(f->os.sm.ssc, ssc, 8);
}

static void application_files_answer_6982_before_bac(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4040C07A0000002471001"), "9000");
    vt_expect(vt_run(&f->os, "00A4020C02011E"), "6982");
    vt_expect(vt_run(&f->os, "00B09E0000"), "6982");
    vt_expect(vt_run(&f->os, "00B0000004"), "6986");
}

static void external_authenticate_needs_a_fresh_challenge(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4040C07A0000002471001"), "9000");
    vt_expect(vt_run(&f->os, "0082000028"
                             "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
                             "5F1448EEA8AD90A7 28"),
              "6985");
    assert_false(vc_os_authenticated(&f->os));
}

static void wrong_cryptogram_answers_6300_and_consumes_the_challenge(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "0084000008"), "4608F91988702212 9000");
    vt_expect(vt_run(&f->os, "0082000028"
                             "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
                             "5F1448EEA8AD90A8 28"),
              "6300");
    assert_false(vc_os_authenticated(&f->os));
    vt_expect(vt_run(&f->os, "0082000028"
                             "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
                             "5F1448EEA8AD90A7 28"),
              "6985");
}

static void get_challenge_wants_eight_bytes(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "0084000004"), "6700");
    vt_expect(vt_run(&f->os, "00840000"), "6700");
}

static void bad_mac_answers_6988_plain_and_ends_the_session(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    vt_expect(vt_run(&f->os, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F900"), "6988");
    assert_false(vc_os_authenticated(&f->os));
    /* Back to unauthenticated: the application's files are locked again. */
    vt_expect(vt_run(&f->os, "00A4020C02011E"), "6982");
}

static void unprotected_command_in_a_session_answers_6988_and_ends_it(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    vt_expect(vt_run(&f->os, "00A4020C02011E"), "6988");
    assert_false(vc_os_authenticated(&f->os));
}

static void protected_command_without_a_session_answers_6988(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"), "6988");
}

static void missing_mac_object_ends_the_session(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    vt_expect(vt_run(&f->os, "0CA4020C0B8709016375432908C044F600"), "6988");
    assert_false(vc_os_authenticated(&f->os));
}

/* --- a terminal of the test's own, to make protected commands ------------ */

typedef struct terminal {
    uint8_t ks_enc[16], ks_mac[16], ssc[8];
} terminal;

static void term_init(terminal *t)
{
    vt_hex("979EC13B1CBFE9DCD01AB0FED307EAE5", t->ks_enc, 16);
    vt_hex("F1CB1F1FB5ADF208806B89DC579DC1F8", t->ks_mac, 16);
    vt_hex("887022120C06C226", t->ssc, 8);
}

static void term_ssc_inc(terminal *t)
{
    for (size_t i = 8; i-- > 0;)
        if (++t->ssc[i])
            break;
}

/* Builds a protected command for (INS P1 P2, data, Le bytes); extended form when asked. */
static size_t term_protect(terminal *t, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                           size_t nc, const uint8_t *le, size_t le_len, bool ext, uint8_t *out)
{
    uint8_t body[512];
    size_t b = 0;
    if (nc) {
        uint8_t buf[300];
        memcpy(buf, data, nc);
        size_t plen;
        assert_int_equal(vc_pad(buf, nc, sizeof buf, 8, &plen), KS_OK);
        assert_int_equal(vc_3des_cbc(t->ks_enc, true, buf, plen, buf), KS_OK);
        bool odd = ins & 1;
        body[b++] = odd ? 0x85 : 0x87;
        size_t vlen = plen + (odd ? 0 : 1);
        if (vlen > 127)
            body[b++] = 0x81;
        body[b++] = (uint8_t)vlen;
        if (!odd)
            body[b++] = 0x01;
        memcpy(body + b, buf, plen);
        b += plen;
    }
    if (le_len) {
        body[b++] = 0x97;
        body[b++] = (uint8_t)le_len;
        memcpy(body + b, le, le_len);
        b += le_len;
    }
    term_ssc_inc(t);
    uint8_t mac_in[600];
    size_t m = 0;
    memcpy(mac_in, t->ssc, 8);
    m += 8;
    uint8_t hdr[4] = {0x0C, ins, p1, p2};
    memcpy(mac_in + m, hdr, 4);
    assert_int_equal(vc_pad(mac_in + m, 4, 8, 8, &(size_t){0}), KS_OK);
    m += 8;
    memcpy(mac_in + m, body, b);
    m += b;
    assert_int_equal(vc_pad(mac_in, m, sizeof mac_in, 8, &m), KS_OK);
    uint8_t mac[8];
    assert_int_equal(vc_retail_mac(t->ks_mac, mac_in, m, mac), KS_OK);
    body[b++] = 0x8E;
    body[b++] = 8;
    memcpy(body + b, mac, 8);
    b += 8;

    size_t n = 0;
    memcpy(out, hdr, 4);
    n = 4;
    if (ext) {
        out[n++] = 0;
        out[n++] = (uint8_t)(b >> 8);
    }
    out[n++] = (uint8_t)b;
    memcpy(out + n, body, b);
    n += b;
    out[n++] = 0;
    if (ext)
        out[n++] = 0;
    return n;
}

/* Checks DO'8E of a protected response and returns the decrypted data length in plain. */
static size_t term_unprotect(terminal *t, const uint8_t *resp, size_t len, uint8_t *plain,
                             uint16_t *sw)
{
    assert_true(len >= 16);
    term_ssc_inc(t);
    size_t mac_at = len - 2 - 10;
    assert_int_equal(resp[mac_at], 0x8E);
    static uint8_t mac_in[70000];
    memcpy(mac_in, t->ssc, 8);
    memcpy(mac_in + 8, resp, mac_at);
    size_t m;
    assert_int_equal(vc_pad(mac_in, 8 + mac_at, sizeof mac_in, 8, &m), KS_OK);
    uint8_t mac[8];
    assert_int_equal(vc_retail_mac(t->ks_mac, mac_in, m, mac), KS_OK);
    assert_memory_equal(mac, resp + mac_at + 2, 8);
    assert_int_equal(resp[mac_at - 4], 0x99);
    *sw = (uint16_t)(resp[mac_at - 2] << 8 | resp[mac_at - 1]);
    assert_int_equal(*sw, (uint16_t)(resp[len - 2] << 8 | resp[len - 1]));
    if (mac_at == 4)
        return 0;
    tlv d;
    assert_int_equal(tlv_decode(resp, mac_at - 4, &d), KS_OK);
    const uint8_t *cg = d.value;
    size_t cl = d.len;
    if (d.tag == 0x87) {
        assert_int_equal(cg[0], 1);
        cg++;
        cl--;
    } else {
        assert_int_equal(d.tag, 0x85);
    }
    assert_int_equal(vc_3des_cbc(t->ks_enc, false, cg, cl, plain), KS_OK);
    size_t pl;
    assert_int_equal(vc_unpad(plain, cl, &pl), KS_OK);
    return pl;
}

static size_t run_bytes(vc_os *os, const uint8_t *apdu, size_t n)
{
    size_t out_len = 0;
    assert_int_equal(vc_os_process(os, apdu, n, vt_out, sizeof vt_out, &out_len), KS_OK);
    return out_len;
}

static void errors_in_a_session_are_answered_protected(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    terminal t;
    term_init(&t);
    uint8_t cmd[600], plain[70000];
    uint16_t sw;
    const uint8_t fid[2] = {0x01, 0x0F};
    size_t n = term_protect(&t, 0xA4, 0x02, 0x0C, fid, 2, NULL, 0, false, cmd);
    size_t r = run_bytes(&f->os, cmd, n);
    assert_int_equal(term_unprotect(&t, vt_out, r, plain, &sw), 0);
    assert_int_equal(sw, 0x6A82);
    assert_true(vc_os_authenticated(&f->os));
}

static void protected_read_past_the_end_returns_the_rest_with_6282(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    terminal t;
    term_init(&t);
    uint8_t cmd[600], plain[70000];
    uint16_t sw;
    const uint8_t le[1] = {0x00};
    /* SFI 1E, offset 20: two bytes are left, 256 asked. */
    size_t n = term_protect(&t, 0xB0, 0x9E, 20, NULL, 0, le, 1, false, cmd);
    size_t r = run_bytes(&f->os, cmd, n);
    assert_int_equal(term_unprotect(&t, vt_out, r, plain, &sw), 2);
    assert_int_equal(sw, 0x6282);
    assert_int_equal(plain[0], 0x61);
    assert_int_equal(plain[1], 0x75);
}

static void protected_odd_read_binary_answers_do53_inside_do85(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    terminal t;
    term_init(&t);
    uint8_t cmd[600], plain[70000];
    uint16_t sw;
    const uint8_t off[3] = {0x54, 0x01, 0x02};
    const uint8_t le[1] = {0x06};
    size_t n = term_protect(&t, 0xB1, 0x01, 0x1E, off, 3, le, 1, false, cmd);
    size_t r = run_bytes(&f->os, cmd, n);
    assert_int_equal(vt_out[0], 0x85);
    assert_int_equal(term_unprotect(&t, vt_out, r, plain, &sw), 6);
    assert_int_equal(sw, 0x9000);
    const uint8_t exp[6] = {0x53, 0x04, 0x5F, 0x01, 0x04, 0x30};
    assert_memory_equal(plain, exp, 6);
}

static void protected_extended_le_is_refused_when_extended_length_is_off(void **state)
{
    fixture *f = *state;
    f->os.extended = false;
    run_worked_example_bac(&f->os);
    terminal t;
    term_init(&t);
    uint8_t cmd[600], plain[70000];
    uint16_t sw;
    const uint8_t le[2] = {0x00, 0x00};
    size_t n = term_protect(&t, 0xB0, 0x9E, 0, NULL, 0, le, 2, false, cmd);
    size_t r = run_bytes(&f->os, cmd, n);
    assert_int_equal(term_unprotect(&t, vt_out, r, plain, &sw), 0);
    assert_int_equal(sw, 0x6700);
    /* The extended outer form too. */
    const uint8_t le1[1] = {0x04};
    n = term_protect(&t, 0xB0, 0x9E, 0, NULL, 0, le1, 1, true, cmd);
    r = run_bytes(&f->os, cmd, n);
    assert_int_equal(term_unprotect(&t, vt_out, r, plain, &sw), 0);
    assert_int_equal(sw, 0x6700);
    assert_true(vc_os_authenticated(&f->os));
}

static void protected_extended_read_is_served_when_extended_length_is_on(void **state)
{
    fixture *f = *state;
    run_worked_example_bac(&f->os);
    terminal t;
    term_init(&t);
    uint8_t cmd[600], plain[70000];
    uint16_t sw;
    const uint8_t le[2] = {0x00, 0x00};
    size_t n = term_protect(&t, 0xB0, 0x9E, 0, NULL, 0, le, 2, true, cmd);
    size_t r = run_bytes(&f->os, cmd, n);
    assert_int_equal(term_unprotect(&t, vt_out, r, plain, &sw), 22);
    assert_int_equal(sw, 0x6282);
}

static void corrupt_sm_fault_spoils_every_protected_answer_after_the_first(void **state)
{
    fixture *f = *state;
    vc_os_set_corrupt_sm(&f->os, true);
    run_worked_example_bac(&f->os);
    vt_expect(vt_run(&f->os, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"),
              "990290008E08FA855A5D4C50A8ED 9000");
    vt_expect(vt_run(&f->os, "0CB000000D9701048E08ED6705417E96BA5500"),
              "8709019FF0EC34F9922651990290008E08AC55CC17140B2DED 9000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(worked_example_bac_and_secure_messaging_match_byte_for_byte,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(application_files_answer_6982_before_bac, setup, teardown),
        cmocka_unit_test_setup_teardown(external_authenticate_needs_a_fresh_challenge, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrong_cryptogram_answers_6300_and_consumes_the_challenge,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(get_challenge_wants_eight_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_mac_answers_6988_plain_and_ends_the_session, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unprotected_command_in_a_session_answers_6988_and_ends_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(protected_command_without_a_session_answers_6988, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_mac_object_ends_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_in_a_session_are_answered_protected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(protected_read_past_the_end_returns_the_rest_with_6282,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(protected_odd_read_binary_answers_do53_inside_do85, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            protected_extended_le_is_refused_when_extended_length_is_off, setup, teardown),
        cmocka_unit_test_setup_teardown(
            protected_extended_read_is_served_when_extended_length_is_on, setup, teardown),
        cmocka_unit_test_setup_teardown(
            corrupt_sm_fault_spoils_every_protected_answer_after_the_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
