/*
 * fuzz_usb_ccid.c — the USB device layer and the CCID bulk reassembly driven
 * by arbitrary host behaviour. The input is a script of operations:
 *   0 S0..S7        a SETUP packet on EP0
 *   1 N B0..        a bulk-OUT packet of N % 65 bytes on the CCID endpoint
 *   2 N B0..        an OUT packet on EP0 (control data / status)
 *   3 E             an IN completion on endpoint E (the host read a packet)
 *   4               the card leaves or comes back, then a presence poll
 *   5 N B0..        a packet on the CDC data endpoint
 *   6               bus reset
 * The fake port rejects any IN packet over 64 bytes and any second packet
 * queued on a busy IN endpoint by aborting, so a layer that breaks those
 * rules is found, as are memory errors under the sanitizers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/firmware/usb_fake.h"

static void cdc_rx(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)d;
    (void)n;
}

static fake_port port;
static big_card card;
static slot sl;
static usb_ccid uc;
static usb_dev dev;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i = 0;

    fp_init(&port);
    big_card_init(&card);
    card.fc.resp_data_len = size > 0 ? (size_t)data[0] * 17u : 0; /* up to 4335 */
    slot_init(&sl, &card.fc.base, 0);
    usb_ccid_init(&uc, &sl, &port.base);
    usb_dev_init(&dev, &port.base, &uc, "F", cdc_rx, NULL);
    while (i < size) {
        uint8_t op = data[i++] % 7u;
        size_t n;
        switch (op) {
        case 0:
            if (size - i < 8)
                return 0;
            port.in_busy[0] = false; /* a SETUP flushes EP0, as controllers do */
            usb_dev_setup(&dev, data + i);
            i += 8;
            break;
        case 1:
        case 2:
        case 5:
            if (i >= size)
                return 0;
            n = data[i++] % 65u;
            if (n > size - i)
                n = size - i;
            usb_dev_out(&dev, op == 1 ? USB_EP_CCID_OUT : op == 2 ? 0x00 : USB_EP_CDC_OUT,
                        data + i, n);
            i += n;
            break;
        case 3:
            if (i >= size)
                return 0;
            n = data[i++] & 0x0Fu;
            if (port.in_busy[n]) {
                port.in_busy[n] = false;
                usb_dev_in_done(&dev, (uint8_t)(USB_EP_IN | n));
            }
            break;
        case 4:
            card.fc.present = !card.fc.present;
            (void)usb_ccid_poll(&uc);
            break;
        default:
            usb_dev_reset(&dev);
            memset(port.in_busy, 0, sizeof port.in_busy);
            break;
        }
        if (port.violations > 0 || uc.rx_len > sizeof uc.rx || uc.tx_off > uc.tx_len)
            abort();
    }
    fp_pump(&port, &dev);
    return 0;
}
