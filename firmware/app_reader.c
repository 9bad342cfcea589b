/*
 * app_reader.c — the reader's modules. See app_reader.h for the contract.
 */
#include "app_reader.h"

#include <string.h>

#include "app.h"
#include "hal_gpio.h"
#include "hal_system.h"
#include "hal_time.h"
#include "hal_watchdog.h"

#define HOST_WRITE_MS 1000u
#define VENDOR_WRITE_MS 20u

/* ---- NFC: the PN532 on a HAL UART ------------------------------------- */

/* hal_link.write may take only part of the bytes; the PN532 driver wants
 * all or an error. */
static ks_status nfc_write(void *ctx, const uint8_t *data, size_t len)
{
    hal_link *l = ctx;
    uint32_t start = hal_time_ms();
    size_t done = 0;
    app_frames.pn532++; /* the driver writes one whole frame per call */
    while (done < len) {
        size_t n = l->ops->write(l, data + done, len - done);
        if (n > len - done)
            return KS_ERR_TRANSPORT;
        done += n;
        if (done < len) {
            if (hal_time_elapsed(start, READER_NFC_WRITE_MS))
                return KS_ERR_TIMEOUT;
            hal_system_idle(); /* lets the board drain the ring */
        }
    }
    return KS_OK;
}

/* Every driver wait is bounded by its own timeout, so a wait in progress is
 * progress: kick the watchdog rather than let a slow card reset the MCU. */
static ks_status nfc_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms)
{
    hal_link *l = ctx;
    hal_watchdog_kick();
    return l->ops->read(l, buf, cap, got, timeout_ms);
}

static uint32_t nfc_now(void *ctx)
{
    (void)ctx;
    return hal_time_ms();
}

static reader *guard_reader(card_if *c)
{
    return ((reader_guard *)(void *)c)->r;
}

/* The slot's card: the NFC card while the front-end works, "no card"
 * otherwise. */
static ks_status guard_activate(card_if *c, uint8_t *out, size_t cap, size_t *len, bool *type_b)
{
    reader *r = guard_reader(c);
    if (!r->nfc_ok)
        return KS_ERR_NOT_FOUND;
    return r->card.base.ops->activate(&r->card.base, out, cap, len, type_b);
}

static ks_status guard_transceive(card_if *c, const uint8_t *apdu, size_t len, uint8_t *resp,
                                  size_t cap, size_t *resp_len)
{
    reader *r = guard_reader(c);
    if (!r->nfc_ok)
        return KS_ERR_REMOVED;
    hal_gpio_write(HAL_GPIO_LED_BUSY, true);
    ks_status st = r->card.base.ops->transceive(&r->card.base, apdu, len, resp, cap, resp_len);
    hal_gpio_write(HAL_GPIO_LED_BUSY, r->led_mode[1] == 1u);
    return st;
}

static ks_status guard_present(card_if *c)
{
    reader *r = guard_reader(c);
    if (!r->nfc_ok)
        return KS_ERR_REMOVED;
    ks_status st = r->card.base.ops->present(&r->card.base);
    /* "No card" and "no front-end" look the same from here; a chip that was
     * reset or unplugged needs its set-up again, so ask it. */
    uint8_t fw[4];
    if (st != KS_OK && pn532_get_firmware_version(&r->pn, fw) != KS_OK) {
        r->nfc_ok = false;
        r->nfc_tried_ms = hal_time_ms();
    }
    return st;
}

static void guard_deactivate(card_if *c)
{
    reader *r = guard_reader(c);
    if (r->nfc_ok)
        r->card.base.ops->deactivate(&r->card.base);
}

static ks_status guard_uid(card_if *c, uint8_t *out, size_t cap, size_t *len)
{
    reader *r = guard_reader(c);
    if (!r->nfc_ok)
        return KS_ERR_REMOVED;
    return r->card.base.ops->uid(&r->card.base, out, cap, len);
}

