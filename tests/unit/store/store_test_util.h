/*
 * store_test_util.h — shared fixtures of the store tests: a private temp
 * directory, key files, and sample records carrying known personal values
 * (so the tests can look for them in the raw database bytes).
 */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_sample.h"
#include "store.h"


/* A fresh private directory under /tmp; the caller removes it with
 * tu_rmdir. */
static inline char *tu_tmpdir(void)
{
    char *d = strdup("/tmp/ks-store-test.XXXXXX");
    if (!d || !mkdtemp(d))
        abort();
    return d;
}

static inline void tu_rmdir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static inline void tu_path(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Writes a key file with the given lines, then chmods it to mode. */
static inline void tu_write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    if (chmod(path, mode) != 0)
        abort();
}

#define TU_KEY1 "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
#define TU_KEY1_WRONG "1 ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
#define TU_KEY2 "2 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"

/* A record as kioskd would enqueue it (built by hand so the store tests do
 * not depend on record.c). out must hold 1024 bytes. */
static inline size_t tu_sample_record(char *out, size_t cap, const char *id)
{
    int n = snprintf(out, cap,
                     "{\"schema\":\"kiosk-record/1\",\"record_id\":\"%s\",\"purpose\":\"lodging\","
                     "\"holder\":{\"full_name\":\"" SAMPLE_NAME "\",\"id_number\":\"" SAMPLE_CCCD
                     "\",\"address\":\"" SAMPLE_ADDRESS "\"},\"verdict\":\"genuine\"}",
                     id);
    if (n < 0 || (size_t)n >= cap)
        abort();
    return (size_t)n;
}

static inline store_options tu_options(const char *db, const char *key)
{
    store_options o;
    memset(&o, 0, sizeof o);
    o.db_path = db;
    o.key_file = key;
    return o;
}

#endif
