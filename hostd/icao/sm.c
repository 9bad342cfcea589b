#include "sm.h"

#include <string.h>

#include <openssl/crypto.h>

#include "tlv.h"

#define DO_CRYPTOGRAM_TLV 0x85u /* odd INS: cryptogram of BER-TLV data */
#define DO_CRYPTOGRAM 0x87u     /* even INS: padding-content indicator + cryptogram */
#define DO_LE 0x97u
#define DO_STATUS 0x99u
#define DO_MAC 0x8Eu
#define PADDING_INDICATOR 0x01u
#define DO_MAC_SIZE (2u + CIPHER_MAC_LEN)

ks_status sm_init(sm_ctx *sm, ks_cipher c, const uint8_t *k_enc, const uint8_t *k_mac,
                  const uint8_t *ssc)
{
    if (!sm)
        return KS_ERR_ARG;
    memset(sm, 0, sizeof *sm);
    size_t klen = cipher_key_size(c), bs = cipher_block_size(c);
    if (klen == 0 || !k_enc || !k_mac)
        return KS_ERR_ARG;
    sm->cipher = c;
    memcpy(sm->k_enc, k_enc, klen);
    memcpy(sm->k_mac, k_mac, klen);
    if (ssc)
        memcpy(sm->ssc, ssc, bs);
    return KS_OK;
}

void sm_clear(sm_ctx *sm)
{
    if (sm)
        OPENSSL_cleanse(sm, sizeof *sm);
}

static void ssc_increment(sm_ctx *sm, size_t bs)
{
    for (size_t i = bs; i-- > 0;)
        if (++sm->ssc[i] != 0)
            break;
}

/* 3DES uses a zero IV; AES uses E(KSenc, SSC) with the counter of this message. */
static ks_status message_iv(const sm_ctx *sm, uint8_t iv[CIPHER_MAX_BLOCK])
{
    memset(iv, 0, CIPHER_MAX_BLOCK);
    if (sm->cipher == KS_CIPHER_3DES)
        return KS_OK;
    return cipher_ecb_block(sm->cipher, sm->k_enc, sm->ssc, iv);
}

static ks_status mac_begin(const sm_ctx *sm, size_t bs, cipher_mac_ctx *mc)
{
    ks_status st = cipher_mac_begin(mc, sm->cipher, sm->k_mac);
    if (st == KS_OK)
        st = cipher_mac_update(mc, sm->ssc, bs);
    if (st != KS_OK)
        cipher_mac_abort(mc);
    return st;
}

/* Method-2 padding of everything fed so far, then the 8-byte MAC. */
static ks_status mac_finish(cipher_mac_ctx *mc, size_t bs, uint8_t mac[CIPHER_MAC_LEN])
{
    uint8_t pad[CIPHER_MAX_BLOCK] = {0x80};
    size_t n = bs - mc->total % bs;
    ks_status st = cipher_mac_update(mc, pad, n);
    if (st != KS_OK) {
        cipher_mac_abort(mc);
        return st;
    }
    return cipher_mac_final(mc, mac);
}

static size_t do_size(uint32_t tag, size_t vlen)
{
    return tlv_header_size(tag, vlen) + vlen;
}

/* Writes DO'87'/'85' with the encrypted, padded command data at buf. */
static ks_status put_cryptogram(const sm_ctx *sm, const apdu_cmd *plain, size_t bs, uint8_t *buf,
                                size_t cap, size_t *used)
{
    bool odd = (plain->ins & 1u) != 0;
    uint32_t tag = odd ? DO_CRYPTOGRAM_TLV : DO_CRYPTOGRAM;
    size_t padded = (plain->nc / bs + 1) * bs;
    size_t vlen = padded + (odd ? 0 : 1);
    size_t n = tlv_put_header(buf, cap, tag, vlen);
    if (n == 0 || vlen > cap - n)
        return KS_ERR_TOO_LARGE;
    if (!odd)
        buf[n++] = PADDING_INDICATOR;
    memcpy(buf + n, plain->data, plain->nc);
    if (cipher_pad(buf + n, plain->nc, padded, bs) != padded)
        return KS_ERR_TOO_LARGE;
    uint8_t iv[CIPHER_MAX_BLOCK];
    ks_status st = message_iv(sm, iv);
    if (st == KS_OK)
        st = cipher_cbc(sm->cipher, true, sm->k_enc, iv, buf + n, padded, buf + n);
    OPENSSL_cleanse(iv, sizeof iv);
    *used = n + padded;
    return st;
}

static size_t put_le(const apdu_cmd *plain, uint8_t *buf)
{
    size_t n = 0;
    buf[n++] = DO_LE;
    if (plain->ne <= APDU_SHORT_MAX_NE) {
        buf[n++] = 1;
        buf[n++] = (uint8_t)plain->ne; /* 256 -> 00 */
    } else {
        buf[n++] = 2;
        buf[n++] = (uint8_t)(plain->ne >> 8); /* 65536 -> 00 00 */
        buf[n++] = (uint8_t)plain->ne;
    }
    return n;
}