static const struct card_if_ops guard_ops = {
    .activate = guard_activate,
    .transceive = guard_transceive,
    .present = guard_present,
    .deactivate = guard_deactivate,
    .uid = guard_uid,
};

static void nfc_start(reader *r, uint32_t now_ms)
{
    r->nfc_tried_ms = now_ms;
    r->nfc_ok = pn532_begin(&r->pn) == KS_OK;
}

ks_status reader_nfc_init(void *ctx)
{
    reader *r = ctx;
    if (r == NULL)
        return KS_ERR_ARG;
    hal_link_uart(&r->nfc_uart, HAL_UART_NFC);
    r->nfc.write = nfc_write;
    r->nfc.read = nfc_read;
    r->nfc.ctx = &r->nfc_uart;
    const nfc_clock clock = {.now_ms = nfc_now, .ctx = NULL};
    const pn532_config cfg = {0}; /* driver defaults */
    pn532_init(&r->pn, &r->nfc, &clock, &cfg);
    const nfc_card_config card_cfg = {.try_type_b = true, .afi = 0, .use_chip_tcl = false};
    nfc_card_init(&r->card, &r->pn.fe, &card_cfg);
    r->guard.base.ops = &guard_ops;
    r->guard.r = r;
    nfc_start(r, hal_time_ms());
    return KS_OK; /* a silent front-end is retried from the loop */
}

bool reader_nfc_poll(void *ctx, uint32_t now_ms)
{
    reader *r = ctx;
    if (r->nfc_ok || (uint32_t)(now_ms - r->nfc_tried_ms) < READER_NFC_RETRY_MS)
        return false;
    nfc_start(r, now_ms);
    return r->nfc_ok;
}

/* ---- CCID: libccidtwin's serial framing into the slot ----------------- */

static void host_send(reader *r)
{
    size_t done = 0;
    uint32_t start = hal_time_ms();
    while (done < r->reply_len) {
        done += r->host.ops->write(&r->host, r->reply + done, r->reply_len - done);
        if (done < r->reply_len) {
            if (hal_time_elapsed(start, HOST_WRITE_MS))
                return; /* the host stopped reading; its timeout will tell it */
            hal_system_idle();
        }
    }
}

static void host_frame(reader *r)
{
    size_t msg_len = 0, frame_len = 0, resp_len = 0;
    const uint8_t *msg = ccids_rx_msg(&r->crx, &msg_len);
    const uint8_t *frame = ccids_rx_frame(&r->crx, &frame_len);
    if (msg == NULL || frame == NULL)
        return;
    app_frames.ccid++;
    if (slot_handle(&r->slot, msg, msg_len, r->resp, sizeof r->resp, &resp_len) != KS_OK) {
        /* Shorter than a header: nothing to answer with; NAK asks for it again. */
        (void)ccids_build_nak(r->reply, sizeof r->reply, &r->reply_len);
    } else if (ccids_build_reply(frame, frame_len, true, r->resp, resp_len, r->reply,
                                 sizeof r->reply, &r->reply_len) != KS_OK) {
        return;
    }
    host_send(r);
}

ks_status reader_ccid_init(void *ctx)
{
    reader *r = ctx;
    if (r == NULL || r->guard.base.ops == NULL)
        return KS_ERR_ARG; /* the nfc module sets up the card first */
    hal_link_uart(&r->host, HAL_UART_HOST);
    ccids_rx_init(&r->crx);
    slot_init(&r->slot, &r->guard.base, 0);
    r->reply_len = 0;
    r->host_last_ms = r->presence_ms = hal_time_ms();
    return KS_OK;
}

static void host_byte(reader *r, uint8_t b)
{
    switch (ccids_rx_byte(&r->crx, b)) {
    case CCIDS_RX_FRAME:
        host_frame(r);
        break;
    case CCIDS_RX_BAD_LRC:
        if (ccids_build_nak(r->reply, sizeof r->reply, &r->reply_len) == KS_OK)
            host_send(r);
        break;
    case CCIDS_RX_HOST_NAK:
        host_send(r); /* reply_len is 0 before the first answer */
        break;
    case CCIDS_RX_OVERLONG:
    case CCIDS_RX_NONE:
        break;
    }
}

