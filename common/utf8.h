/*
 * utf8.h — strict UTF-8: what a card, a scanner, a profile or a record may
 * carry as text. Overlong forms, surrogates (U+D800..DFFF), code points past
 * U+10FFFF and truncated sequences are invalid. Control characters and NUL
 * are valid UTF-8; callers that forbid them check separately.
 */
#ifndef KS_UTF8_H
#define KS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at s: bytes used (1..4), or 0 when invalid. */
size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

bool utf8_valid(const uint8_t *s, size_t len);

#endif