ks_status sm_wrap(sm_ctx *sm, const apdu_cmd *plain, uint8_t *buf, size_t cap, apdu_cmd *out)
{
    if (!sm || !plain || !buf || !out)
        return KS_ERR_ARG;
    size_t bs = cipher_block_size(sm->cipher);
    if (bs == 0 || plain->nc > APDU_EXT_MAX_NC || plain->ne > APDU_EXT_MAX_NE ||
        (plain->nc && !plain->data))
        return KS_ERR_ARG;
    bool odd = (plain->ins & 1u) != 0;
    size_t data_do = 0;
    if (plain->nc) {
        size_t padded = (plain->nc / bs + 1) * bs;
        data_do = do_size(odd ? DO_CRYPTOGRAM_TLV : DO_CRYPTOGRAM, padded + (odd ? 0 : 1));
    }
    size_t le_do = plain->ne == 0 ? 0 : plain->ne <= APDU_SHORT_MAX_NE ? 3 : 4;
    size_t total = data_do + le_do + DO_MAC_SIZE;
    if (total > APDU_EXT_MAX_NC || total > cap)
        return KS_ERR_TOO_LARGE;

    ssc_increment(sm, bs);
    size_t n = 0;
    ks_status st = KS_OK;
    if (plain->nc)
        st = put_cryptogram(sm, plain, bs, buf, cap, &n);
    if (st == KS_OK && le_do)
        n += put_le(plain, buf + n);

    uint8_t header[CIPHER_MAX_BLOCK] = {(uint8_t)(plain->cla | 0x0Cu), plain->ins, plain->p1,
                                        plain->p2, 0x80};
    uint8_t mac[CIPHER_MAC_LEN];
    cipher_mac_ctx mc;
    if (st == KS_OK)
        st = mac_begin(sm, bs, &mc);
    if (st == KS_OK) {
        st = cipher_mac_update(&mc, header, bs);
        if (st == KS_OK)
            st = cipher_mac_update(&mc, buf, n);
        if (st == KS_OK)
            st = mac_finish(&mc, bs, mac);
        else
            cipher_mac_abort(&mc);
    }
    if (st != KS_OK) {
        OPENSSL_cleanse(buf, total); /* may hold plaintext not yet encrypted */
        return st;
    }
    buf[n++] = DO_MAC;
    buf[n++] = CIPHER_MAC_LEN;
    memcpy(buf + n, mac, CIPHER_MAC_LEN);
    n += CIPHER_MAC_LEN;

    memset(out, 0, sizeof *out);
    out->cla = header[0];
    out->ins = plain->ins;
    out->p1 = plain->p1;
    out->p2 = plain->p2;
    out->data = buf;
    out->nc = n;
    out->ne = (plain->ne > APDU_SHORT_MAX_NE || n > APDU_SHORT_MAX_NC) ? APDU_EXT_MAX_NE
                                                                        : APDU_SHORT_MAX_NE;
    return KS_OK;
}

/* The response's data objects, in the only order ICAO allows. */
typedef struct sm_response {
    tlv data;          /* DO'85' or DO'87' */
    tlv status;        /* DO'99' */
    tlv mac;           /* DO'8E' */
    bool has_data, has_status, has_mac;
    size_t mac_offset; /* bytes covered by the MAC */
} sm_response;

static ks_status split_response(const uint8_t *resp, size_t len, sm_response *r)
{
    memset(r, 0, sizeof *r);
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, resp, len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        if (r->has_mac)
            return KS_ERR_MALFORMED; /* nothing may follow the MAC */
        switch (e.tag) {
        case DO_CRYPTOGRAM:
        case DO_CRYPTOGRAM_TLV:
            if (r->has_data || r->has_status)
                return KS_ERR_MALFORMED;
            r->data = e;
            r->has_data = true;
            break;
        case DO_STATUS:
            if (r->has_status || e.len != 2)
                return KS_ERR_MALFORMED;
            r->status = e;
            r->has_status = true;
            break;
        case DO_MAC:
            if (e.len != CIPHER_MAC_LEN)
                return KS_ERR_MALFORMED;
            r->mac = e;
            r->has_mac = true;
            r->mac_offset = (size_t)(e.value - resp) - (e.total_len - e.len);
            break;
        default:
            return KS_ERR_MALFORMED;
        }
    }
    return st == KS_ERR_NOT_FOUND ? KS_OK : KS_ERR_MALFORMED;
}

