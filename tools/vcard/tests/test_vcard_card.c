/*
 * Loading a card image directory (card.json + XXXX.bin), the ATR, and the
 * vpcd endpoint syntax.
 */
#include "vc_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "vc_atr.h"
#include "vc_card.h"
#include "vc_link.h"

static char dir[64];

static void write_file(const char *name, const void *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static void write_json(const char *text) { write_file("card.json", text, strlen(text)); }

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/vcard-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void loads_files_and_settings_from_an_image_directory(void **state)
{
    (void)state;
    write_json("{\"version\":1,\"mrz\":{\"document_number\":\"099012345\","
               "\"date_of_birth\":\"990815\",\"date_of_expiry\":\"390815\"},"
               "\"extended_length\":false,\"unknown\":[1,2]}");
    write_file("011E.bin", "\x60\x03\x5F\x01\x00", 5);
    write_file("0101.bin", "\x61\x00", 2);
    write_file("011C.bin", "\x31\x00", 2);
    write_file("notes.txt", "x", 1);
    write_file("011e.bin", "x", 1); /* lower-case hex is not a file name of the image */
    vc_card card;
    char err[256] = "";
    assert_int_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    assert_int_equal(card.nfiles, 3);
    assert_false(card.extended_length);
    assert_true(card.has_mrz);
    const vc_file *com = vc_card_find_sfi(&card, 0x1E);
    assert_non_null(com);
    assert_int_equal(com->fid, 0x011E);
    assert_int_equal(com->len, 5);
    assert_true(com->in_app);
    const vc_file *ca = vc_card_find_fid(&card, 0x011C);
    assert_non_null(ca);
    assert_false(ca->in_app);
    assert_int_equal(vc_card_find_fid(&card, 0x0101)->sfi, 0x01);
    vc_card_free(&card);
}

static void extended_length_defaults_to_on(void **state)
{
    (void)state;
    write_json("{\"mrz\":{\"document_number\":\"L898902C\",\"date_of_birth\":\"690806\","
               "\"date_of_expiry\":\"940623\"}}");
    vc_card card;
    assert_int_equal(vc_card_load(&card, dir, NULL, 0), KS_OK);
    assert_true(card.extended_length);
    vc_card_free(&card);
}

static void bad_mrz_is_reported_without_its_value(void **state)
{
    (void)state;
    write_json("{\"mrz\":{\"document_number\":\"SECRET#99\",\"date_of_birth\":\"690806\","
               "\"date_of_expiry\":\"940623\"}}");
    vc_card card;
    char err[256] = "";
    assert_int_not_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    assert_non_null(strstr(err, "mrz"));
    assert_null(strstr(err, "SECRET"));
}

static void missing_or_broken_card_json_is_an_error(void **state)
{
    (void)state;
    vc_card card;
    char err[256] = "";
    assert_int_not_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    write_json("{\"mrz\": ");
    assert_int_not_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    write_json("{\"mrz\":{\"document_number\":\"L898902C\",\"date_of_birth\":\"690806\","
               "\"date_of_expiry\":\"940623\"},\"extended_length\":\"yes\"}");
    assert_int_not_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    assert_non_null(strstr(err, "extended_length"));
}

static void atr_is_contactless_style_with_the_extended_length_bit(void **state)
{
    (void)state;
    uint8_t atr[VC_ATR_MAX], exp[16];
    size_t n;
    assert_int_equal(vc_atr_build(true, atr, sizeof atr, &n), KS_OK);
    size_t e = vt_hex("3B 85 80 01 80 73 94 01 40 22", exp, sizeof exp);
    assert_int_equal(n, e);
    assert_memory_equal(atr, exp, e);
    assert_int_equal(vc_atr_build(false, atr, sizeof atr, &n), KS_OK);
    assert_int_equal(atr[8], 0x00);
    assert_int_equal(atr[9], 0x62);
    uint8_t tck = 0;
    for (size_t i = 1; i < n; i++)
        tck ^= atr[i];
    assert_int_equal(tck, 0); /* TCK makes T0..TCK XOR to zero */
}

static void vpcd_endpoint_is_host_colon_port(void **state)
{
    (void)state;
    char host[64], port[8];
    assert_int_equal(vc_link_parse_endpoint("127.0.0.1:35963", host, sizeof host, port,
                                            sizeof port),
                     KS_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_string_equal(port, "35963");
    assert_int_equal(vc_link_parse_endpoint("[::1]:9", host, sizeof host, port, sizeof port),
                     KS_OK);
    assert_string_equal(host, "::1");
    assert_int_not_equal(vc_link_parse_endpoint("localhost", host, sizeof host, port, sizeof port),
                         KS_OK);
    assert_int_not_equal(vc_link_parse_endpoint("h:70000", host, sizeof host, port, sizeof port),
                         KS_OK);
    assert_int_not_equal(vc_link_parse_endpoint(":1", host, sizeof host, port, sizeof port),
                         KS_OK);
}

static void write_key(const char *name, EVP_PKEY *key)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(fp);
    EVP_PKEY_free(key);
}

static void loads_pace_ca_aa_settings_keys_and_quirks(void **state)
{
    (void)state;
    write_key("aa_key.pem", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024));
    write_key("ca_key.pem", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1"));
    write_json("{\"mrz\":{\"document_number\":\"099012345\",\"date_of_birth\":\"990815\","
               "\"date_of_expiry\":\"390815\"},\"can\":\"012345\",\"aa_key\":\"aa_key.pem\","
               "\"aa_algorithm\":\"rsa\",\"aa_digest\":\"sha1\",\"ca_key\":\"ca_key.pem\","
               "\"ca_algorithm\":\"ecdh\",\"pace\":{\"oid\":\"0.4.0.127.0.7.2.2.4.2.2\","
               "\"parameter_id\":13},\"ca\":{\"oid\":\"0.4.0.127.0.7.2.2.3.2.4\",\"key_id\":7},"
               "\"quirks\":[\"select-mf-6d00\",\"future-quirk\"]}");
    vc_card card;
    char err[256] = "";
    assert_int_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    assert_string_equal(card.can, "012345");
    assert_true(card.has_pace);
    static const uint8_t pace_oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02};
    assert_int_equal(card.pace_oid_len, sizeof pace_oid);
    assert_memory_equal(card.pace_oid, pace_oid, sizeof pace_oid);
    assert_int_equal(card.pace_parameter_id, 13);
    assert_int_equal(card.ca_oid[9], 0x04);
    assert_int_equal(card.ca_key_id, 7);
    assert_non_null(card.ca_key);
    assert_non_null(card.aa_key);
    assert_false(card.aa_ecdsa);
    assert_string_equal(card.aa_digest, "sha1");
    assert_true(card.quirk_select_mf_6d00);
    vc_card_free(&card);
}

