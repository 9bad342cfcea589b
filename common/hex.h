/*
 * hex.h — the value of one hexadecimal digit, for the parsers that read hex
 * text (key files, percent-encoded paths). Header-only; no state.
 */
#ifndef KS_HEX_H
#define KS_HEX_H

/* 0..15 for [0-9a-fA-F], -1 for anything else. */
static inline int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
