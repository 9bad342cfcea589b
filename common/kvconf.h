/*
 * kvconf.h — the kiosk's configuration file format: one `key = value` per
 * line, `#` or `;` starts a comment line, `[section]` lines group keys (the
 * section is passed along, "" before the first one), blank lines ignored,
 * spaces around keys and values trimmed, values may be double-quoted to
 * keep leading/trailing spaces. Keys are [A-Za-z0-9_.-]+.
 *
 * kvconf_parse() walks a buffer and calls `each` for every entry, in order;
 * it stops at the first malformed line and reports its number. No heap, no
 * OS calls: the caller reads the file. Lines are limited to KVCONF_LINE_MAX
 * bytes; longer ones are errors, never truncated.
 */
#ifndef KS_KVCONF_H
#define KS_KVCONF_H

#include <stddef.h>

#include "status.h"

#define KVCONF_LINE_MAX 1024u
#define KVCONF_KEY_MAX 64u

/* Return non-zero to stop the walk (kvconf_parse then returns KS_OK). */
typedef int (*kvconf_fn)(const char *section, const char *key, const char *value, void *ctx);

ks_status kvconf_parse(const char *buf, size_t len, kvconf_fn each, void *ctx, size_t *bad_line);

#endif
