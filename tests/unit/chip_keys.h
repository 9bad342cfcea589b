/*
 * chip_keys.h — Chip Authentication key pairs a test chip holds: ECDH on
 * brainpoolP256r1 and DH on the RFC 5114 2048-bit MODP group with a 224-bit
 * subgroup (section 2.2; standardised domain id 1). For test_ca.c and the
 * OpenPACE cross-check. Include after <cmocka.h> and the OpenSSL headers.
 */
#ifndef KS_CHIP_KEYS_H
#define KS_CHIP_KEYS_H

#include <openssl/core_names.h>
#include <openssl/evp.h>

static inline EVP_PKEY *ec_chip_key(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    assert_non_null(pk);
    return pk;
}

static inline EVP_PKEY *dh_chip_key(void)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DHX", NULL);
    EVP_PKEY *pk = NULL;
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                       (char *)"dh_2048_224", 0),
                      OSSL_PARAM_construct_end()};
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_params(ctx, p), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &pk), 1);
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

#endif