static void ca_key_without_ca_object_defaults_to_ecdh_aes128(void **state)
{
    (void)state;
    write_key("ca_key.pem", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1"));
    write_json("{\"mrz\":{\"document_number\":\"099012345\",\"date_of_birth\":\"990815\","
               "\"date_of_expiry\":\"390815\"},\"ca_key\":\"ca_key.pem\"}");
    vc_card card;
    char err[256] = "";
    assert_int_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
    static const uint8_t ca_oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02};
    assert_int_equal(card.ca_oid_len, sizeof ca_oid);
    assert_memory_equal(card.ca_oid, ca_oid, sizeof ca_oid);
    assert_int_equal(card.ca_key_id, -1);
    assert_false(card.has_pace);
    vc_card_free(&card);
}

static void bad_protocol_settings_are_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"can\":\"12a4\"",
        "\"pace\":{\"parameter_id\":13}",
        "\"pace\":{\"oid\":\"4..1\"}",
        "\"aa_key\":\"missing.pem\"",
        "\"ca_key\":\"../etc/key.pem\"",
        "\"quirks\":\"select-mf-6d00\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"mrz\":{\"document_number\":\"099012345\",\"date_of_birth\":\"990815\","
                 "\"date_of_expiry\":\"390815\"},%s}",
                 bad[i]);
        write_json(json);
        vc_card card;
        char err[256] = "";
        assert_int_not_equal(vc_card_load(&card, dir, err, sizeof err), KS_OK);
        assert_true(err[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_files_and_settings_from_an_image_directory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(extended_length_defaults_to_on, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_mrz_is_reported_without_its_value, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_or_broken_card_json_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(loads_pace_ca_aa_settings_keys_and_quirks, setup, teardown),
        cmocka_unit_test_setup_teardown(ca_key_without_ca_object_defaults_to_ecdh_aes128, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_protocol_settings_are_errors, setup, teardown),
        cmocka_unit_test(atr_is_contactless_style_with_the_extended_length_bit),
        cmocka_unit_test(vpcd_endpoint_is_host_colon_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
