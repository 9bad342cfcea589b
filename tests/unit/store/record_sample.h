/*
 * record_sample.h — one made-up citizen's verified record input, for every
 * test that needs a real-shaped record (built with record_build()): the
 * store, record and modes tests. The personal values are known so tests can
 * look for them where they must not be.
 */
#ifndef KS_RECORD_SAMPLE_H
#define KS_RECORD_SAMPLE_H

#include <stdint.h>
#include <string.h>

#include "record.h"

#define SAMPLE_NAME "Nguyễn Thị Thu Hương"
#define SAMPLE_CCCD "079204012345"
#define SAMPLE_ADDRESS "Số 12 Đường Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"

static const uint8_t SAMPLE_PORTRAIT[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0xff, 0xd9};
#define SAMPLE_PORTRAIT_SHA256 "75dc4d75228f62d8d9f134cef2af43d444a0bbbc3a103709aa1c8476c8f19412"

static inline record_input sample_input(record_purpose p)
{
    record_input in;
    memset(&in, 0, sizeof in);
    in.kiosk_id = "HCM-Q1-K07";
    in.site_id = "HCM-Q1-UBND";
    in.purpose = p;
    in.document_type = "cccd";
    in.card_read_at = 1795000000;
    in.verified_at = 1795000004;
    in.holder[RECORD_ID_NUMBER] = SAMPLE_CCCD;
    in.holder[RECORD_FULL_NAME] = SAMPLE_NAME;
    in.holder[RECORD_DATE_OF_BIRTH] = "2004-03-15";
    in.holder[RECORD_SEX] = "Nữ";
    in.holder[RECORD_NATIONALITY] = "Việt Nam";
    in.holder[RECORD_ETHNICITY] = "Kinh";
    in.holder[RECORD_RELIGION] = "Không";
    in.holder[RECORD_PLACE_OF_ORIGIN] = "Xã Tân Phú, Huyện Đức Hòa, Long An";
    in.holder[RECORD_PLACE_OF_RESIDENCE] = SAMPLE_ADDRESS;
    in.holder[RECORD_FATHER_NAME] = "Nguyễn Văn Bình";
    in.holder[RECORD_MOTHER_NAME] = "Trần Thị Lan";
    in.holder[RECORD_DATE_OF_EXPIRY] = "2029-03-15";
    in.passive_auth = "passed";
    in.active_auth = "not_supported";
    in.chip_auth = "passed";
    in.verdict = "genuine";
    in.face_match_permille = 873;
    in.face_match = "match";
    in.liveness = "live";
    in.consent_text_version = "vi-2026-01";
    in.consent_given_at = 1795000001;
    in.portrait = SAMPLE_PORTRAIT;
    in.portrait_len = sizeof SAMPLE_PORTRAIT;
    in.portrait_format = "jpeg";
    return in;
}

#endif
