/*
 * test_record.c — building, minimising, canonical serialisation, signing
 * and verifying records, and the decoder's refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/pem.h>

#include <stdbool.h>

#include "record.h"
#include "record_sample.h"
#include "store_test_util.h"

typedef struct fx {
    char *dir;
    char key_path[256];
    EVP_PKEY *key;
} fx;

static void write_key(const char *path, EVP_PKEY *k, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    tu_path(f->key_path, sizeof f->key_path, f->dir, "kiosk-sign.pem");
    EVP_PKEY *gen = EVP_EC_gen("P-256");
    write_key(f->key_path, gen, 0600);
    EVP_PKEY_free(gen);
    char err[RECORD_ERR_LEN];
    if (record_load_signing_key(f->key_path, &f->key, err) != KS_OK)
        fail_msg("%s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    EVP_PKEY_free(f->key);
    tu_rmdir(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static char *build_signed(fx *f, record_purpose p, const record_policy *pol, size_t *len)
{
    record_input in = sample_input(p);
    json_object *rec = NULL;
    assert_int_equal(record_build(&in, pol, 1795000005123, &rec), KS_OK);
    assert_int_equal(record_sign(rec, f->key), KS_OK);
    char *out = NULL;
    assert_int_equal(record_canonical(rec, &out, len), KS_OK);
    json_object_put(rec);
    return out;
}

static void a_signed_record_verifies_and_decodes(void **state)
{
    fx *f = *state;
    record_policy pol;
    record_policy_defaults(&pol);
    size_t len;
    char *json = build_signed(f, RECORD_PURPOSE_LODGING, &pol, &len);
    char err[RECORD_ERR_LEN] = "";
    assert_int_equal(record_verify(json, len, f->key, err), KS_OK);
    json_object *rec = NULL;
    assert_int_equal(record_decode(json, len, &rec, err), KS_OK);
    json_object *v;
    assert_true(json_object_object_get_ex(rec, "record_id", &v));
    assert_true(store_id_valid(json_object_get_string(v)));
    assert_non_null(strstr(json, "\"created_at\":\"2026-11-18T11:06:45Z\""));
    assert_non_null(strstr(json, "\"full_name\":\"" SAMPLE_NAME "\""));
    assert_non_null(strstr(json, "\"match_permille\":873"));
    assert_non_null(strstr(json, "\"alg\":\"ES256\""));
    /* canonical: re-serialising the decoded record gives the same bytes */
    char *again;
    size_t alen;
    assert_int_equal(record_canonical(rec, &again, &alen), KS_OK);
    assert_int_equal(alen, len);
    assert_memory_equal(again, json, len);
    free(again);
    json_object_put(rec);
    free(json);
}

static void replace_once(char *s, const char *from, const char *to)
{
    char *p = strstr(s, from);
    assert_non_null(p);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(p, to, strlen(to));
}

static void a_changed_field_fails_verification(void **state)
{
    fx *f = *state;
    record_policy pol;
    record_policy_defaults(&pol);
    size_t len;
    const char *const edits[][2] = {
        {SAMPLE_CCCD, "079204012346"},
        {"\"verdict\":\"genuine\"", "\"verdict\":\"GENUINE\""},
        {"\"match_permille\":873", "\"match_permille\":973"},
        {"\"purpose\":\"lodging\"", "\"purpose\":\"clinic\"\x20"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *json = build_signed(f, RECORD_PURPOSE_LODGING, &pol, &len);
        replace_once(json, edits[i][0], edits[i][1]);
        char err[RECORD_ERR_LEN] = "";
        ks_status rc = record_verify(json, len, f->key, err);
        assert_true(rc == KS_ERR_AUTH || rc == KS_ERR_MALFORMED);
        assert_true(err[0] != '\0');
        free(json);
    }
    /* a change that keeps the canonical form reaches the ECDSA check */
    char *json = build_signed(f, RECORD_PURPOSE_LODGING, &pol, &len);
    json_object *rec = json_tokener_parse(json);
    json_object_object_add(json_object_object_get(rec, "face"), "liveness",
                           json_object_new_string("not_live"));
    char *edited;
    size_t elen;
    assert_int_equal(record_canonical(rec, &edited, &elen), KS_OK);
    char err[RECORD_ERR_LEN] = "";
    assert_int_equal(record_verify(edited, elen, f->key, err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "does not verify"));
    free(edited);
    json_object_put(rec);
    free(json);
}

static void only_the_canonical_form_and_the_right_key_verify(void **state)
{
    fx *f = *state;
    record_policy pol;
    record_policy_defaults(&pol);
    size_t len;
    char *json = build_signed(f, RECORD_PURPOSE_CLINIC, &pol, &len);
    json_object *rec = json_tokener_parse(json);
    const char *pretty = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PRETTY);
    char err[RECORD_ERR_LEN] = "";
    assert_int_equal(record_verify(pretty, strlen(pretty), f->key, err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "canonical"));
    json_object_put(rec);

    EVP_PKEY *other = EVP_EC_gen("P-256");
    assert_int_equal(record_verify(json, len, other, err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "another key"));
    EVP_PKEY_free(other);
    free(json);
}

