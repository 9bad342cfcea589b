/*
 * vn_text.h — the small amount of Unicode the CCCD needs, without ICU:
 * strict UTF-8 decoding, the 134 precomposed Vietnamese letters (a ă â e ê
 * i o ô ơ u ư y with the five tone marks, both cases, plus đ/Đ) and their
 * canonical decompositions, a comparison form that makes NFC and NFD
 * spellings of a Vietnamese name equal, and the transliteration to the MRZ
 * alphabet.
 *
 * Everything writes into caller-owned buffers and reports KS_ERR_TOO_LARGE
 * rather than truncating. Nothing here logs (the inputs are names).
 */
#ifndef KS_VN_TEXT_H
#define KS_VN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Decodes one code point at s; returns the bytes used, 0 when the sequence is
 * not strict UTF-8 (overlong, surrogate, above U+10FFFF, truncated). */
size_t vn_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Whole-buffer check; NUL bytes count as invalid here, since every caller
 * turns the text into a C string. */
bool vn_utf8_valid(const char *s, size_t len);

/* True when the text holds a C0 control, DEL or a C1 control (never part of
 * a printed field). Assumes valid UTF-8. */
bool vn_text_has_controls(const char *s, size_t len);

/* Encodes cp (<= U+10FFFF, not a surrogate) into out; returns 1..4. */
size_t vn_utf8_encode(uint32_t cp, char out[4]);

/* For a precomposed Vietnamese letter: its ASCII base letter (same case;
 * 'd'/'D' for đ/Đ), its vowel modifier (U+0306 breve, U+0302 circumflex,
 * U+031B horn, or 0) and its tone mark (U+0300 U+0301 U+0303 U+0309 U+0323,
 * or 0). False for any other code point. */
bool vn_letter_decompose(uint32_t cp, char *base, uint32_t *modifier, uint32_t *tone);

/* Comparison form of a name or address: Vietnamese letters decomposed and
 * combining marks put in canonical order (so NFC and NFD spellings give the
 * same bytes), surrounding white space removed and inner runs collapsed to
 * one space. Not a full Unicode normaliser: letters outside Vietnamese pass
 * through as they are. KS_ERR_MALFORMED on invalid UTF-8. */
ks_status vn_text_comparable(const char *s, size_t len, char *out, size_t cap);

/* The text as MRZ letters: diacritics dropped (đ/Đ -> D), upper case, words
 * separated by single spaces; '-', '<', ',', '.' and white space separate
 * words, apostrophes are dropped. KS_ERR_UNSUPPORTED for any other
 * character (a digit, a non-Vietnamese letter), KS_ERR_MALFORMED on invalid
 * UTF-8. */
ks_status vn_text_to_mrz(const char *s, size_t len, char *out, size_t cap);

#endif
