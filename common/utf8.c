#include "utf8.h"

size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
    if (!s || len == 0)
        return 0;
    uint32_t c = s[0];
    size_t n;
    uint32_t min;
    if (c < 0x80u) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0u) == 0xC0u) {
        n = 2, min = 0x80u, c &= 0x1Fu;
    } else if ((c & 0xF0u) == 0xE0u) {
        n = 3, min = 0x800u, c &= 0x0Fu;
    } else if ((c & 0xF8u) == 0xF0u) {
        n = 4, min = 0x10000u, c &= 0x07u;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu))
        return 0;
    *cp = c;
    return n;
}

bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