static bool has_member(json_object *o, const char *k)
{
    return json_object_object_get_ex(o, k, NULL);
}

static void minimisation_keeps_only_the_purposes_fields(void **state)
{
    fx *f = *state;
    record_policy pol;
    record_policy_defaults(&pol);
    record_input in = sample_input(RECORD_PURPOSE_KIOSK);
    json_object *rec;
    assert_int_equal(record_build(&in, &pol, 1795000005000, &rec), KS_OK);
    json_object *h = json_object_object_get(rec, "holder");
    assert_int_equal(json_object_object_length(h), 3);
    assert_true(has_member(h, "id_number") && has_member(h, "full_name") &&
                has_member(h, "date_of_birth"));
    json_object *p = json_object_object_get(rec, "portrait");
    assert_true(has_member(p, "sha256"));
    assert_false(has_member(p, "image_base64"));
    assert_string_equal(json_object_get_string(json_object_object_get(p, "sha256")), SAMPLE_PORTRAIT_SHA256);
    json_object_put(rec);

    /* a policy file narrows the clinic and lets driving tests keep the image */
    char path[300];
    tu_path(path, sizeof path, f->dir, "policy.json");
    tu_write_file(path,
                  "{\"purposes\":{\"clinic\":{\"holder_fields\":[\"full_name\",\"date_of_birth\"]},"
                  "\"driving-test\":{\"portrait_image\":true}}}", 0644);
    char err[RECORD_ERR_LEN];
    assert_int_equal(record_policy_load(path, &pol, err), KS_OK);
    in = sample_input(RECORD_PURPOSE_CLINIC);
    assert_int_equal(record_build(&in, &pol, 1795000005000, &rec), KS_OK);
    h = json_object_object_get(rec, "holder");
    assert_int_equal(json_object_object_length(h), 2);
    assert_false(has_member(h, "id_number"));
    assert_false(has_member(h, "place_of_residence"));
    const char *txt = json_object_to_json_string(rec);
    assert_null(strstr(txt, SAMPLE_CCCD));
    json_object_put(rec);

    in = sample_input(RECORD_PURPOSE_DRIVING_TEST);
    assert_int_equal(record_build(&in, &pol, 1795000005000, &rec), KS_OK);
    p = json_object_object_get(rec, "portrait");
    assert_string_equal(json_object_get_string(json_object_object_get(p, "image_base64")),
                        "/9j/4AAQSkZJRv/Z");
    json_object_put(rec);

    tu_write_file(path, "{\"purposes\":{\"clinic\":{\"holder_fields\":[\"blood_type\"]}}}", 0644);
    assert_int_equal(record_policy_load(path, &pol, err), KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "holder_fields[0]"));
}

static void canonical_form_sorts_escapes_minimally_and_refuses_floats(void **state)
{
    (void)state;
    json_object *o = json_tokener_parse(
        "{\"b\":[true,null,-5],\"a\":\"x\\n\\u0001\\u00e9/\\\"\",\"A\":{\"z\":1,\"y\":\"\"}}");
    assert_non_null(o);
    char *out;
    size_t n;
    assert_int_equal(record_canonical(o, &out, &n), KS_OK);
    assert_string_equal(out, "{\"A\":{\"y\":\"\",\"z\":1},\"a\":\"x\\n\\u0001\xc3\xa9/\\\"\",\"b\":[true,null,-5]}");
    assert_int_equal(n, strlen(out));
    free(out);
    json_object_put(o);
    o = json_tokener_parse("{\"score\":0.5}");
    assert_int_equal(record_canonical(o, &out, &n), KS_ERR_UNSUPPORTED);
    json_object_put(o);
}

