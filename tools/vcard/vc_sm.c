#include "vc_sm.h"

#include <stdlib.h>
#include <string.h>

#include "tlv.h"
#include "vc_crypto.h"

ks_status vc_sm_start_3des(vc_sm *sm, const uint8_t ks_enc[16], const uint8_t ks_mac[16],
                           const uint8_t ssc[8])
{
    if (!sm || !ks_enc || !ks_mac || !ssc)
        return KS_ERR_ARG;
    memset(sm, 0, sizeof *sm);
    sm->suite = VC_SM_3DES;
    sm->block = VC_DES_BLOCK;
    sm->key_len = VC_3DES_KEY;
    memcpy(sm->ks_enc, ks_enc, VC_3DES_KEY);
    memcpy(sm->ks_mac, ks_mac, VC_3DES_KEY);
    memcpy(sm->ssc, ssc, VC_DES_BLOCK);
    return KS_OK;
}

ks_status vc_sm_start_aes(vc_sm *sm, const uint8_t *ks_enc, const uint8_t *ks_mac,
                          size_t key_len)
{
    if (!sm || !ks_enc || !ks_mac || (key_len != 16 && key_len != 24 && key_len != 32))
        return KS_ERR_ARG;
    memset(sm, 0, sizeof *sm);
    sm->suite = VC_SM_AES;
    sm->block = VC_AES_BLOCK;
    sm->key_len = key_len;
    memcpy(sm->ks_enc, ks_enc, key_len);
    memcpy(sm->ks_mac, ks_mac, key_len);
    return KS_OK;
}

void vc_sm_stop(vc_sm *sm)
{
    if (sm)
        memset(sm, 0, sizeof *sm); /* suite becomes VC_SM_NONE */
}

bool vc_sm_active(const vc_sm *sm) { return sm && sm->suite != VC_SM_NONE; }

bool vc_sm_cla_protected(uint8_t cla)
{
    /* Interindustry CLA (b8 = 0) with b4 b3 = 11: SM, header authenticated. */
    return (cla & 0x80u) == 0 && (cla & 0x0Cu) == 0x0Cu;
}

static void ssc_increment(vc_sm *sm)
{
    for (size_t i = sm->block; i-- > 0;) {
        if (++sm->ssc[i] != 0)
            break;
    }
}

/* Encrypts/decrypts whole blocks in place with KSenc under the session's IV rule. */
static ks_status sm_cipher(const vc_sm *sm, bool encrypt, uint8_t *buf, size_t len)
{
    switch (sm->suite) {
    case VC_SM_3DES:
        return vc_3des_cbc(sm->ks_enc, encrypt, buf, len, buf);
    case VC_SM_AES: {
        /* The IV is the current SSC encrypted under KSenc (Doc 9303 Part 11, 9.8.6.1). */
        uint8_t iv[VC_AES_BLOCK];
        ks_status st = vc_aes_cbc(sm->ks_enc, sm->key_len, NULL, true, sm->ssc, VC_AES_BLOCK, iv);
        if (st == KS_OK)
            st = vc_aes_cbc(sm->ks_enc, sm->key_len, iv, encrypt, buf, len, buf);
        return st;
    }
    case VC_SM_NONE:
        break;
    }
    return KS_ERR_UNSUPPORTED;
}

/* MAC over SSC || part1 || part2, padded with method 2, with KSmac. */
static ks_status sm_mac(const vc_sm *sm, const uint8_t *p1, size_t n1, const uint8_t *p2,
                        size_t n2, uint8_t mac[VC_MAC_LEN])
{
    size_t need = sm->block + n1 + n2 + sm->block;
    uint8_t *buf = malloc(need);
    if (!buf)
        return KS_ERR_NO_MEMORY;
    size_t len = 0;
    memcpy(buf, sm->ssc, sm->block);
    len += sm->block;
    if (n1)
        memcpy(buf + len, p1, n1);
    len += n1;
    if (n2)
        memcpy(buf + len, p2, n2);
    len += n2;
    ks_status st = vc_pad(buf, len, need, sm->block, &len);
    if (st == KS_OK) {
        switch (sm->suite) {
        case VC_SM_3DES:
            st = vc_retail_mac(sm->ks_mac, buf, len, mac);
            break;
        case VC_SM_AES: {
            uint8_t full[VC_AES_BLOCK];
            st = vc_aes_cmac(sm->ks_mac, sm->key_len, buf, len, full);
            if (st == KS_OK)
                memcpy(mac, full, VC_MAC_LEN);
            break;
        }
        case VC_SM_NONE:
            st = KS_ERR_UNSUPPORTED;
            break;
        }
    }
    free(buf);
    return st;
}

