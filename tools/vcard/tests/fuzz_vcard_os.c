/*
 * fuzz_vcard_os.c — feeds command APDUs from outside to the emulated chip.
 *
 * Input: one mode byte (bit 0: start inside the ICAO worked-example BAC
 * session, with the eMRTD application selected; bit 1: extended length off;
 * bit 2: the select-mf-6d00 quirk), The card offers PACE (ECDH-GM-AES-128,
 * brainpoolP256r1), Chip Authentication and ECDSA Active Authentication.
 * then frames of a 2-byte big-endian length and that many APDU bytes. Every
 * answer must be a well-formed response APDU that fits the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vc_os.h"

static const uint8_t ks_enc[16] = {0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC,
                                   0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5};
static const uint8_t ks_mac[16] = {0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08,
                                   0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8};
static const uint8_t ssc[8] = {0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x26};
static const uint8_t ef_com[] = {0x60, 0x14, 0x5F, 0x01, 0x04, 0x30, 0x31, 0x30,
                                 0x36, 0x5F, 0x36, 0x06, 0x30, 0x34, 0x30, 0x30,
                                 0x30, 0x30, 0x5C, 0x02, 0x61, 0x75};

static ks_status fixed_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    memset(out, 0x5A, len);
    return KS_OK;
}

static vc_card *make_card(void)
{
    static vc_card card;
    static bool ready;
    if (ready)
        return &card;
    vc_card_init(&card);
    if (vc_card_set_mrz(&card, "L898902C", "690806", "940623") != KS_OK)
        abort();
    static uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    vc_card_add_file(&card, 0x011E, ef_com, sizeof ef_com);
    vc_card_add_file(&card, 0x0101, ef_com, 4);
    vc_card_add_file(&card, 0x0102, big, sizeof big);
    vc_card_add_file(&card, 0x011C, ef_com + 2, 8);
    static const uint8_t pace_oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02};
    static const uint8_t ca_oid[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02};
    memcpy(card.pace_oid, pace_oid, sizeof pace_oid);
    card.pace_oid_len = sizeof pace_oid;
    card.pace_parameter_id = 13;
    card.has_pace = true;
    memcpy(card.ca_oid, ca_oid, sizeof ca_oid);
    card.ca_oid_len = sizeof ca_oid;
    if (vc_card_set_can(&card, "123456") != KS_OK)
        abort();
    card.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    card.aa_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    card.aa_ecdsa = true;
    if (!card.ca_key || !card.aa_key)
        abort();
    ready = true;
    return &card;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vc_os os;
    if (vc_os_init(&os, make_card(), (data[0] & 2) == 0) != KS_OK)
        abort();
    vc_os_set_rng(&os, fixed_rng, NULL);
    make_card()->quirk_select_mf_6d00 = (data[0] & 4) != 0;
    if (data[0] & 1) {
        os.app_selected = true;
        vc_sm_start_3des(&os.sm, ks_enc, ks_mac, ssc);
    }
    static uint8_t out[VC_OS_MAX_RESPONSE];
    size_t pos = 1;
    while (pos + 2 <= size) {
        size_t n = ((size_t)data[pos] << 8) | data[pos + 1];
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        uint8_t *apdu = malloc(n ? n : 1); /* exact size, so ASan sees over-reads */
        if (!apdu)
            abort();
        memcpy(apdu, data + pos, n);
        size_t out_len = 0;
        if (vc_os_process(&os, apdu, n, out, sizeof out, &out_len) != KS_OK || out_len < 2 ||
            out_len > sizeof out)
            abort();
        free(apdu);
        pos += n;
    }
    vc_os_free(&os);
    return 0;
}