static void the_decoder_refuses_what_the_schema_does_not_allow(void **state)
{
    fx *f = *state;
    record_policy pol;
    record_policy_defaults(&pol);
    size_t len;
    char *good = build_signed(f, RECORD_PURPOSE_LODGING, &pol, &len);
    json_object *rec;
    char err[RECORD_ERR_LEN];
    struct { const char *from, *to; } cases[] = {
        {"\"purpose\":\"lodging\"", "\"purpose\":\"hotel\"\x20\x20"},
        {"\"schema\":", "\"schemX\":"},
        {"\"verdict\":\"genuine\"", "\"verdict\":\"maybe\"\x20\x20"},
        {"\"match_permille\":873", "\"match_permille\":8.3"},
        {"\"match_permille\":873", "\"match_permille\":-73"},
        {"\"full_name\":", "\"nick_name\":"},
        {"\"created_at\":\"2026", "\"created_at\":\"x026"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *j = strdup(good);
        replace_once(j, cases[i].from, cases[i].to);
        err[0] = '\0';
        ks_status rc = record_decode(j, strlen(j), &rec, err);
        if (rc == KS_OK)
            fail_msg("case %zu accepted", i);
        assert_null(rec);
        assert_true(err[0] != '\0');
        free(j);
    }
    const char *raw[] = {"", "[]", "{}", "{\"a\":1}{", "\"x\"", "{\"record_id\":\"\xff\"}",
                         "[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        assert_int_not_equal(record_decode(raw[i], strlen(raw[i]), &rec, err), KS_OK);
    free(good);
}

static void signing_keys_must_be_private_and_p256(void **state)
{
    fx *f = *state;
    EVP_PKEY *k = NULL;
    char err[RECORD_ERR_LEN];
    assert_int_equal(chmod(f->key_path, 0644), 0);
    assert_int_equal(record_load_signing_key(f->key_path, &k, err), KS_ERR_ACCESS);
    assert_non_null(strstr(err, "0600"));
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    write_key(f->key_path, p384, 0600);
    EVP_PKEY_free(p384);
    assert_int_equal(record_load_signing_key(f->key_path, &k, err), KS_ERR_MALFORMED);
    assert_null(k);
    char missing[300];
    tu_path(missing, sizeof missing, f->dir, "nope.pem");
    assert_int_equal(record_load_signing_key(missing, &k, err), KS_ERR_NOT_FOUND);
}

static void a_built_record_goes_through_the_store_unchanged(void **state)
{
    fx *f = *state;
    record_policy pol;
    record_policy_defaults(&pol);
    size_t len;
    char *json = build_signed(f, RECORD_PURPOSE_LODGING, &pol, &len);
    char db[300], key[300];
    tu_path(db, sizeof db, f->dir, "q.db");
    tu_path(key, sizeof key, f->dir, "store.key");
    tu_write_file(key, TU_KEY1, 0600);
    store_options o = tu_options(db, key);
    store *s;
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &s, err), KS_OK);
    assert_int_equal(store_enqueue(s, json, len, 1, NULL), KS_OK);
    store_batch b;
    assert_int_equal(store_claim(s, 1, 1 << 20, 2, &b), KS_OK);
    assert_int_equal(b.count, 1);
    char verr[RECORD_ERR_LEN];
    assert_int_equal(record_verify(b.items[0].json, b.items[0].json_len, f->key, verr), KS_OK);
    store_batch_free(&b);
    store_close(s);
    free(json);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(a_signed_record_verifies_and_decodes),
        T(a_changed_field_fails_verification),
        T(only_the_canonical_form_and_the_right_key_verify),
        T(minimisation_keeps_only_the_purposes_fields),
        cmocka_unit_test(canonical_form_sorts_escapes_minimally_and_refuses_floats),
        T(the_decoder_refuses_what_the_schema_does_not_allow),
        T(signing_keys_must_be_private_and_p256),
        T(a_built_record_goes_through_the_store_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
