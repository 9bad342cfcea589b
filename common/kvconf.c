#include "kvconf.h"

#include <stdbool.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

/* Trims [*b, *e) in place of the indices. */
static void trim(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && is_space(s[*b]))
        (*b)++;
    while (*e > *b && is_space(s[*e - 1]))
        (*e)--;
}

static bool copy_key(const char *s, size_t b, size_t e, char *out)
{
    if (e == b || e - b >= KVCONF_KEY_MAX)
        return false;
    for (size_t i = b; i < e; i++)
        if (!is_key_char(s[i]))
            return false;
    memcpy(out, s + b, e - b);
    out[e - b] = '\0';
    return true;
}

ks_status kvconf_parse(const char *buf, size_t len, kvconf_fn each, void *ctx, size_t *bad_line)
{
    if ((!buf && len) || !each)
        return KS_ERR_ARG;
    char section[KVCONF_KEY_MAX] = "";
    char key[KVCONF_KEY_MAX];
    char value[KVCONF_LINE_MAX];
    size_t line_no = 0, pos = 0;
    if (bad_line)
        *bad_line = 0;
    while (pos < len) {
        line_no++;
        size_t end = pos;
        while (end < len && buf[end] != '\n')
            end++;
        size_t next = end < len ? end + 1 : end;
        if (end - pos > KVCONF_LINE_MAX)
            goto bad;
        size_t b = pos, e = end;
        for (size_t i = b; i < e; i++)
            if (buf[i] == '\0')
                goto bad;
        trim(buf, &b, &e);
        pos = next;
        if (b == e || buf[b] == '#' || buf[b] == ';')
            continue;
        if (buf[b] == '[') {
            if (buf[e - 1] != ']')
                goto bad;
            size_t sb = b + 1, se = e - 1;
            trim(buf, &sb, &se);
            if (!copy_key(buf, sb, se, section))
                goto bad;
            continue;
        }
        size_t eq = b;
        while (eq < e && buf[eq] != '=')
            eq++;
        if (eq == e)
            goto bad;
        size_t kb = b, ke = eq, vb = eq + 1, ve = e;
        trim(buf, &kb, &ke);
        trim(buf, &vb, &ve);
        if (!copy_key(buf, kb, ke, key))
            goto bad;
        if (ve > vb && buf[vb] == '"') {
            /* A quoted value keeps its spaces; the quote must close it. */
            if (ve - vb < 2 || buf[ve - 1] != '"')
                goto bad;
            vb++;
            ve--;
        }
        memcpy(value, buf + vb, ve - vb);
        value[ve - vb] = '\0';
        if (each(section, key, value, ctx))
            return KS_OK;
        continue;
    bad:
        if (bad_line)
            *bad_line = line_no;
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}
