/* DG13 decodes back, with OpenSSL's generic ASN.1 parser, into its indices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include "mkc_dg13.h"
#include "mkc_test_support.h"

typedef struct decoded {
    long version;
    char oid[64];
    char *value[32];    /* index -> UTF-8 text; 13 -> "father|mother" */
    int present[32];
    int count;
} decoded;

static char *utf8_of(const ASN1_TYPE *t)
{
    assert_int_equal(ASN1_TYPE_get(t), V_ASN1_UTF8STRING);
    const ASN1_STRING *s = t->value.utf8string;
    char *out = OPENSSL_strndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    assert_non_null(out);
    return out;
}

/* Strips the application tag 13 (6D) with ASN1_get_object, then d2i's the rest. */
static void decode_dg13(const mkc_bytes *dg13, decoded *d)
{
    memset(d, 0, sizeof *d);
    const unsigned char *p = dg13->data;
    long len;
    int tag, cls;
    int ret = ASN1_get_object(&p, &len, &tag, &cls, (long)dg13->len);
    assert_false(ret & 0x80);
    assert_int_equal(cls, V_ASN1_APPLICATION);
    assert_int_equal(tag, 13);
    assert_int_equal((size_t)(p - dg13->data) + (size_t)len, dg13->len);

    STACK_OF(ASN1_TYPE) *top = d2i_ASN1_SEQUENCE_ANY(NULL, &p, len);
    assert_non_null(top);
    assert_int_equal(sk_ASN1_TYPE_num(top), 3);
    ASN1_TYPE *version = sk_ASN1_TYPE_value(top, 0);
    ASN1_TYPE *oid = sk_ASN1_TYPE_value(top, 1);
    ASN1_TYPE *set = sk_ASN1_TYPE_value(top, 2);
    assert_int_equal(ASN1_TYPE_get(version), V_ASN1_INTEGER);
    d->version = ASN1_INTEGER_get(version->value.integer);
    assert_int_equal(ASN1_TYPE_get(oid), V_ASN1_OBJECT);
    OBJ_obj2txt(d->oid, sizeof d->oid, oid->value.object, 1);
    assert_int_equal(ASN1_TYPE_get(set), V_ASN1_SET);

    const unsigned char *sp = set->value.set->data;
    STACK_OF(ASN1_TYPE) *fields = d2i_ASN1_SET_ANY(NULL, &sp, set->value.set->length);
    assert_non_null(fields);
    for (int i = 0; i < sk_ASN1_TYPE_num(fields); i++) {
        ASN1_TYPE *f = sk_ASN1_TYPE_value(fields, i);
        assert_int_equal(ASN1_TYPE_get(f), V_ASN1_SEQUENCE);
        const unsigned char *fp = f->value.sequence->data;
        STACK_OF(ASN1_TYPE) *pair = d2i_ASN1_SEQUENCE_ANY(NULL, &fp, f->value.sequence->length);
        assert_non_null(pair);
        assert_int_equal(sk_ASN1_TYPE_num(pair), 2);
        ASN1_TYPE *idx = sk_ASN1_TYPE_value(pair, 0);
        ASN1_TYPE *val = sk_ASN1_TYPE_value(pair, 1);
        assert_int_equal(ASN1_TYPE_get(idx), V_ASN1_INTEGER);
        long index = ASN1_INTEGER_get(idx->value.integer);
        assert_in_range(index, 1, 31);
        assert_false(d->present[index]);
        d->present[index] = 1;
        d->count++;
        if (ASN1_TYPE_get(val) == V_ASN1_SEQUENCE) {
            const unsigned char *vp = val->value.sequence->data;
            STACK_OF(ASN1_TYPE) *parents = d2i_ASN1_SEQUENCE_ANY(NULL, &vp, val->value.sequence->length);
            assert_non_null(parents);
            assert_int_equal(sk_ASN1_TYPE_num(parents), 2);
            char *father = utf8_of(sk_ASN1_TYPE_value(parents, 0));
            char *mother = utf8_of(sk_ASN1_TYPE_value(parents, 1));
            size_t n = strlen(father) + strlen(mother) + 2;
            d->value[index] = OPENSSL_malloc(n);
            snprintf(d->value[index], n, "%s|%s", father, mother);
            OPENSSL_free(father);
            OPENSSL_free(mother);
            sk_ASN1_TYPE_pop_free(parents, ASN1_TYPE_free);
        } else {
            d->value[index] = utf8_of(val);
        }
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    sk_ASN1_TYPE_pop_free(fields, ASN1_TYPE_free);
    sk_ASN1_TYPE_pop_free(top, ASN1_TYPE_free);
}

static void decoded_free(decoded *d)
{
    for (int i = 0; i < 32; i++)
        OPENSSL_free(d->value[i]);
}

static void dg13_of_the_sample_decodes_into_its_indices(void **state)
{
    (void)state;
    char *dir = mkc_test_build("cccd-sample.json", NULL);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    mkc_bytes dg13 = mkc_test_read(card, "010D.bin");
    decoded d;
    decode_dg13(&dg13, &d);

    assert_int_equal(d.version, MKC_DG13_VERSION);
    assert_string_equal(d.oid, MKC_DG13_OID);
    assert_string_equal(d.value[1], "001099012345");
    assert_string_equal(d.value[2], "Nguyễn Văn An");
    assert_string_equal(d.value[3], "15/08/1999");
    assert_string_equal(d.value[4], "Nam");
    assert_string_equal(d.value[5], "Việt Nam");
    assert_string_equal(d.value[6], "Kinh");
    assert_string_equal(d.value[7], "Không");
    assert_string_equal(d.value[8], "Xã Đông Hòa, Huyện Kiến Xương, Thái Bình");
    assert_string_equal(d.value[9], "Số 1 Phố X, Phường Y, Hà Nội");
    assert_string_equal(d.value[10], "Nốt ruồi C:1cm trên sau cánh mũi phải");
    assert_string_equal(d.value[11], "10/01/2023");
    assert_string_equal(d.value[12], "15/08/2039");
    assert_string_equal(d.value[13], "Nguyễn Văn Bình|Trần Thị Cúc");
    assert_false(d.present[14]); /* no spouse */
    assert_string_equal(d.value[15], "123456789");
    assert_int_equal(d.count, 14);
    decoded_free(&d);
    mkc_bytes_free(&dg13);
    mkc_test_rmtree(dir);
    free(dir);
}

static void dg13_carries_spouse_and_omits_an_empty_old_id(void **state)
{
    (void)state;
    mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    strcpy(p.cccd.spouse_name, "Lê Thị Dung");
    p.cccd.old_id_number[0] = '\0';
    mkc_bytes dg13;
    assert_int_equal(mkc_dg13_build(&p.cccd, &dg13), KS_OK);
    decoded d;
    decode_dg13(&dg13, &d);
    assert_string_equal(d.value[14], "Lê Thị Dung");
    assert_false(d.present[15]);
    assert_int_equal(d.count, 14);
    decoded_free(&d);
    mkc_bytes_free(&dg13);
}

static void dg13_keeps_fields_at_their_size_limit(void **state)
{
    (void)state;
    mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    /* Every text field at MKC_FIELD_MAX bytes still fits and decodes. */
    char *fields[] = {p.cccd.full_name, p.cccd.sex, p.cccd.nationality, p.cccd.ethnicity,
                      p.cccd.religion, p.cccd.place_of_origin, p.cccd.place_of_residence,
                      p.cccd.identification_features, p.cccd.date_of_expiry,
                      p.cccd.father_name, p.cccd.mother_name, p.cccd.spouse_name};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        memset(fields[i], 'x', MKC_FIELD_MAX);
        fields[i][MKC_FIELD_MAX] = '\0';
    }
    mkc_bytes dg13;
    assert_int_equal(mkc_dg13_build(&p.cccd, &dg13), KS_OK);
    decoded d;
    decode_dg13(&dg13, &d);
    assert_int_equal(strlen(d.value[9]), MKC_FIELD_MAX);
    assert_int_equal(d.count, 15);
    decoded_free(&d);
    mkc_bytes_free(&dg13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dg13_of_the_sample_decodes_into_its_indices),
        cmocka_unit_test(dg13_carries_spouse_and_omits_an_empty_old_id),
        cmocka_unit_test(dg13_keeps_fields_at_their_size_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
