#include "vc_ca.h"

#include <string.h>

#include "vc_group.h"
#include "vc_proto.h"

ks_status vc_ca_agree(const EVP_PKEY *ca_key, const uint8_t *oid, size_t oid_len,
                      const uint8_t *host_pk, size_t host_pk_len, bool wrong_secret,
                      vc_sm *session)
{
    if (!ca_key || !oid || !host_pk || !session)
        return KS_ERR_ARG;
    vc_proto proto;
    ks_status st = vc_proto_from_oid(oid, oid_len, VC_PROTO_CA, &proto);
    if (st != KS_OK)
        return st;
    vc_group g;
    BIGNUM *priv = NULL;
    st = vc_group_from_pkey(&g, ca_key, &priv);
    if (st != KS_OK)
        return st;
    vc_elem peer, k;
    memset(&peer, 0, sizeof peer);
    memset(&k, 0, sizeof k);
    uint8_t secret[VC_GROUP_MAX_ELEM];
    size_t slen = 0;
    if ((g.ec != NULL) != proto.ecdh)
        st = KS_ERR_UNSUPPORTED;
    if (st == KS_OK)
        st = vc_group_decode(&g, host_pk, host_pk_len, &peer);
    if (st == KS_OK)
        st = vc_group_mul(&g, priv, &peer, &k);
    if (st == KS_OK)
        st = vc_group_secret(&g, &k, secret, sizeof secret, &slen);
    if (st == KS_OK && wrong_secret)
        secret[slen - 1] ^= 0x5A;
    if (st == KS_OK)
        st = vc_proto_start_sm(&proto, secret, slen, session);
    OPENSSL_cleanse(secret, sizeof secret);
    vc_elem_free(&peer);
    vc_elem_free(&k);
    BN_clear_free(priv);
    vc_group_free(&g);
    return st;
}
