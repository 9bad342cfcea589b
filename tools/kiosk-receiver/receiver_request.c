/* receiver_request.c — bounded gunzip + JSON envelope decoding (see .h). */
#include "receiver_request.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

int rcv_key_valid(const char *key, size_t len)
{
    if (!key || len == 0 || len > RCV_MAX_KEY)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

/* Inflates a gzip stream into a fresh NUL-terminated buffer no longer than
 * RCV_MAX_INFLATED, so a small bomb cannot exhaust memory. */
static ks_status gunzip_bounded(const uint8_t *in, size_t len, char **out, size_t *outlen,
                                char *err, size_t errlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        set_err(err, errlen, "cannot start gunzip");
        return KS_ERR_NO_MEMORY;
    }
    size_t cap = len * 4 + 1024;
    if (cap > RCV_MAX_INFLATED + 1)
        cap = RCV_MAX_INFLATED + 1;
    char *buf = malloc(cap);
    if (!buf) {
        inflateEnd(&zs);
        return KS_ERR_NO_MEMORY;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len; /* len <= RCV_MAX_BODY, checked by the caller */
    size_t used = 0;
    ks_status st = KS_OK;
    for (;;) {
        if (used + 1 >= cap) {
            if (cap >= RCV_MAX_INFLATED + 1) {
                set_err(err, errlen, "inflated body exceeds the size limit");
                st = KS_ERR_TOO_LARGE;
                break;
            }
            size_t ncap = cap * 2 > RCV_MAX_INFLATED + 1 ? RCV_MAX_INFLATED + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                st = KS_ERR_NO_MEMORY;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        zs.next_out = (Bytef *)(buf + used);
        zs.avail_out = (uInt)(cap - 1 - used);
        int rc = inflate(&zs, Z_NO_FLUSH);
        used = (size_t)((char *)zs.next_out - buf);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in != 0) {
                set_err(err, errlen, "trailing bytes after the gzip stream");
                st = KS_ERR_MALFORMED;
            }
            break;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            set_err(err, errlen, "gzip stream is truncated");
            st = KS_ERR_TRUNCATED;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            set_err(err, errlen, "body is not valid gzip");
            st = KS_ERR_MALFORMED;
            break;
        }
    }
    inflateEnd(&zs);
    if (st != KS_OK) {
        free(buf);
        return st;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    return KS_OK;
}

static void decode_entry(json_object *item, rcv_entry *e)
{
    json_object *jkey = NULL, *jrec = NULL;
    if (!json_object_is_type(item, json_type_object)) {
        e->reject_reason = "entry is not an object";
        return;
    }
    if (!json_object_object_get_ex(item, "idempotency_key", &jkey) ||
        !json_object_is_type(jkey, json_type_string)) {
        e->reject_reason = "idempotency_key missing or not a string";
        return;
    }
    const char *key = json_object_get_string(jkey);
    size_t klen = (size_t)json_object_get_string_len(jkey);
    /* Echoed back even when invalid (cut short) so the sender can match it. */
    size_t copy = klen > RCV_MAX_KEY ? RCV_MAX_KEY : klen;
    memcpy(e->key, key, copy);
    e->key[copy] = '\0';
    if (!rcv_key_valid(key, klen) || strlen(key) != klen) {
        e->reject_reason = "idempotency_key has a bad length or characters";
        return;
    }
    if (!json_object_object_get_ex(item, "record", &jrec) ||
        !json_object_is_type(jrec, json_type_object)) {
        e->reject_reason = "record missing or not an object";
        return;
    }
    const char *text = json_object_to_json_string_ext(jrec, JSON_C_TO_STRING_PLAIN);
    e->record_json = text ? strdup(text) : NULL;
    if (!e->record_json)
        e->reject_reason = "out of memory";
}

static ks_status decode_envelope(json_object *root, rcv_batch *out, char *err, size_t errlen)
{
    json_object *jkiosk = NULL, *jrecs = NULL;
    if (!json_object_is_type(root, json_type_object)) {
        set_err(err, errlen, "body is not a JSON object");
        return KS_ERR_MALFORMED;
    }
    if (!json_object_object_get_ex(root, "kiosk_id", &jkiosk) ||
        !json_object_is_type(jkiosk, json_type_string)) {
        set_err(err, errlen, "kiosk_id missing or not a string");
        return KS_ERR_MALFORMED;
    }
    size_t klen = (size_t)json_object_get_string_len(jkiosk);
    const char *kid = json_object_get_string(jkiosk);
    if (!rcv_key_valid(kid, klen) || klen > RCV_MAX_KIOSK_ID || strlen(kid) != klen) {
        set_err(err, errlen, "kiosk_id has a bad length or characters");
        return KS_ERR_MALFORMED;
    }
    memcpy(out->kiosk_id, kid, klen);
    out->kiosk_id[klen] = '\0';
    if (!json_object_object_get_ex(root, "records", &jrecs) ||
        !json_object_is_type(jrecs, json_type_array)) {
        set_err(err, errlen, "records missing or not an array");
        return KS_ERR_MALFORMED;
    }
    size_t n = json_object_array_length(jrecs);
    if (n == 0) {
        set_err(err, errlen, "records is empty");
        return KS_ERR_MALFORMED;
    }
    if (n > RCV_MAX_RECORDS) {
        set_err(err, errlen, "too many records in one batch");
        return KS_ERR_TOO_LARGE;
    }
    out->entries = calloc(n, sizeof *out->entries);
    if (!out->entries)
        return KS_ERR_NO_MEMORY;
    out->count = n;
    for (size_t i = 0; i < n; i++)
        decode_entry(json_object_array_get_idx(jrecs, i), &out->entries[i]);
    return KS_OK;
}

ks_status rcv_batch_parse(const uint8_t *body, size_t len, int gzipped,
                          rcv_batch *out, char *err, size_t errlen)
{
    if (!out || (!body && len))
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (len > RCV_MAX_BODY) {
        set_err(err, errlen, "body exceeds the size limit");
        return KS_ERR_TOO_LARGE;
    }
    char *text = NULL;
    size_t tlen = 0;
    ks_status st;
    if (gzipped) {
        st = gunzip_bounded(body, len, &text, &tlen, err, errlen);
        if (st != KS_OK)
            return st;
    } else {
        text = malloc(len + 1);
        if (!text)
            return KS_ERR_NO_MEMORY;
        if (len)
            memcpy(text, body, len);
        text[len] = '\0';
        tlen = len;
    }
    if (tlen == 0 || strlen(text) != tlen) {
        free(text);
        set_err(err, errlen, tlen ? "body contains a NUL byte" : "body is empty");
        return KS_ERR_MALFORMED;
    }
    json_tokener *tok = json_tokener_new_ex(RCV_MAX_JSON_DEPTH);
    if (!tok) {
        free(text);
        return KS_ERR_NO_MEMORY;
    }
    json_object *root = json_tokener_parse_ex(tok, text, (int)tlen);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t consumed = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!root || jerr != json_tokener_success) {
        json_object_put(root);
        free(text);
        set_err(err, errlen, "body is not valid JSON");
        return KS_ERR_MALFORMED;
    }
    for (size_t i = consumed; i < tlen; i++) {
        char c = text[i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            json_object_put(root);
            free(text);
            set_err(err, errlen, "trailing data after the JSON body");
            return KS_ERR_MALFORMED;
        }
    }
    free(text);
    st = decode_envelope(root, out, err, errlen);
    json_object_put(root);
    if (st != KS_OK)
        rcv_batch_free(out);
    return st;
}

void rcv_batch_free(rcv_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        free(b->entries[i].record_json);
    free(b->entries);
    b->entries = NULL;
    b->count = 0;
}
