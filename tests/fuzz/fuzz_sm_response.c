/*
 * Fuzzes sm_unwrap() with fixed session keys. The first byte picks the mode:
 *   bits 0-1  cipher: 3DES, AES-128, AES-192, AES-256
 *   bit 2     append a VALID DO'8E' over what precedes it, so the checks after
 *             the MAC (DO'99', structure, decryption, unpadding) are reached
 *   bit 3     (with bit 2) the body is plaintext: build DO'87'/'85' from it
 *   bit 4     ... padded properly (else encrypted raw, cut to whole blocks)
 *   bit 5     ... as DO'85' (odd INS) instead of DO'87'
 *   bit 6     ... followed by DO'99' carrying the outer SW
 * then SW1 SW2, one byte choosing the output capacity, and the body.
 * With a correctly built response the plaintext must come back unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cipher.h"
#include "sm.h"
#include "tlv.h"

#define MAX_BODY 2048u

static const uint8_t k_enc[32] = {0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC, 0xD0, 0x1A, 0xB0,
                                  0xFE, 0xD3, 0x07, 0xEA, 0xE5, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA,
                                  0xDC, 0xFE, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
static const uint8_t k_mac[32] = {0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08, 0x80, 0x6B, 0x89,
                                  0xDC, 0x57, 0x9D, 0xC1, 0xF8, 0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A,
                                  0x69, 0x78, 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0};
/* 3DES: the Appendix D.4 keys and counter, so its SELECT answer is a valid seed. */
static const uint8_t ssc0[16] = {0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x27,
                                 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFE};

static void ssc_next(uint8_t *ssc, size_t bs)
{
    for (size_t i = bs; i-- > 0;)
        if (++ssc[i] != 0)
            break;
}

/* Appends DO'8E' over SSC+1 || resp[0..len), padded, as the card would. */
static size_t append_mac(const sm_ctx *sm, uint8_t *resp, size_t len)
{
    size_t bs = cipher_block_size(sm->cipher);
    static uint8_t m[16 + MAX_BODY + 64 + 16];
    memcpy(m, sm->ssc, bs);
    ssc_next(m, bs);
    memcpy(m + bs, resp, len);
    size_t mlen = cipher_pad(m, bs + len, sizeof m, bs);
    uint8_t mac[8];
    if (mlen == 0 || cipher_mac(sm->cipher, sm->k_mac, m, mlen, mac) != KS_OK)
        abort();
    resp[len++] = 0x8E;
    resp[len++] = 8;
    memcpy(resp + len, mac, 8);
    return len + 8;
}

/* Encrypts body into DO'87'/'85' (+ DO'99'); returns the length written. */
static size_t build_data(const sm_ctx *sm, unsigned mode, const uint8_t *body, size_t n,
                         uint16_t sw, uint8_t *resp)
{
    size_t bs = cipher_block_size(sm->cipher);
    static uint8_t tmp[MAX_BODY + 16];
    memcpy(tmp, body, n);
    size_t clen = (mode & 0x10) ? cipher_pad(tmp, n, sizeof tmp, bs) : n / bs * bs;
    size_t o = 0;
    if (clen) {
        uint8_t ssc[16], iv[16] = {0};
        memcpy(ssc, sm->ssc, bs);
        ssc_next(ssc, bs);
        if (bs == 16 && cipher_ecb_block(sm->cipher, sm->k_enc, ssc, iv) != KS_OK)
            abort();
        if (cipher_cbc(sm->cipher, true, sm->k_enc, iv, tmp, clen, tmp) != KS_OK)
            abort();
        bool odd = (mode & 0x20) != 0;
        o = tlv_put_header(resp, 8, odd ? 0x85u : 0x87u, clen + (odd ? 0 : 1));
        if (!odd)
            resp[o++] = 0x01;
        memcpy(resp + o, tmp, clen);
        o += clen;
    }
    if (mode & 0x40) {
        resp[o++] = 0x99;
        resp[o++] = 2;
        resp[o++] = (uint8_t)(sw >> 8);
        resp[o++] = (uint8_t)sw;
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    unsigned mode = data[0];
    uint16_t sw = (uint16_t)(data[1] << 8 | data[2]);
    size_t cap = data[3] == 0xFF ? MAX_BODY + 16 : (size_t)data[3] * 8;
    const uint8_t *body = data + 4;
    size_t n = size - 4;
    if (n > MAX_BODY)
        n = MAX_BODY;

    static const ks_cipher ciphers[4] = {KS_CIPHER_3DES, KS_CIPHER_AES128, KS_CIPHER_AES192,
                                         KS_CIPHER_AES256};
    sm_ctx sm;
    if (sm_init(&sm, ciphers[mode & 3], k_enc, k_mac, ssc0) != KS_OK)
        abort();

    static uint8_t resp[MAX_BODY + 64];
    size_t len;
    bool built = (mode & 0x04) && (mode & 0x08);
    if (built)
        len = build_data(&sm, mode, body, n, sw, resp);
    else {
        memcpy(resp, body, n);
        len = n;
    }
    if (mode & 0x04)
        len = append_mac(&sm, resp, len);

    /* An exact-size copy so ASan sees any read past the response. */
    uint8_t *exact = malloc(len ? len : 1);
    uint8_t *plain = malloc(cap ? cap : 1);
    if (!exact || !plain)
        abort();
    memcpy(exact, resp, len);
    size_t plain_len = 0;
    uint16_t plain_sw = 0;
    ks_status st = sm_unwrap(&sm, exact, len, sw, cap ? plain : NULL, cap, &plain_len, &plain_sw);
    if (st == KS_OK && plain_len > cap)
        abort();
    if (st != KS_OK && (plain_len != 0 || plain_sw != sw))
        abort();
    if (built && (mode & 0x10) && n <= cap) {
        /* A response built exactly as the standard says must round-trip. */
        if (st != KS_OK || plain_len != n || (n && memcmp(plain, body, n) != 0) || plain_sw != sw)
            abort();
    }
    free(exact);
    free(plain);
    sm_clear(&sm);
    return 0;
}
