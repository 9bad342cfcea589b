#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kvconf.h"

#define DEFAULT_CONFIG "/etc/kiosk/kiosk.conf"
#define CONFIG_MAX_BYTES (64u * 1024u)

/* [section] key -> the environment variable it stands for. */
static const struct {
    const char *section, *key, *env;
} SETTINGS[] = {
    {"kiosk", "id", "KIOSK_ID"},
    {"trust", "dir", "KIOSK_TRUST_DIR"},
    {"queue", "db", "KIOSK_QUEUE_DB"},
    {"queue", "key_file", "KIOSK_KEY_FILE"},
    {"queue", "max_bytes", "KIOSK_QUEUE_MAX_BYTES"},
    {"queue", "signing_key", "KIOSK_SIGNING_KEY"},
    {"upload", "url", "KIOSK_UPLOAD_URL"},
    {"upload", "client_cert", "KIOSK_CLIENT_CERT"},
    {"upload", "client_key", "KIOSK_CLIENT_KEY"},
    {"upload", "ca_file", "KIOSK_CA_FILE"},
    {"upload", "pin", "KIOSK_PIN"},
    {"upload", "batch_records", "KIOSK_UPLOAD_BATCH_RECORDS"},
    {"upload", "batch_bytes", "KIOSK_UPLOAD_BATCH_BYTES"},
    {"upload", "timeout_ms", "KIOSK_UPLOAD_TIMEOUT_MS"},
    {"upload", "backoff_base_ms", "KIOSK_UPLOAD_BACKOFF_BASE_MS"},
    {"upload", "backoff_cap_ms", "KIOSK_UPLOAD_BACKOFF_CAP_MS"},
};

typedef struct apply_ctx {
    char unknown[160];
} apply_ctx;

static int apply(const char *section, const char *key, const char *value, void *ctx)
{
    apply_ctx *a = ctx;
    for (size_t i = 0; i < sizeof SETTINGS / sizeof SETTINGS[0]; i++) {
        if (strcmp(SETTINGS[i].section, section) == 0 && strcmp(SETTINGS[i].key, key) == 0) {
            setenv(SETTINGS[i].env, value, 0); /* the environment wins */
            return 0;
        }
    }
    snprintf(a->unknown, sizeof a->unknown, "[%s] %s", section, key);
    return 1;
}

int config_load(void)
{
    const char *path = getenv("KIOSK_CONFIG");
    struct stat st;
    if (!path) {
        if (stat(DEFAULT_CONFIG, &st) != 0)
            return 0;
        path = DEFAULT_CONFIG;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kioskctl: cannot open the configuration file %s\n", path);
        return 2;
    }
    static char buf[CONFIG_MAX_BYTES + 1];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n > CONFIG_MAX_BYTES) {
        fprintf(stderr, "kioskctl: %s is larger than %u bytes\n", path, CONFIG_MAX_BYTES);
        return 2;
    }
    apply_ctx a = {""};
    size_t bad = 0;
    if (kvconf_parse(buf, n, apply, &a, &bad) != KS_OK) {
        fprintf(stderr, "kioskctl: %s line %zu is not 'key = value', '[section]' or a comment\n",
                path, bad);
        return 2;
    }
    if (a.unknown[0]) {
        fprintf(stderr, "kioskctl: %s: unknown setting %s\n", path, a.unknown);
        return 2;
    }
    return 0;
}
