#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kvconf.h"
#include "store.h"
#include "upload.h"

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
    {"upload", "interval_ms", "KIOSK_UPLOAD_INTERVAL_MS"},
    /* kioskd */
    {"kiosk", "site_id", "KIOSK_SITE_ID"},
    {"kiosk", "mode", "KIOSK_MODE"},
    {"kiosk", "portal_url", "KIOSK_PORTAL_URL"},
    {"kiosk", "state_dir", "KIOSK_STATE_DIR"},
    {"records", "policy_file", "KIOSK_RECORD_POLICY"},
    {"readers", "names", "KIOSK_READERS"},
    {"qr", "scanner", "KIOSK_QR_SCANNER"},
    {"qr", "vendor", "KIOSK_QR_VENDOR"},
    {"camera", "device", "KIOSK_CAMERA"},
    {"camera", "frames", "KIOSK_CAMERA_FRAMES"},
    {"camera", "fps", "KIOSK_CAMERA_FPS"},
    {"face", "models", "KIOSK_FACE_MODELS"},
    {"face", "threads", "KIOSK_FACE_THREADS"},
    {"face", "model", "KIOSK_FACE_MODEL"},
    {"session", "read_timeout_s", "KIOSK_READ_TIMEOUT_S"},
    {"session", "face_timeout_s", "KIOSK_FACE_TIMEOUT_S"},
    {"session", "consent_timeout_s", "KIOSK_CONSENT_TIMEOUT_S"},
    {"session", "result_display_s", "KIOSK_RESULT_DISPLAY_S"},
    {"session", "consent_text_version", "KIOSK_CONSENT_VERSION"},
    {"api", "listen", "KIOSK_API_LISTEN"},
    {"api", "socket", "KIOSK_API_SOCKET"},
    {"api", "tokens_file", "KIOSK_API_TOKENS"},
    {"api", "screen_dir", "KIOSK_SCREEN_DIR"},
    {"clinic", "fhir_identifier_system", "KIOSK_FHIR_ID_SYSTEM"},
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

int kconf_load(const char *prog)
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
        fprintf(stderr, "%s: cannot open the configuration file %s\n", prog, path);
        return 2;
    }
    static char buf[CONFIG_MAX_BYTES + 1]; /* loaded once, at start-up */
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n > CONFIG_MAX_BYTES) {
        fprintf(stderr, "%s: %s is larger than %u bytes\n", prog, path, CONFIG_MAX_BYTES);
        return 2;
    }
    apply_ctx a = {""};
    size_t bad = 0;
    if (kvconf_parse(buf, n, apply, &a, &bad) != KS_OK) {
        fprintf(stderr, "%s: %s line %zu is not 'key = value', '[section]' or a comment\n",
                prog, path, bad);
        return 2;
    }
    if (a.unknown[0]) {
        fprintf(stderr, "%s: %s: unknown setting %s\n", prog, path, a.unknown);
        return 2;
    }
    return 0;
}

const char *kconf_str(const char *env, const char *def)
{
    const char *v = getenv(env);
    return v && *v ? v : def;
}

int kconf_number(const char *prog, const char *env, long long def, long long min, long long max,
                 long long *out)
{
    const char *v = getenv(env);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        fprintf(stderr, "%s: %s must be a number from %lld to %lld\n", prog, env, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

int kconf_store(const char *prog, store_options *opt)
{
    long long max_bytes;
    memset(opt, 0, sizeof *opt);
    opt->db_path = kconf_str("KIOSK_QUEUE_DB", kconf_str("KS_QUEUE_DB", KCONF_DEFAULT_QUEUE_DB));
    opt->key_file = kconf_str("KIOSK_KEY_FILE", KCONF_DEFAULT_KEY_FILE);
    if (kconf_number(prog, "KIOSK_QUEUE_MAX_BYTES", 0, 0, 1LL << 50, &max_bytes) != 0)
        return -1;
    opt->max_bytes = (uint64_t)max_bytes;
    return 0;
}

int kconf_upload(const char *prog, ks_upload_config *cfg)
{
    long long recs, bytes, timeout, base, cap;
    memset(cfg, 0, sizeof *cfg);
    cfg->url = kconf_str("KIOSK_UPLOAD_URL", NULL);
    cfg->kiosk_id = kconf_str("KIOSK_ID", "kiosk");
    cfg->client_cert = kconf_str("KIOSK_CLIENT_CERT", NULL);
    cfg->client_key = kconf_str("KIOSK_CLIENT_KEY", NULL);
    cfg->ca_file = kconf_str("KIOSK_CA_FILE", NULL);
    cfg->pin = kconf_str("KIOSK_PIN", NULL);
    if (kconf_number(prog, "KIOSK_UPLOAD_BATCH_RECORDS", 0, 0, 1000, &recs) ||
        kconf_number(prog, "KIOSK_UPLOAD_BATCH_BYTES", 0, 0, 64LL << 20, &bytes) ||
        kconf_number(prog, "KIOSK_UPLOAD_TIMEOUT_MS", 0, 0, 3600000, &timeout) ||
        kconf_number(prog, "KIOSK_UPLOAD_BACKOFF_BASE_MS", 0, 0, 3600000, &base) ||
        kconf_number(prog, "KIOSK_UPLOAD_BACKOFF_CAP_MS", 0, 0, 86400000, &cap))
        return -1;
    cfg->max_records = (size_t)recs;
    cfg->max_bytes = (size_t)bytes;
    cfg->timeout_ms = (long)timeout;
    cfg->connect_timeout_ms = timeout ? (long)timeout : 0;
    cfg->backoff_base_ms = base;
    cfg->backoff_cap_ms = cap;
    return 0;
}
