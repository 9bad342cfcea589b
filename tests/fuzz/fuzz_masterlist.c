/* fuzz_masterlist.c — CSCA master lists: the CMS layer (signature checked
 * with the embedded signer, no anchor) and the CscaMasterList content parser
 * fed the same bytes directly, since random CMS seldom verifies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust_import.h"

static ks_status count_item(void *ctx, trust_item_kind kind, const uint8_t *der, size_t len,
                            char *err, size_t err_cap)
{
    (void)err;
    (void)err_cap;
    if (kind != TRUST_ITEM_CERT || !der || len == 0)
        abort(); /* a master list yields certificates only, never empty ones */
    (*(size_t *)ctx)++;
    return KS_OK;
}

static void check_terminated(const char *err, size_t cap)
{
    if (!memchr(err, '\0', cap))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    size_t n = 0;
    trust_masterlist_content_parse(data, size, count_item, &n, err, sizeof err);
    check_terminated(err, sizeof err);

    trust_import_options opts = {.allow_unverified = true};
    trust_masterlist_info info;
    ks_status st = trust_masterlist_parse(data, size, &opts, count_item, &n, &info, err,
                                          sizeof err);
    check_terminated(err, sizeof err);
    check_terminated(info.signer, sizeof info.signer);
    if (st == KS_OK && info.anchored)
        abort(); /* nothing can be anchored without a signer CA directory */
    return 0;
}