bool reader_ccid_poll(void *ctx, uint32_t now_ms)
{
    reader *r = ctx;
    uint8_t buf[64];
    size_t got = 0;
    if (r->host.ops->read(&r->host, buf, sizeof buf, &got, 0) == KS_OK && got > 0u) {
        r->host_last_ms = now_ms;
        for (size_t i = 0; i < got && i < sizeof buf; i++)
            host_byte(r, buf[i]);
        return true;
    }
    if (ccids_rx_busy(&r->crx)) {
        if ((uint32_t)(now_ms - r->host_last_ms) >= READER_HOST_IDLE_MS)
            ccids_rx_idle(&r->crx);
        return false;
    }
    /* The host polls presence with GetSlotStatus; without a host, the
     * vendor channel still wants to know when a card arrives. */
    if ((uint32_t)(now_ms - r->host_last_ms) >= READER_HOST_QUIET_MS &&
        (uint32_t)(now_ms - r->presence_ms) >= READER_PRESENCE_MS) {
        r->presence_ms = now_ms;
        return slot_poll(&r->slot);
    }
    return false;
}

/* ---- vendor channel --------------------------------------------------- */

uint8_t reader_status_flags(const reader *r)
{
    uint8_t f = 0;
    if (r->slot.icc != CCID_ICC_ABSENT)
        f |= READER_ST_CARD_PRESENT;
    if (r->slot.icc == CCID_ICC_ACTIVE)
        f |= READER_ST_CARD_ACTIVE;
    if (r->scanner_ok)
        f |= READER_ST_SCANNER_OK;
    if (r->nfc_ok)
        f |= READER_ST_NFC_OK;
    return f;
}

static reader_vendor_out *out_at(reader *r, size_t i)
{
    return &r->out[(r->out_head + i) % READER_VENDOR_QUEUE];
}

ks_status reader_vendor_queue(reader *r, uint8_t type, const uint8_t *payload, size_t len)
{
    if (r == NULL || (payload == NULL && len > 0u))
        return KS_ERR_ARG;
    if (len > QR_TEXT_MAX)
        return KS_ERR_TOO_LARGE;
    reader_vendor_out *o = NULL;
    if (type == VENDOR_STATUS) {
        for (size_t i = 0; i < r->out_count && o == NULL; i++) {
            if (out_at(r, i)->type == VENDOR_STATUS && !out_at(r, i)->sent)
                o = out_at(r, i);
        }
    }
    if (o == NULL && r->out_count < READER_VENDOR_QUEUE) {
        o = out_at(r, r->out_count);
        r->out_count++;
    } else if (o == NULL) {
        o = out_at(r, r->out_count - 1u);
        if (type == VENDOR_STATUS || o->sent)
            return KS_ERR_NO_MEMORY;
    }
    o->type = type;
    o->sent = false;
    o->len = len;
    if (len > 0u)
        memcpy(o->payload, payload, len);
    return KS_OK;
}

static void vendor_write(reader *r, uint8_t type, uint8_t seq, const uint8_t *p, size_t len)
{
    size_t n = 0;
    if (vendor_build(type, seq, p, len, r->vtx, sizeof r->vtx, &n) == KS_OK)
        (void)hal_uart_write_all(r->vendor.port, r->vtx, n, VENDOR_WRITE_MS);
}

static void vendor_ack(reader *r, uint8_t seq, uint8_t result)
{
    const uint8_t p[2] = {seq, result};
    vendor_write(r, VENDOR_ACK, r->next_seq++, p, sizeof p);
}