/* The data objects of a protected command, each as its raw TLV bytes. */
typedef struct sm_parts {
    tlv crypto;       /* DO'87 or DO'85 */
    const uint8_t *crypto_raw;
    bool has_crypto;
    tlv le;           /* DO'97 */
    const uint8_t *le_raw;
    bool has_le;
    tlv mac;          /* DO'8E */
    const uint8_t *mac_at;
    bool has_mac;
} sm_parts;

/* ISO 7816-4 order: DO'87/85, then DO'97, then DO'8E last; nothing else allowed. */
static ks_status sm_split(const uint8_t *data, size_t len, sm_parts *p)
{
    memset(p, 0, sizeof *p);
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, data, len);
    int stage = 0;
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        const uint8_t *raw = it.p - e.total_len;
        if ((e.tag == 0x87 || e.tag == 0x85) && stage < 1) {
            p->crypto = e;
            p->crypto_raw = raw;
            p->has_crypto = true;
            stage = 1;
        } else if (e.tag == 0x97 && stage < 2) {
            p->le = e;
            p->le_raw = raw;
            p->has_le = true;
            stage = 2;
        } else if (e.tag == 0x8E && stage < 3) {
            p->mac = e;
            p->mac_at = raw;
            p->has_mac = true;
            stage = 3;
        } else {
            return KS_ERR_MALFORMED;
        }
    }
    if (st != KS_ERR_NOT_FOUND)
        return st;
    if (!p->has_mac || p->mac.len != VC_MAC_LEN)
        return KS_ERR_MALFORMED;
    return KS_OK;
}

