/*
 * fileio.h — reading a whole regular file into memory, bounded.
 *
 * fileio_read() refuses anything that is not a regular file
 * (KS_ERR_IO) or is larger than max bytes (KS_ERR_TOO_LARGE) before
 * allocating; the caller frees *buf.
 */
#ifndef KS_FILEIO_H
#define KS_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

ks_status fileio_read(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
