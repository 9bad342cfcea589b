/*
 * Fuzz target: a byte stream from the host into the emulated PN532 — the
 * frame parser, every command it reaches (including InCommunicateThru into
 * the card's T=CL layer) and the answer frame encoder.
 */
#include <stddef.h>
#include <stdint.h>

#include "fake_card.h"
#include "pn532_chip.h"
#include "pn532_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pn532_chip chip;
    static pn532_rx rx;
    static fake_card card;
    static const uint8_t uid[4] = {0x08, 1, 2, 3};
    if (pn532_chip_init(&chip, uid, sizeof uid, fake_card_apdu, &card) != KS_OK)
        return 0;
    chip.remove_after = size > 0 ? data[0] % 8 : -1;
    chip.picc.wtx_per_apdu = size > 1 ? data[1] % 3 : 0;
    pn532_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        if (pn532_rx_feed(&rx, data[i]) != PN532_EV_FRAME || rx.len == 0)
            continue;
        uint8_t resp[PN532_MAX_PAYLOAD], frame[PN532_MAX_FRAME];
        size_t rlen = 0, flen = 0;
        if (pn532_chip_command(&chip, rx.data, rx.len, resp, sizeof resp, &rlen) == KS_OK) {
            if (rlen > sizeof resp)
                __builtin_trap();
            (void)pn532_frame_encode(PN532_TFI_CHIP, resp, rlen, frame, sizeof frame, &flen);
        }
    }
    return 0;
}
