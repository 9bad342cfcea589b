#define _XOPEN_SOURCE 700
#include "mkc_test_support.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

const uint8_t *mkc_test_jpeg(size_t *len)
{
    static const uint8_t jpeg[] = {
        0xFF, 0xD8,                                     /* SOI */
        0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
        0x00, 0x01, 0x00, 0x01, 0x00, 0x00,             /* APP0 JFIF */
        0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, MKC_TEST_JPEG_HEIGHT, 0x00, MKC_TEST_JPEG_WIDTH,
        0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, /* SOF0 */
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11,
        0x00, 0x3F, 0x00,                               /* SOS */
        0x12, 0x34,                                     /* "entropy-coded data" */
        0xFF, 0xD9,                                     /* EOI */
    };
    *len = sizeof jpeg;
    return jpeg;
}

char *mkc_test_tmpdir(void)
{
    char *path = strdup("/tmp/mkc-test-XXXXXX");
    assert_non_null(path);
    assert_non_null(mkdtemp(path));
    return path;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void mkc_test_rmtree(const char *dir)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void mkc_test_write(const char *dir, const char *name, const void *data, size_t len)
{
    assert_int_equal(mkc_write_file(dir, name, data, len, 0600), KS_OK);
}

mkc_bytes mkc_test_read(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mkc_bytes b;
    ks_status st = mkc_read_file(path, 64u * 1024u * 1024u, &b);
    if (st != KS_OK)
        fail_msg("cannot read %s", path);
    return b;
}

int mkc_test_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

void mkc_test_profile(const char *name, mkc_profile *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", MKC_PROFILE_DIR, name);
    ks_status st = mkc_profile_load(path, out);
    if (st != KS_OK)
        fail_msg("profile %s: %s", name, mkc_last_error());
}

char *mkc_test_build(const char *profile, const mkc_options *opt_or_null)
{
    static mkc_profile p;
    mkc_test_profile(profile, &p);
    char *dir = mkc_test_tmpdir();
    size_t jlen;
    const uint8_t *jpeg = mkc_test_jpeg(&jlen);
    mkc_test_write(dir, "face.jpg", jpeg, jlen);

    char portrait[4096], out[4096];
    snprintf(portrait, sizeof portrait, "%s/face.jpg", dir);
    snprintf(out, sizeof out, "%s/card", dir);
    mkc_options opt;
    if (opt_or_null)
        opt = *opt_or_null;
    else
        mkc_options_default(&opt);
    opt.portrait_path = portrait;
    opt.out_dir = out;
    ks_status st = mkc_card_build(&opt, &p);
    if (st != KS_OK)
        fail_msg("build %s: %s", profile, mkc_last_error());
    return dir;
}