static ks_status sm_decode_le(const tlv *le, size_t *ne, bool *ext)
{
    if (le->len == 1) {
        *ne = le->value[0] ? le->value[0] : 256u;
        *ext = false;
    } else if (le->len == 2) {
        size_t v = ((size_t)le->value[0] << 8) | le->value[1];
        *ne = v ? v : 65536u;
        *ext = true;
    } else {
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

ks_status vc_sm_unwrap(vc_sm *sm, const apdu_cmd *outer, uint8_t *plain_buf, size_t cap,
                       apdu_cmd *inner, bool *inner_extended)
{
    if (!vc_sm_active(sm) || !outer || !inner || !inner_extended || (cap && !plain_buf))
        return KS_ERR_ARG;
    if (!vc_sm_cla_protected(outer->cla))
        return KS_ERR_MALFORMED;
    ssc_increment(sm);
    sm_parts p;
    ks_status st = sm_split(outer->data, outer->nc, &p);
    if (st != KS_OK)
        return st;

    uint8_t header[VC_SM_MAX_BLOCK];
    size_t hlen = 0;
    header[0] = outer->cla;
    header[1] = outer->ins;
    header[2] = outer->p1;
    header[3] = outer->p2;
    st = vc_pad(header, 4, sizeof header, sm->block, &hlen);
    if (st != KS_OK)
        return st;

    /* Everything between the header and DO'8E is MACed exactly as received. */
    size_t body_len = (size_t)(p.mac_at - outer->data);
    uint8_t *mac_in = malloc(hlen + body_len);
    if (!mac_in)
        return KS_ERR_NO_MEMORY;
    memcpy(mac_in, header, hlen);
    if (body_len)
        memcpy(mac_in + hlen, outer->data, body_len);
    uint8_t mac[VC_MAC_LEN];
    st = sm_mac(sm, mac_in, hlen + body_len, NULL, 0, mac);
    free(mac_in);
    if (st != KS_OK)
        return st;
    if (!vc_equal_ct(mac, p.mac.value, VC_MAC_LEN))
        return KS_ERR_AUTH;

    memset(inner, 0, sizeof *inner);
    inner->cla = (uint8_t)(outer->cla & ~0x0Cu);
    inner->ins = outer->ins;
    inner->p1 = outer->p1;
    inner->p2 = outer->p2;
    bool ext = false;
    if (p.has_le) {
        st = sm_decode_le(&p.le, &inner->ne, &ext);
        if (st != KS_OK)
            return st;
    }
    if (p.has_crypto) {
        const uint8_t *cg = p.crypto.value;
        size_t cg_len = p.crypto.len;
        if (p.crypto.tag == 0x87) {
            /* Padding-content indicator 01: padded with ISO/IEC 9797-1 method 2. */
            if (cg_len < 1 || cg[0] != 0x01)
                return KS_ERR_MALFORMED;
            cg++;
            cg_len--;
        }
        if (cg_len == 0 || cg_len % sm->block != 0)
            return KS_ERR_MALFORMED;
        if (cg_len > cap)
            return KS_ERR_TOO_LARGE;
        memcpy(plain_buf, cg, cg_len);
        st = sm_cipher(sm, false, plain_buf, cg_len);
        if (st != KS_OK)
            return st;
        size_t plain_len;
        st = vc_unpad(plain_buf, cg_len, &plain_len);
        if (st != KS_OK)
            return st;
        if (plain_len == 0 || plain_len > APDU_EXT_MAX_NC)
            return KS_ERR_MALFORMED;
        inner->data = plain_buf;
        inner->nc = plain_len;
    }
    *inner_extended = ext || apdu_needs_extended(inner);
    return KS_OK;
}

static size_t padded_len(const vc_sm *sm, size_t len) { return (len / sm->block + 1) * sm->block; }

size_t vc_sm_wrapped_size(const vc_sm *sm, bool odd_ins, size_t len)
{
    size_t n = 4 + 10 + 2; /* DO'99, DO'8E, SW */
    if (len) {
        size_t value = padded_len(sm, len) + (odd_ins ? 0u : 1u);
        n += tlv_header_size(0x87, value) + value;
    }
    return n;
}

ks_status vc_sm_wrap(vc_sm *sm, bool odd_ins, const uint8_t *data, size_t len, uint16_t sw,
                     uint8_t *out, size_t cap, size_t *out_len)
{
    if (!vc_sm_active(sm) || !out || !out_len || (len && !data))
        return KS_ERR_ARG;
    if (vc_sm_wrapped_size(sm, odd_ins, len) > cap)
        return KS_ERR_TOO_LARGE;
    ssc_increment(sm);
    size_t n = 0;
    if (len) {
        size_t plen = padded_len(sm, len);
        uint32_t tag = odd_ins ? 0x85u : 0x87u;
        size_t value = plen + (odd_ins ? 0u : 1u);
        n += tlv_put_header(out, cap, tag, value);
        if (!odd_ins)
            out[n++] = 0x01;
        memmove(out + n, data, len);
        size_t got;
        ks_status st = vc_pad(out + n, len, plen, sm->block, &got);
        if (st == KS_OK)
            st = sm_cipher(sm, true, out + n, plen);
        if (st != KS_OK)
            return st;
        n += plen;
    }
    out[n++] = 0x99;
    out[n++] = 0x02;
    out[n++] = apdu_sw1(sw);
    out[n++] = apdu_sw2(sw);
    uint8_t mac[VC_MAC_LEN];
    ks_status st = sm_mac(sm, out, n, NULL, 0, mac);
    if (st != KS_OK)
        return st;
    out[n++] = 0x8E;
    out[n++] = VC_MAC_LEN;
    memcpy(out + n, mac, VC_MAC_LEN);
    n += VC_MAC_LEN;
    out[n++] = apdu_sw1(sw);
    out[n++] = apdu_sw2(sw);
    *out_len = n;
    return KS_OK;
}
