/* fuzz_ldif.c — the LDIF parser on its own, then the whole importer in a dry
 * run (format detection, PEM, DER, LDIF, master lists; nothing written). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust_import.h"

static ks_status check_item(void *ctx, trust_item_kind kind, const uint8_t *der, size_t len,
                            char *err, size_t err_cap)
{
    (void)ctx;
    if (kind > TRUST_ITEM_MASTERLIST || !der || len == 0)
        abort();
    /* Refuse some values so the callback-error path is exercised as well. */
    if (der[0] != 0x30) {
        if (err_cap >= 2) {
            err[0] = 'x';
            err[1] = '\0';
        }
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    ks_status st = trust_ldif_parse(data, size, check_item, NULL, err, sizeof err);
    if (!memchr(err, '\0', sizeof err) || (st != KS_OK && err[0] == '\0'))
        abort(); /* every failure explains itself */

    trust_import_options opts = {.allow_unverified = true};
    trust_import_result r;
    st = trust_import_buffer(data, size, NULL, &opts, &r, err, sizeof err);
    if (!memchr(err, '\0', sizeof err) || !memchr(r.signer, '\0', sizeof r.signer))
        abort();
    if (st != KS_OK && err[0] == '\0')
        abort();
    if (st == KS_OK && r.certs_not_ca > r.certs_skipped)
        abort();
    return 0;
}
