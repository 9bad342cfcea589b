/*
 * config.h — the kiosk's configuration, shared by kioskd and kioskctl.
 *
 * Every setting is an environment variable (KIOSK_*). kconf_load() reads the
 * configuration file — $KIOSK_CONFIG, else /etc/kiosk/kiosk.conf when it
 * exists (format in common/kvconf.h, every key in docs/configuration.md) —
 * and sets the variables the environment does not already set, so a test or
 * an operator can override one value at a time. Programs then read settings
 * with kconf_str() / kconf_number().
 *
 * Errors are one line on stderr prefixed with the program's name; values are
 * never printed (a setting may be a path to a secret, never the secret, but
 * the rule is simpler kept absolute).
 */
#ifndef KS_CONFIG_H
#define KS_CONFIG_H

/* 0 when there is no file or it loaded; otherwise one line on stderr and 2. */
int kconf_load(const char *prog);

/* The variable's value, or def when it is unset or empty. */
const char *kconf_str(const char *env, const char *def);

/* An integer setting in [min, max]; def when unset. 0, or -1 with one line
 * on stderr naming the variable. */
int kconf_number(const char *prog, const char *env, long long def, long long min, long long max,
                 long long *out);

/* Where the record queue lives: KIOSK_QUEUE_DB (or the older KS_QUEUE_DB),
 * KIOSK_KEY_FILE, KIOSK_QUEUE_MAX_BYTES; the paths point into the
 * environment. 0, or -1 with one line on stderr. */
#define KCONF_DEFAULT_QUEUE_DB "/var/lib/kiosk/queue.db"
#define KCONF_DEFAULT_KEY_FILE "/etc/kiosk/store.key"
struct store_options;
int kconf_store(const char *prog, struct store_options *opt);

/* The uploader's settings (the [upload] section and KIOSK_ID). */
struct ks_upload_config;
int kconf_upload(const char *prog, struct ks_upload_config *cfg);

#endif
