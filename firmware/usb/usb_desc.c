/* usb_desc.c — see usb_desc.h. */
#include "usb_desc.h"

#include <string.h>

#define LE16(v) (uint8_t)((v)&0xFFu), (uint8_t)(((v) >> 8) & 0xFFu)
#define LE32(v) LE16((v)&0xFFFFu), LE16(((v) >> 16) & 0xFFFFu)

static const uint8_t device_desc[18] = {
    18, USB_DT_DEVICE, LE16(0x0200u),
    0xEF, 0x02, 0x01, /* miscellaneous / common class / IAD: a composite */
    USB_EP0_SIZE, LE16(USB_VID), LE16(USB_PID), LE16(0x0100u),
    USB_STR_MANUFACTURER, USB_STR_PRODUCT, USB_STR_SERIAL, 1,
};

#define CONFIG_LEN (9u + (9u + 54u + 3u * 7u) + 8u + (9u + 5u + 5u + 4u + 5u + 7u) + (9u + 2u * 7u))

static const uint8_t config_desc[CONFIG_LEN] = {
    9, USB_DT_CONFIG, LE16(CONFIG_LEN), USB_ITF_COUNT, USB_CONFIG_VALUE, 0,
    0x80, /* bus-powered, no remote wake-up */
    100,  /* 200 mA: MCU, PN532 with its field on, QR scanner */

    /* CCID */
    9, USB_DT_INTERFACE, USB_ITF_CCID, 0, 3, 0x0B, 0x00, 0x00, USB_STR_CCID,
    54, USB_DT_CCID, LE16(0x0110u),
    0,    /* bMaxSlotIndex */
    0x07, /* bVoltageSupport */
    LE32(0x00000003u), /* dwProtocols */
    LE32(USB_CCID_CLOCK_KHZ), LE32(USB_CCID_CLOCK_KHZ), 1, /* clocks */
    LE32(USB_CCID_DATA_RATE), LE32(USB_CCID_DATA_RATE), 1, /* data rates */
    LE32(254u),        /* dwMaxIFSD */
    LE32(0u),          /* dwSynchProtocols */
    LE32(0u),          /* dwMechanical */
    LE32(USB_CCID_FEATURES),
    LE32(USB_CCID_MAX_MSG),
    0xFF, 0xFF,        /* bClassGetResponse, bClassEnvelope */
    LE16(0u),          /* wLcdLayout */
    0,                 /* bPINSupport */
    1,                 /* bMaxCCIDBusySlots */
    7, USB_DT_ENDPOINT, USB_EP_CCID_OUT, 0x02, LE16(USB_BULK_SIZE), 0,
    7, USB_DT_ENDPOINT, USB_EP_CCID_IN, 0x02, LE16(USB_BULK_SIZE), 0,
    7, USB_DT_ENDPOINT, USB_EP_CCID_INT, 0x03, LE16(USB_INT_SIZE), 16,

    /* CDC-ACM: the vendor channel */
    8, USB_DT_IAD, USB_ITF_CDC_COMM, 2, 0x02, 0x02, 0x00, USB_STR_VENDOR,
    9, USB_DT_INTERFACE, USB_ITF_CDC_COMM, 0, 1, 0x02, 0x02, 0x00, USB_STR_VENDOR,
    5, USB_DT_CS_INTERFACE, 0x00, LE16(0x0110u),                /* header, CDC 1.10 */
    5, USB_DT_CS_INTERFACE, 0x01, 0x00, USB_ITF_CDC_DATA,       /* call management: none */
    4, USB_DT_CS_INTERFACE, 0x02, 0x02,                         /* ACM: line coding + state */
    5, USB_DT_CS_INTERFACE, 0x06, USB_ITF_CDC_COMM, USB_ITF_CDC_DATA, /* union */
    7, USB_DT_ENDPOINT, USB_EP_CDC_NOTIFY, 0x03, LE16(USB_INT_SIZE), 16,
    9, USB_DT_INTERFACE, USB_ITF_CDC_DATA, 0, 2, 0x0A, 0x00, 0x00, 0,
    7, USB_DT_ENDPOINT, USB_EP_CDC_OUT, 0x02, LE16(USB_BULK_SIZE), 0,
    7, USB_DT_ENDPOINT, USB_EP_CDC_IN, 0x02, LE16(USB_BULK_SIZE), 0,
};

_Static_assert(CONFIG_LEN <= 0xFFFFu, "wTotalLength");

const uint8_t *usb_desc_device(size_t *len)
{
    if (len)
        *len = sizeof device_desc;
    return device_desc;
}

const uint8_t *usb_desc_config(size_t *len)
{
    if (len)
        *len = sizeof config_desc;
    return config_desc;
}

ks_status usb_desc_string(uint8_t index, const char *serial, uint8_t *out, size_t cap,
                          size_t *len)
{
    static const char *const text[USB_STR_COUNT] = {
        NULL, "Kiosk Project", "Kiosk Reader", NULL, "Kiosk CCID slot", "Kiosk vendor channel",
    };
    const char *s;
    size_t n, total;

    if (!out || !len)
        return KS_ERR_ARG;
    if (index >= USB_STR_COUNT)
        return KS_ERR_NOT_FOUND;
    if (index == USB_STR_LANGS) {
        if (cap < 4)
            return KS_ERR_TOO_LARGE;
        out[0] = 4;
        out[1] = USB_DT_STRING;
        out[2] = 0x09; /* English (United States) */
        out[3] = 0x04;
        *len = 4;
        return KS_OK;
    }
    s = index == USB_STR_SERIAL ? (serial && serial[0] ? serial : "0") : text[index];
    n = strlen(s);
    if (n > 126u) /* bLength is one byte */
        n = 126u;
    total = 2u + 2u * n;
    if (cap < total)
        return KS_ERR_TOO_LARGE;
    out[0] = (uint8_t)total;
    out[1] = USB_DT_STRING;
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = (uint8_t)(s[i] & 0x7F); /* ASCII only */
        out[3 + 2 * i] = 0;
    }
    *len = total;
    return KS_OK;
}
