/*
 * test_usb_desc.c — enumeration of the reader's USB device through the EP0
 * dispatcher over a fake port, and the descriptors it hands out parsed back
 * byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "usb_fake.h"

typedef struct env {
    fake_port port;
    big_card card;
    slot s;
    usb_ccid ccid;
    usb_dev dev;
    uint8_t cdc_got[128];
    size_t cdc_len;
} env;

static env E;

static void cdc_rx(void *ctx, const uint8_t *d, size_t n)
{
    env *e = ctx;
    if (e->cdc_len + n <= sizeof e->cdc_got) {
        memcpy(e->cdc_got + e->cdc_len, d, n);
        e->cdc_len += n;
    }
}

static int setup_env(void **state)
{
    (void)state;
    memset(&E, 0, sizeof E);
    fp_init(&E.port);
    big_card_init(&E.card);
    slot_init(&E.s, &E.card.fc.base, 0);
    usb_ccid_init(&E.ccid, &E.s, &E.port.base);
    usb_dev_init(&E.dev, &E.port.base, &E.ccid, "KR-0042", cdc_rx, &E);
    usb_dev_reset(&E.dev);
    return 0;
}

static void setup_pkt(uint8_t rt, uint8_t req, uint16_t value, uint16_t index, uint16_t length)
{
    const uint8_t s[8] = {rt, req, (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)index,
                          (uint8_t)(index >> 8), (uint8_t)length, (uint8_t)(length >> 8)};
    fp_clear_log(&E.port);
    E.port.stalled[0][0] = E.port.stalled[1][0] = false;
    usb_dev_setup(&E.dev, s);
    fp_pump(&E.port, &E.dev);
}

/* A control read; returns the data stage length (EP0 IN bytes). */
static size_t control_in(uint16_t rt_req, uint16_t value, uint16_t index, uint16_t length)
{
    setup_pkt((uint8_t)(rt_req >> 8), (uint8_t)rt_req, value, index, length);
    assert_false(E.port.stalled[1][0]);
    assert_true(E.port.armed[0]); /* ready for the host's status ZLP */
    E.port.armed[0] = false;
    usb_dev_out(&E.dev, 0x00, NULL, 0);
    return E.port.in_len[0];
}

