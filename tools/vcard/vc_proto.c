#include "vc_proto.h"

#include <stdlib.h>
#include <string.h>

#include "vc_bac.h"
#include "vc_crypto.h"

/* bsi-de protocols: 0.4.0.127.0.7.2.2 */
static const uint8_t bsi_protocols[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02};

ks_status vc_proto_from_oid(const uint8_t *oid, size_t len, vc_proto_family family,
                            vc_proto *out)
{
    if (!oid || !out)
        return KS_ERR_ARG;
    size_t base = sizeof bsi_protocols;
    if (len != base + 3 || memcmp(oid, bsi_protocols, base) != 0)
        return KS_ERR_UNSUPPORTED;
    uint8_t kind = oid[base], ka = oid[base + 1], cipher = oid[base + 2];
    if (kind != (family == VC_PROTO_PACE_GM ? 0x04 : 0x03))
        return KS_ERR_UNSUPPORTED;
    /* PACE: 1 DH-GM, 2 ECDH-GM (IM and CAM are not emulated); CA: 1 DH, 2 ECDH. */
    if (ka != 0x01 && ka != 0x02)
        return KS_ERR_UNSUPPORTED;
    if (cipher < 0x01 || cipher > 0x04)
        return KS_ERR_UNSUPPORTED;
    out->ecdh = ka == 0x02;
    out->aes = cipher != 0x01;
    out->key_len = cipher == 0x03 ? 24u : cipher == 0x04 ? 32u : 16u;
    return KS_OK;
}

ks_status vc_proto_kdf(const vc_proto *p, const uint8_t *secret, size_t len, uint32_t counter,
                       uint8_t *key)
{
    if (!p || !secret || !key)
        return KS_ERR_ARG;
    if (p->aes)
        return vc_kdf_aes(secret, len, counter, p->key_len, key);
    if (len > 64) {
        /* vc_kdf_3des takes up to 64 bytes; DH secrets are longer. */
        uint8_t *d = malloc(len + 4);
        if (!d)
            return KS_ERR_NO_MEMORY;
        memcpy(d, secret, len);
        d[len] = (uint8_t)(counter >> 24);
        d[len + 1] = (uint8_t)(counter >> 16);
        d[len + 2] = (uint8_t)(counter >> 8);
        d[len + 3] = (uint8_t)counter;
        uint8_t h[VC_SHA1_LEN];
        ks_status st = vc_sha1(d, len + 4, h);
        if (st == KS_OK) {
            memcpy(key, h, VC_3DES_KEY);
            vc_des_set_parity(key, VC_3DES_KEY);
        }
        memset(d, 0, len + 4);
        free(d);
        memset(h, 0, sizeof h);
        return st;
    }
    return vc_kdf_3des(secret, len, counter, key);
}

ks_status vc_proto_mac(const vc_proto *p, const uint8_t *key, const uint8_t *in, size_t len,
                       uint8_t mac[8])
{
    if (!p || !key || !in || !mac)
        return KS_ERR_ARG;
    if (p->aes) {
        uint8_t full[VC_AES_BLOCK];
        ks_status st = vc_aes_cmac(key, p->key_len, in, len, full);
        if (st == KS_OK)
            memcpy(mac, full, 8);
        return st;
    }
    uint8_t *buf = malloc(len + VC_DES_BLOCK);
    if (!buf)
        return KS_ERR_NO_MEMORY;
    memcpy(buf, in, len);
    size_t plen;
    ks_status st = vc_pad(buf, len, len + VC_DES_BLOCK, VC_DES_BLOCK, &plen);
    if (st == KS_OK)
        st = vc_retail_mac(key, buf, plen, mac);
    free(buf);
    return st;
}

ks_status vc_proto_start_sm(const vc_proto *p, const uint8_t *secret, size_t len, vc_sm *sm)
{
    if (!p || !secret || !sm)
        return KS_ERR_ARG;
    uint8_t ks_enc[32], ks_mac[32];
    ks_status st = vc_proto_kdf(p, secret, len, 1, ks_enc);
    if (st == KS_OK)
        st = vc_proto_kdf(p, secret, len, 2, ks_mac);
    if (st == KS_OK) {
        static const uint8_t zero_ssc[8] = {0};
        st = p->aes ? vc_sm_start_aes(sm, ks_enc, ks_mac, p->key_len)
                    : vc_sm_start_3des(sm, ks_enc, ks_mac, zero_ssc);
    }
    memset(ks_enc, 0, sizeof ks_enc);
    memset(ks_mac, 0, sizeof ks_mac);
    return st;
}