/* "0.1.0" -> 0, 1; digits only, missing parts are 0. */
static void version_numbers(uint8_t *major, uint8_t *minor)
{
    const char *v = KS_FW_VERSION;
    unsigned part[2] = {0, 0};
    for (size_t k = 0; k < 2u && *v != '\0'; k++) {
        while (*v >= '0' && *v <= '9') {
            part[k] = part[k] * 10u + (unsigned)(*v - '0');
            v++;
        }
        if (*v == '.')
            v++;
    }
    *major = (uint8_t)(part[0] > 255u ? 255u : part[0]);
    *minor = (uint8_t)(part[1] > 255u ? 255u : part[1]);
}

static void queue_status(reader *r)
{
    uint8_t p[3];
    p[0] = reader_status_flags(r);
    version_numbers(&p[1], &p[2]);
    if (reader_vendor_queue(r, VENDOR_STATUS, p, sizeof p) == KS_OK) {
        r->flags_sent = p[0];
        r->flags_valid = true;
    }
}

static void led_apply(reader *r, size_t id, uint32_t now_ms)
{
    static const hal_gpio_pin pins[READER_LED_COUNT] = {HAL_GPIO_LED_READY, HAL_GPIO_LED_BUSY,
                                                        HAL_GPIO_LED_ERROR};
    r->led_level[id] = r->led_mode[id] != 0u;
    r->led_toggled_ms[id] = now_ms;
    hal_gpio_write(pins[id], r->led_level[id]);
}

/* Runs one host command; returns the ACK result. */
static uint8_t vendor_command(reader *r, const vendor_frame *f, uint32_t now_ms)
{
    switch (f->type) {
    case VENDOR_LED_SET:
        if (f->len != 3u || f->payload[0] >= READER_LED_COUNT || f->payload[1] > 2u)
            return 1u;
        r->led_mode[f->payload[0]] = f->payload[1];
        r->led_period[f->payload[0]] = f->payload[2] != 0u ? f->payload[2] : 50u;
        led_apply(r, f->payload[0], now_ms);
        return 0u;
    case VENDOR_BUZZER:
        if (f->len != 4u)
            return 1u;
        /* A GPIO buzzer has its own tone: the frequency is accepted, unused. */
        r->buzz_ms = (uint32_t)f->payload[0] | (uint32_t)f->payload[1] << 8;
        r->buzz_start_ms = now_ms;
        r->buzzing = r->buzz_ms > 0u;
        hal_gpio_write(HAL_GPIO_BUZZER, r->buzzing);
        return 0u;
    case VENDOR_STATUS:
        if (f->len != 0u)
            return 1u;
        queue_status(r);
        return 0u;
    case VENDOR_QR_SCAN:
        if (f->len != 0u)
            return 1u;
        if (qr_scanner_trigger(&r->qr, now_ms) != KS_OK) {
            const uint8_t why = QR_ERR_LINK;
            (void)reader_vendor_queue(r, VENDOR_QR_ERROR, &why, 1u);
        }
        return 0u;
    default:
        return 2u;
    }
}

static void vendor_frame_in(reader *r, const vendor_frame *f, uint32_t now_ms)
{
    if (f->type == VENDOR_ACK) {
        if (r->out_count > 0u && f->len >= 1u && out_at(r, 0)->sent &&
            f->payload[0] == out_at(r, 0)->seq) {
            r->out_head = (r->out_head + 1u) % READER_VENDOR_QUEUE;
            r->out_count--;
        }
        return;
    }
    /* A repeat means our ACK was lost: acknowledge again, do not redo. */
    if (!(r->host_seq_valid && f->seq == r->host_seq)) {
        r->host_result = vendor_command(r, f, now_ms);
        r->host_seq = f->seq;
        r->host_seq_valid = true;
    }
    vendor_ack(r, f->seq, r->host_result);
}

