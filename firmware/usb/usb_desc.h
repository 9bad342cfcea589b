/*
 * usb_desc.h — the reader's full-speed USB descriptors: a composite device
 * (IAD) with a CCID interface (the smart-card slot, APDU level) and a
 * CDC-ACM function carrying the vendor channel (docs/vendor-channel.md).
 *
 * Interfaces and endpoints:
 *   0  CCID (class 0x0B)   0x01 bulk OUT, 0x81 bulk IN (64 bytes),
 *                          0x82 interrupt IN (8 bytes, 16 ms): NotifySlotChange
 *   1  CDC communication   0x83 interrupt IN (8 bytes, 16 ms)   } one IAD
 *   2  CDC data            0x04 bulk OUT, 0x84 bulk IN (64 bytes)}
 *
 * CCID class descriptor (CCID 1.1 §5.1), the choices explained:
 *   bcdCCID 0x0110; one slot (bMaxSlotIndex 0); bVoltageSupport 0x07 (5 V,
 *   3 V, 1.8 V — a contactless slot has no contacts, so any is "supported");
 *   dwProtocols T=0|T=1 (0x03): the PC/SC contactless ATR offers both;
 *   dwMaxIFSD 254; one clock (4 MHz) and one data rate (106 kbit/s, the
 *   ISO 14443 base rate), answered by GET_CLOCK_FREQUENCIES / GET_DATA_RATES.
 *   dwFeatures 0x0004007A =
 *     0x00000002 automatic parameter configuration based on ATR data — the
 *                host never needs SetParameters;
 *     0x00000008 automatic ICC voltage selection;
 *     0x00000010 automatic ICC clock frequency change;
 *     0x00000020 automatic baud rate change according to the active
 *                parameters — these three: the RF link has no voltage
 *                class, clock or baud rate the host could choose;
 *     0x00000040 automatic parameters negotiation made by the CCID — the
 *                reader does RATS/ATTRIB itself, the host sends no PPS
 *                (0x80 "automatic PPS" is its alternative, not both);
 *     0x00040000 short and extended APDU level exchange.
 *   Not set: 0x04 auto-activation on insertion (the host powers the card on
 *   with PowerOn), 0x100 clock stop, 0x200 NAD, 0x400 IFSD exchange (T=1
 *   TPDU only), 0x10000/0x20000 (TPDU / short-APDU only), 0x100000 wake-up.
 *   dwMaxCCIDMessageLength = USB_CCID_MAX_MSG = 10 + 4096. The spec allows
 *   261 + 10 (a short APDU: 4 header + 1 Lc + 255 data + 1 Le, plus the
 *   CCID header) up to 65544 + 10 (the largest extended APDU: 4 + 3 + 65535
 *   + 2) for an extended-APDU reader; the value must be a buffer the reader
 *   really has, and 2 x 64 KB does not fit 48 KB of RAM. 4096 bytes of APDU
 *   carry every eMRTD command and a 4 KB READ BINARY answer per exchange;
 *   the host splits longer commands itself (libccid chains by this value).
 *   bClassGetResponse / bClassEnvelope 0xFF (echo the APDU's class);
 *   no LCD, no PIN pad; bMaxCCIDBusySlots 1.
 *
 * Strings: 0 languages (0x0409), 1 manufacturer, 2 product, 3 serial
 * number (the caller's text, e.g. from the MCU's unique ID), 4 CCID
 * interface, 5 vendor-channel interface. IDs: pid.codes' test VID:PID
 * 1209:0001 — for development only; a product needs its own PID, and
 * libccid loads only readers listed in its Info.plist (add it there).
 *
 * All descriptors are const data; usb_desc_string() renders a string
 * descriptor into the caller's buffer. No state, no heap.
 */
#ifndef FW_USB_DESC_H
#define FW_USB_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define USB_VID 0x1209u
#define USB_PID 0x0001u
#define USB_EP0_SIZE 64u
#define USB_BULK_SIZE 64u
#define USB_INT_SIZE 8u

#define USB_ITF_CCID 0u
#define USB_ITF_CDC_COMM 1u
#define USB_ITF_CDC_DATA 2u
#define USB_ITF_COUNT 3u

#define USB_EP_CCID_OUT 0x01u
#define USB_EP_CCID_IN 0x81u
#define USB_EP_CCID_INT 0x82u
#define USB_EP_CDC_NOTIFY 0x83u
#define USB_EP_CDC_OUT 0x04u
#define USB_EP_CDC_IN 0x84u

#define USB_CCID_MAX_APDU 4096u
#define USB_CCID_MAX_MSG (10u + USB_CCID_MAX_APDU)
#define USB_CCID_CLOCK_KHZ 4000u
#define USB_CCID_DATA_RATE 106000u
#define USB_CCID_FEATURES 0x0004007Au

#define USB_STR_LANGS 0u
#define USB_STR_MANUFACTURER 1u
#define USB_STR_PRODUCT 2u
#define USB_STR_SERIAL 3u
#define USB_STR_CCID 4u
#define USB_STR_VENDOR 5u
#define USB_STR_COUNT 6u

/* Descriptor types. */
#define USB_DT_DEVICE 1u
#define USB_DT_CONFIG 2u
#define USB_DT_STRING 3u
#define USB_DT_INTERFACE 4u
#define USB_DT_ENDPOINT 5u
#define USB_DT_QUALIFIER 6u
#define USB_DT_IAD 11u
#define USB_DT_CCID 0x21u
#define USB_DT_CS_INTERFACE 0x24u

#define USB_CONFIG_VALUE 1u

/* The 18-byte device descriptor. */
const uint8_t *usb_desc_device(size_t *len);

/* The whole configuration (wTotalLength bytes). */
const uint8_t *usb_desc_config(size_t *len);

/* String descriptor `index` as UTF-16LE into out; serial is the text for
 * USB_STR_SERIAL (ASCII, NULL = "0"). KS_ERR_NOT_FOUND for an unknown index,
 * KS_ERR_TOO_LARGE when cap is short. */
ks_status usb_desc_string(uint8_t index, const char *serial, uint8_t *out, size_t cap,
                          size_t *len);

#endif
