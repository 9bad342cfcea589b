/*
 * mkc_test_support.h — fixtures for the kiosk-mkcard unit tests: a minimal
 * synthetic JPEG (markers only, enough for the frame header), temporary
 * directories, file reading, the sample profiles and a whole built image.
 * Every helper fails the running CMocka test on error.
 */
#ifndef MKC_TEST_SUPPORT_H
#define MKC_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mkc_card.h"
#include "mkc_profile.h"
#include "mkc_util.h"

#define MKC_TEST_JPEG_WIDTH 64
#define MKC_TEST_JPEG_HEIGHT 80

/* SOI, APP0, SOF0 (64 x 80, 3 components), SOS, EOI. */
const uint8_t *mkc_test_jpeg(size_t *len);

/* A new empty directory under /tmp (free() the path; mkc_test_rmtree it). */
char *mkc_test_tmpdir(void);
void mkc_test_rmtree(const char *dir);

/* dir/name, written or read whole. */
void mkc_test_write(const char *dir, const char *name, const void *data, size_t len);
mkc_bytes mkc_test_read(const char *dir, const char *name);
int mkc_test_exists(const char *dir, const char *name);

/* Loads profiles/<name> of the source tree. */
void mkc_test_profile(const char *name, mkc_profile *out);

/* Builds profiles/<profile> with the synthetic portrait into a new temp dir. */
char *mkc_test_build(const char *profile, const mkc_options *opt_or_null);

#endif