static void vendor_outputs(reader *r, uint32_t now_ms)
{
    for (size_t i = 0; i < READER_LED_COUNT; i++) {
        uint32_t half = (uint32_t)r->led_period[i] * 10u / 2u;
        if (r->led_mode[i] == 2u && (uint32_t)(now_ms - r->led_toggled_ms[i]) >= half) {
            r->led_level[i] = !r->led_level[i];
            r->led_toggled_ms[i] = now_ms;
            static const hal_gpio_pin pins[READER_LED_COUNT] = {
                HAL_GPIO_LED_READY, HAL_GPIO_LED_BUSY, HAL_GPIO_LED_ERROR};
            hal_gpio_write(pins[i], r->led_level[i]);
        }
    }
    if (r->buzzing && (uint32_t)(now_ms - r->buzz_start_ms) >= r->buzz_ms) {
        r->buzzing = false;
        hal_gpio_write(HAL_GPIO_BUZZER, false);
    }
}

ks_status reader_vendor_init(void *ctx)
{
    reader *r = ctx;
    if (r == NULL)
        return KS_ERR_ARG;
    hal_link_uart(&r->vendor, HAL_UART_VENDOR);
    vendor_rx_init(&r->vrx);
    r->out_head = r->out_count = 0u;
    r->flags_valid = false;
    return KS_OK;
}

bool reader_vendor_poll(void *ctx, uint32_t now_ms)
{
    reader *r = ctx;
    bool busy = false;
    uint8_t buf[64];
    size_t got = 0;
    if (r->vendor.ops->read(&r->vendor, buf, sizeof buf, &got, 0) == KS_OK && got > 0u) {
        busy = true;
        for (size_t i = 0; i < got && i < sizeof buf; i++) {
            if (vendor_rx_byte(&r->vrx, buf[i]) != VENDOR_RX_FRAME)
                continue; /* bad CRC or overlong: the sender repeats */
            vendor_frame f;
            if (vendor_rx_frame(&r->vrx, &f) == KS_OK)
                vendor_frame_in(r, &f, now_ms);
        }
    }
    if (!r->flags_valid || reader_status_flags(r) != r->flags_sent)
        queue_status(r);
    /* A host that does not read must not stall the loop: send only into an
     * empty transmit ring. */
    if (r->out_count > 0u && hal_uart_tx_idle(r->vendor.port)) {
        reader_vendor_out *o = out_at(r, 0);
        if (!o->sent || (uint32_t)(now_ms - o->sent_ms) >= READER_VENDOR_RETRY_MS) {
            if (!o->sent)
                o->seq = r->next_seq++;
            vendor_write(r, o->type, o->seq, o->payload, o->len);
            o->sent = true;
            o->sent_ms = now_ms;
            busy = true;
        }
    }
    vendor_outputs(r, now_ms);
    return busy;
}

/* ---- QR scanner -------------------------------------------------------- */

ks_status reader_qr_init(void *ctx)
{
    reader *r = ctx;
    if (r == NULL)
        return KS_ERR_ARG;
    hal_link_uart(&r->qr_uart, HAL_UART_QR);
    qr_scanner_init(&r->qr, &r->qr_uart, 0);
    r->scanner_ok = true; /* until a scan times out */
    return KS_OK;
}

bool reader_qr_poll(void *ctx, uint32_t now_ms)
{
    reader *r = ctx;
    const uint8_t *text = NULL;
    size_t len = 0;
    qr_error err = QR_ERR_NONE;
    switch (qr_scanner_poll(&r->qr, now_ms, &text, &len, &err)) {
    case QR_EV_TEXT:
        r->scanner_ok = true;
        (void)reader_vendor_queue(r, VENDOR_QR_TEXT, text, len);
        return true;
    case QR_EV_ERROR: {
        const uint8_t why = (uint8_t)err;
        r->scanner_ok = err != QR_ERR_TIMEOUT && err != QR_ERR_LINK;
        (void)reader_vendor_queue(r, VENDOR_QR_ERROR, &why, 1u);
        return true;
    }
    case QR_EV_NONE:
        break;
    }
    return false;
}