static ks_status verify_mac(const sm_ctx *sm, size_t bs, const uint8_t *resp,
                            const sm_response *r)
{
    cipher_mac_ctx mc;
    uint8_t mac[CIPHER_MAC_LEN];
    ks_status st = mac_begin(sm, bs, &mc);
    if (st != KS_OK)
        return st;
    st = cipher_mac_update(&mc, resp, r->mac_offset);
    if (st != KS_OK) {
        cipher_mac_abort(&mc);
        return st;
    }
    st = mac_finish(&mc, bs, mac);
    if (st == KS_OK && CRYPTO_memcmp(mac, r->mac.value, CIPHER_MAC_LEN) != 0)
        st = KS_ERR_AUTH;
    OPENSSL_cleanse(mac, sizeof mac);
    return st;
}

/*
 * Decrypts the cryptogram. Method-2 padding is 1..bs bytes, so the 0x80 always
 * lies in the last block: decrypting that block first tells the exact plaintext
 * length, and plain needs no room for the padding.
 */
static ks_status decrypt_data(const sm_ctx *sm, size_t bs, const tlv *d, uint8_t *plain,
                              size_t cap, size_t *plain_len)
{
    const uint8_t *c = d->value;
    size_t clen = d->len;
    if (d->tag == DO_CRYPTOGRAM) {
        if (clen < 1 || c[0] != PADDING_INDICATOR)
            return KS_ERR_MALFORMED;
        c++;
        clen--;
    }
    if (clen == 0 || clen % bs != 0)
        return KS_ERR_MALFORMED;
    uint8_t iv[CIPHER_MAX_BLOCK], last[CIPHER_MAX_BLOCK];
    ks_status st = message_iv(sm, iv);
    size_t head = clen - bs, tail = 0;
    if (st == KS_OK)
        st = cipher_cbc(sm->cipher, false, sm->k_enc, head ? c + head - bs : iv, c + head, bs, last);
    if (st == KS_OK && cipher_unpad(last, bs, &tail) != KS_OK)
        st = KS_ERR_MALFORMED;
    if (st == KS_OK && head + tail > cap)
        st = KS_ERR_TOO_LARGE;
    if (st == KS_OK && head)
        st = cipher_cbc(sm->cipher, false, sm->k_enc, iv, c, head, plain);
    if (st == KS_OK) {
        if (tail) /* plain may be NULL when nothing is expected */
            memcpy(plain + head, last, tail);
        *plain_len = head + tail;
    } else if (head && head + tail <= cap) {
        OPENSSL_cleanse(plain, head);
    }
    OPENSSL_cleanse(iv, sizeof iv);
    OPENSSL_cleanse(last, sizeof last);
    return st;
}

ks_status sm_unwrap(sm_ctx *sm, const uint8_t *resp, size_t resp_len, uint16_t sw, uint8_t *plain,
                    size_t cap, size_t *plain_len, uint16_t *plain_sw)
{
    if (!sm || !plain_len || !plain_sw || (resp_len && !resp) || (cap && !plain))
        return KS_ERR_ARG;
    *plain_len = 0;
    *plain_sw = sw;
    size_t bs = cipher_block_size(sm->cipher);
    if (bs == 0)
        return KS_ERR_ARG;
    ssc_increment(sm, bs);

    sm_response r;
    ks_status st = split_response(resp, resp_len, &r);
    if (st != KS_OK)
        return st;
    if (!r.has_mac)
        return KS_ERR_AUTH; /* e.g. a plain 6987/6988 from the card */
    st = verify_mac(sm, bs, resp, &r);
    if (st != KS_OK)
        return st;
    uint16_t inner = sw;
    if (r.has_status) {
        inner = (uint16_t)((r.status.value[0] << 8) | r.status.value[1]);
        if (inner != sw)
            return KS_ERR_AUTH; /* the unauthenticated outer SW was altered */
    }
    size_t n = 0;
    if (r.has_data) {
        st = decrypt_data(sm, bs, &r.data, plain, cap, &n);
        if (st != KS_OK)
            return st;
    }
    *plain_len = n;
    *plain_sw = inner;
    return KS_OK;
}

size_t sm_max_plain_ne(const sm_ctx *sm, size_t max_response_data)
{
    if (!sm)
        return 0;
    size_t bs = cipher_block_size(sm->cipher);
    size_t fixed = 4 + DO_MAC_SIZE; /* DO'99' + DO'8E' */
    if (bs == 0 || max_response_data <= fixed)
        return 0;
    if (max_response_data > APDU_EXT_MAX_NE)
        max_response_data = APDU_EXT_MAX_NE; /* no response can carry more */
    size_t room = max_response_data - fixed;
    /* Start from a padded length that ignores the DO'87' header, then step down. */
    for (size_t padded = room / bs * bs; padded >= bs; padded -= bs) {
        if (do_size(DO_CRYPTOGRAM, padded + 1) <= room)
            return padded - 1; /* at least one padding byte */
    }
    return 0;
}
