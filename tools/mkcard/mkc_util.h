/*
 * mkc_util.h — small helpers shared by the kiosk-mkcard modules.
 *
 * Offers: an owned byte buffer (mkc_bytes), a last-error detail string for the
 * one-line error message of the tool, file and directory helpers, and DER
 * helpers that put OIDs and small INTEGERs through a tlv_writer.
 *
 * Ownership: an mkc_bytes owns its data (malloc); mkc_bytes_free() releases it
 * and leaves it empty. mkc_fail() keeps a copy of its message in a static
 * buffer (the tool is single-threaded); messages never carry personal data.
 */
#ifndef MKC_UTIL_H
#define MKC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"
#include "tlv.h"

typedef struct mkc_bytes {
    uint8_t *data;
    size_t len;
} mkc_bytes;

/* Allocates len zeroed bytes (at least one byte, so data is never NULL). */
ks_status mkc_bytes_alloc(mkc_bytes *b, size_t len);
void mkc_bytes_free(mkc_bytes *b);
/* Copies a finished writer's content into a new mkc_bytes. */
ks_status mkc_bytes_from_writer(const tlv_writer *w, mkc_bytes *out);

/* Records a printf-style detail for the error line; returns st unchanged. */
ks_status mkc_fail(ks_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As mkc_fail, appending the newest OpenSSL error reason (and clearing them). */
ks_status mkc_fail_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *mkc_last_error(void);
void mkc_clear_error(void);

/* Reads a whole regular file of at most max bytes. */
ks_status mkc_read_file(const char *path, size_t max, mkc_bytes *out);
/* Writes dir/name (truncating) with the given mode, also when it existed. */
ks_status mkc_write_file(const char *dir, const char *name, const uint8_t *data,
                         size_t len, mode_t mode);
/* Removes dir/name; a file that is already absent is not an error. */
ks_status mkc_remove_file(const char *dir, const char *name);
/* Creates path and its missing parents (like mkdir -p). */
ks_status mkc_mkdirs(const char *path);

/* Appends the DER OBJECT IDENTIFIER for a dotted OID to the writer. */
void mkc_put_oid(tlv_writer *w, const char *dotted);
/* Appends a DER INTEGER for a non-negative value. */
void mkc_put_uint(tlv_writer *w, uint32_t v);

/* True when s (NUL-terminated) is well-formed UTF-8 without control chars. */
bool mkc_utf8_valid(const char *s);

#endif
