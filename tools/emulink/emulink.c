#define _XOPEN_SOURCE 700 /* posix_openpt and friends */
#define _DEFAULT_SOURCE   /* cfmakeraw */
#include "emulink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

int emulink_open_pty(const char *link_path, int *slave_keep)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        if (m >= 0)
            close(m);
        return -1;
    }
    const char *name = ptsname(m);
    int s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (s < 0) {
        close(m);
        return -1;
    }
    /* Raw: no line discipline may touch the emulated device's bytes. */
    struct termios tio;
    if (tcgetattr(s, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(s, TCSANOW, &tio);
    }
    unlink(link_path);
    if (symlink(name, link_path) != 0) {
        close(s);
        close(m);
        return -1;
    }
    *slave_keep = s;
    return m;
}

bool emulink_parse_count(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 1000000000L)
        return false;
    *out = v;
    return true;
}