static void control_nodata(uint8_t rt, uint8_t req, uint16_t value, uint16_t index)
{
    setup_pkt(rt, req, value, index, 0);
    assert_false(E.port.stalled[1][0]);
    assert_int_equal(E.port.packets[0], 1); /* the status stage */
    assert_int_equal(E.port.zlps[0], 1);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void device_descriptor_first_8_bytes_then_all_18(void **state)
{
    (void)state;
    assert_int_equal(control_in(0x8006, 0x0100, 0, 8), 8); /* Linux asks for 8 first */
    assert_int_equal(E.port.in_log[0][7], 64);
    assert_int_equal(control_in(0x8006, 0x0100, 0, 64), 18);
    const uint8_t *d = E.port.in_log[0];
    assert_int_equal(d[0], 18);
    assert_int_equal(d[1], USB_DT_DEVICE);
    assert_int_equal(le16(d + 2), 0x0200);
    assert_int_equal(d[4], 0xEF); /* composite with IADs */
    assert_int_equal(d[5], 0x02);
    assert_int_equal(d[6], 0x01);
    assert_int_equal(le16(d + 8), USB_VID);
    assert_int_equal(le16(d + 10), USB_PID);
    assert_int_equal(d[14], USB_STR_MANUFACTURER);
    assert_int_equal(d[15], USB_STR_PRODUCT);
    assert_int_equal(d[16], USB_STR_SERIAL);
    assert_int_equal(d[17], 1);
}

static void set_address_reaches_the_port_and_answers_a_status_stage(void **state)
{
    (void)state;
    control_nodata(0x00, 5, 23, 0);
    assert_int_equal(E.port.address, 23);
    assert_int_equal(E.port.address_calls, 1);
    setup_pkt(0x00, 5, 200, 0, 0); /* not an address */
    assert_true(E.port.stalled[1][0]);
}

/* Walks the configuration: lengths add up, counts agree, CCID fields. */
static void configuration_parses_back_consistently(void **state)
{
    uint8_t cfg[512];
    size_t total, off = 0;
    int interfaces = 0, endpoints_expected = 0, endpoints_seen = 0, iads = 0, ccid_descs = 0;
    uint8_t ep_addrs[16];
    size_t n_eps = 0;
    (void)state;

    assert_int_equal(control_in(0x8006, 0x0200, 0, 9), 9);
    total = le16(E.port.in_log[0] + 2);
    assert_int_equal(control_in(0x8006, 0x0200, 0, 0xFF), total);
    assert_true(total <= sizeof cfg);
    memcpy(cfg, E.port.in_log[0], total);
    assert_int_equal(E.port.packets[0], (int)((total + 63) / 64) + (total % 64 == 0 ? 1 : 0));
    assert_int_equal(cfg[4], USB_ITF_COUNT);
    assert_int_equal(cfg[5], USB_CONFIG_VALUE);

    while (off < total) {
        const uint8_t *d = cfg + off;
        assert_true(d[0] >= 2);
        assert_true(off + d[0] <= total);
        switch (d[1]) {
        case USB_DT_INTERFACE:
            assert_int_equal(d[0], 9);
            assert_int_equal(endpoints_seen, endpoints_expected); /* previous one complete */
            assert_int_equal(d[2], interfaces);
            interfaces++;
            endpoints_expected += d[4];
            if (d[5] == 0x0B) {
                assert_int_equal(d[2], USB_ITF_CCID);
                assert_int_equal(d[4], 3);
            }
            break;
        case USB_DT_ENDPOINT:
            assert_int_equal(d[0], 7);
            endpoints_seen++;
            for (size_t i = 0; i < n_eps; i++)
                assert_int_not_equal(ep_addrs[i], d[2]); /* unique addresses */
            ep_addrs[n_eps++] = d[2];
            assert_true(le16(d + 4) <= 64);
            break;
        case USB_DT_IAD:
            assert_int_equal(d[0], 8);
            assert_int_equal(d[2], USB_ITF_CDC_COMM);
            assert_int_equal(d[3], 2);
            assert_int_equal(d[4], 0x02);
            iads++;
            break;
        case USB_DT_CCID:
            assert_int_equal(d[0], 54);
            assert_int_equal(interfaces, 1);
            assert_int_equal(le16(d + 2), 0x0110);
            assert_int_equal(d[4], 0);    /* one slot */
            assert_int_equal(d[5], 0x07); /* 5 V, 3 V, 1.8 V */
            assert_int_equal(le32(d + 6), 3);
            assert_int_equal(d[18], 1);
            assert_int_equal(d[27], 1);
            assert_int_equal(le32(d + 28), 254);
            assert_int_equal(le32(d + 40), USB_CCID_FEATURES);
            assert_true(le32(d + 40) & 0x00040000u); /* extended APDU level */
            assert_int_equal(le32(d + 44), USB_CCID_MAX_MSG);
            assert_true(le32(d + 44) >= 261 + 10);
            assert_int_equal(d[48], 0xFF);
            assert_int_equal(d[49], 0xFF);
            assert_int_equal(d[53], 1);
            ccid_descs++;
            break;
        default:
            break;
        }
        off += d[0];
    }
    assert_int_equal(off, total);
    assert_int_equal(interfaces, cfg[4]);
    assert_int_equal(endpoints_seen, endpoints_expected);
    assert_int_equal(n_eps, 6);
    assert_int_equal(iads, 1);
    assert_int_equal(ccid_descs, 1);
}

static void strings_are_utf16_and_unknown_ones_stall(void **state)
{
    (void)state;
    assert_int_equal(control_in(0x8006, 0x0300, 0, 255), 4);
    assert_int_equal(le16(E.port.in_log[0] + 2), 0x0409);
    size_t n = control_in(0x8006, 0x0302, 0x0409, 255);
    assert_int_equal(n, 2 + 2 * strlen("Kiosk Reader"));
    assert_int_equal(E.port.in_log[0][0], n);
    assert_int_equal(E.port.in_log[0][1], USB_DT_STRING);
    assert_int_equal(E.port.in_log[0][2], 'K');
    assert_int_equal(E.port.in_log[0][3], 0);
    n = control_in(0x8006, 0x0303, 0x0409, 255);
    assert_int_equal(n, 2 + 2 * 7);
    assert_int_equal(E.port.in_log[0][2 + 2 * 3], '0'); /* "KR-0042" */
    setup_pkt(0x80, 6, 0x0309, 0x0409, 255);
    assert_true(E.port.stalled[1][0]);
    setup_pkt(0x80, 6, 0x0600, 0, 10); /* device qualifier: full speed only */
    assert_true(E.port.stalled[1][0]);
}

static void a_64_byte_answer_shorter_than_asked_ends_with_a_zlp(void **state)
{
    static const char serial[] = "0123456789ABCDEFGHIJKLMNOPQRSTU"; /* 31 chars → 64 bytes */
    (void)state;
    E.dev.serial = serial;
    assert_int_equal(control_in(0x8006, 0x0303, 0x0409, 255), 64);
    assert_int_equal(E.port.packets[0], 2);
    assert_int_equal(E.port.zlps[0], 1);
    assert_int_equal(control_in(0x8006, 0x0303, 0x0409, 64), 64); /* exactly asked: no ZLP */
    assert_int_equal(E.port.zlps[0], 0);
}

static void set_configuration_opens_every_endpoint_and_arms_the_outs(void **state)
{
    (void)state;
    control_nodata(0x00, 5, 3, 0);
    assert_false(usb_dev_configured(&E.dev));
    control_nodata(0x00, 9, 1, 0);
    assert_true(usb_dev_configured(&E.dev));
    /* the card already on the reader is announced: NotifySlotChange 50 03 */
    assert_int_equal(E.port.in_len[2], 2);
    assert_int_equal(E.port.in_log[2][0], 0x50);
    assert_int_equal(E.port.in_log[2][1], 0x03);
    assert_true(E.port.opened[0][1] && E.port.opened[1][1] && E.port.opened[1][2]);
    assert_true(E.port.opened[1][3] && E.port.opened[0][4] && E.port.opened[1][4]);
    assert_true(E.port.armed[1]);
    assert_true(E.port.armed[4]);
    assert_int_equal(control_in(0x8008, 0, 0, 1), 1);
    assert_int_equal(E.port.in_log[0][0], 1);
    setup_pkt(0x00, 9, 7, 0, 0);
    assert_true(E.port.stalled[1][0]);
    control_nodata(0x00, 9, 0, 0);
    assert_false(usb_dev_configured(&E.dev));
}

static void ccid_class_requests_answer_clock_and_rate(void **state)
{
    (void)state;
    control_nodata(0x00, 9, 1, 0);
    assert_int_equal(control_in(0xA102, 0, USB_ITF_CCID, 4), 4);
    assert_int_equal(le32(E.port.in_log[0]), USB_CCID_CLOCK_KHZ);
    assert_int_equal(control_in(0xA103, 0, USB_ITF_CCID, 64), 4);
    assert_int_equal(le32(E.port.in_log[0]), USB_CCID_DATA_RATE);
    control_nodata(0x21, 1, 0x0500, USB_ITF_CCID); /* ABORT seq 5 slot 0 */
    assert_true(E.ccid.abort_pending);
    setup_pkt(0x21, 1, 0x0501, USB_ITF_CCID, 0); /* slot 1 does not exist */
    assert_true(E.port.stalled[1][0]);
    setup_pkt(0xA1, 0x44, 0, USB_ITF_CCID, 4);
    assert_true(E.port.stalled[1][0]);
    setup_pkt(0xC0, 0x01, 0, 0, 4); /* vendor requests: none */
    assert_true(E.port.stalled[1][0]);
}

static void cdc_line_coding_round_trips_and_data_reaches_the_callback(void **state)
{
    static const uint8_t coding[7] = {0x80, 0x25, 0x00, 0x00, 0, 0, 8}; /* 9600 8N1 */
    (void)state;
    control_nodata(0x00, 9, 1, 0);
    setup_pkt(0x21, 0x20, 0, USB_ITF_CDC_COMM, 7);
    assert_false(E.port.stalled[1][0]);
    assert_true(E.port.armed[0]);
    E.port.armed[0] = false;
    usb_dev_out(&E.dev, 0x00, coding, sizeof coding);
    assert_int_equal(E.port.zlps[0], 1); /* status stage */
    fp_pump(&E.port, &E.dev);
    assert_int_equal(control_in(0xA121, 0, USB_ITF_CDC_COMM, 7), 7);
    assert_memory_equal(E.port.in_log[0], coding, 7);
    control_nodata(0x21, 0x22, 3, USB_ITF_CDC_COMM);
    assert_int_equal(E.dev.line_state, 3);

    static const uint8_t frame[5] = {0xA5, 1, 2, 3, 4};
    assert_true(fp_out(&E.port, &E.dev, USB_EP_CDC_OUT, frame, sizeof frame));
    assert_int_equal(E.cdc_len, sizeof frame);
    assert_true(E.port.armed[4]); /* ready for more */
    assert_int_equal(usb_dev_cdc_write(&E.dev, frame, sizeof frame), sizeof frame);
    assert_int_equal(usb_dev_cdc_write(&E.dev, frame, sizeof frame), 0); /* busy */
    fp_pump(&E.port, &E.dev);
    assert_int_equal(usb_dev_cdc_write(&E.dev, frame, sizeof frame), sizeof frame);
    assert_int_equal(E.port.violations, 0);
}

static void requests_before_configuration_leave_data_endpoints_alone(void **state)
{
    static const uint8_t junk[4] = {1, 2, 3, 4};
    (void)state;
    usb_dev_out(&E.dev, USB_EP_CCID_OUT, junk, sizeof junk); /* not configured: ignored */
    assert_int_equal(E.ccid.rx_len, 0);
    setup_pkt(0x81, 10, 0, 0, 1); /* GET_INTERFACE before configuration */
    assert_true(E.port.stalled[1][0]);
    assert_int_equal(usb_dev_cdc_write(&E.dev, junk, sizeof junk), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(device_descriptor_first_8_bytes_then_all_18, setup_env),
        cmocka_unit_test_setup(set_address_reaches_the_port_and_answers_a_status_stage, setup_env),
        cmocka_unit_test_setup(configuration_parses_back_consistently, setup_env),
        cmocka_unit_test_setup(strings_are_utf16_and_unknown_ones_stall, setup_env),
        cmocka_unit_test_setup(a_64_byte_answer_shorter_than_asked_ends_with_a_zlp, setup_env),
        cmocka_unit_test_setup(set_configuration_opens_every_endpoint_and_arms_the_outs, setup_env),
        cmocka_unit_test_setup(ccid_class_requests_answer_clock_and_rate, setup_env),
        cmocka_unit_test_setup(cdc_line_coding_round_trips_and_data_reaches_the_callback,
                               setup_env),
        cmocka_unit_test_setup(requests_before_configuration_leave_data_endpoints_alone,
                               setup_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
