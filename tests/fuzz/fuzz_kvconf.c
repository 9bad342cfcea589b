/* Fuzzes the configuration file parser; every entry must be well formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvconf.h"

static int check(const char *section, const char *key, const char *value, void *ctx)
{
    (void)ctx;
    if (!section || !key || !*key || !value || strlen(key) >= KVCONF_KEY_MAX ||
        strlen(value) >= KVCONF_LINE_MAX)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t bad = 0;
    (void)kvconf_parse((const char *)data, size, check, NULL, &bad);
    return 0;
}
