#include "fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

ks_status fileio_read(const char *path, size_t max, uint8_t **buf, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return KS_ERR_IO;
    if ((unsigned long long)st.st_size > max)
        return KS_ERR_TOO_LARGE;
    FILE *f = fopen(path, "rb");
    if (!f)
        return KS_ERR_IO;
    size_t want = (size_t)st.st_size;
    uint8_t *b = malloc(want ? want : 1);
    if (!b) {
        fclose(f);
        return KS_ERR_NO_MEMORY;
    }
    size_t got = fread(b, 1, want, f);
    fclose(f);
    if (got != want) {
        free(b);
        return KS_ERR_IO;
    }
    *buf = b;
    *len = got;
    return KS_OK;
}
