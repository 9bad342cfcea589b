/* The CCCD QR parser and the key candidates derived from whatever it accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vn_keys.h"
#include "vn_qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vn_qr qr;
    char err[128];
    ks_status st = vn_qr_parse((const char *)data, size, &qr, err, sizeof err);
    if (strnlen(err, sizeof err) == sizeof err)
        abort(); /* the error text must always be terminated */
    if (st != KS_OK)
        return 0;
    vn_key keys[VN_KEYS_MAX];
    size_t n = vn_keys_from_qr(&qr, keys, VN_KEYS_MAX);
    if (n < 2 || n > VN_KEYS_MAX || keys[0].kind != VN_KEY_CAN)
        abort(); /* a parsed QR always gives the CAN and at least "no expiry" */
    size_t no_expiry = 0;
    for (size_t i = 1; i < n; i++) {
        if (keys[i].kind != VN_KEY_MRZ || strlen(keys[i].date_of_expiry) != 6)
            abort();
        no_expiry += strcmp(keys[i].date_of_expiry, "991231") == 0;
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(keys[i].date_of_expiry, keys[j].date_of_expiry) == 0)
                abort();
    }
    if (no_expiry != 1)
        abort();
    return 0;
}
