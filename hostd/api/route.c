/*
 * route.c — from (method, raw path, Authorization, body) to a backend call.
 *
 * Order of decisions, each ending the request: the path must decode (400),
 * name a route (404), the method must fit it (405); API routes then need a
 * known token (401) of a sufficient role (403); bodies must parse (400).
 * Paths arrive still percent-encoded (libmicrohttpd is told not to decode
 * them) so that an encoded NUL or '/' is refused here instead of silently
 * truncating or splitting a path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api_internal.h"
#include "hex.h"

#define TEXT_VERSION_MAX 64
#define READER_NAME_MAX 256
#define CANDIDATE_ID_MAX 64

void api_reply_error(api_reply *out, int status, const char *code, const char *message)
{
    out->status = status;
    out->content_type = NULL;
    out->body = NULL;
    out->len = 0;
    char *body = malloc(strlen(code) + strlen(message) + 32);
    if (!body)
        return;
    int n = sprintf(body, "{\"error\":\"%s\",\"message\":\"%s\"}", code, message);
    out->body = body;
    out->len = (size_t)n;
}

/* Strict percent-decoding of a path: 0, or the HTTP status refusing it. */
static int decode_path(const char *raw, char *out, size_t cap)
{
    if (raw[0] != '/')
        return 400;
    size_t n = 0;
    for (const char *p = raw; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            int hi = hex_digit_value(p[1]), lo = hi < 0 ? -1 : hex_digit_value(p[2]);
            if (hi < 0 || lo < 0)
                return 400;
            c = (unsigned char)(hi * 16 + lo);
            /* An encoded separator would let one segment pose as two. */
            if (c == 0 || c == '/' || c == '\\')
                return 400;
            p += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 400;
        if (n + 1 >= cap)
            return 414;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

static bool id_ok(const char *s, size_t len)
{
    if (len == 0 || len > API_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static void set_route(api_match *m, api_route_kind kind, const char *tmpl, unsigned methods,
                      api_role role)
{
    m->kind = kind;
    m->tmpl = tmpl;
    m->methods = methods;
    m->role = role;
}

/* The part after "/api/v1/sessions". */
static bool match_sessions(const char *rest, api_match *m)
{
    if (*rest == '\0') {
        set_route(m, API_R_SESSIONS, "/api/v1/sessions", API_M_GET | API_M_POST, API_ROLE_SCREEN);
        return true;
    }
    if (*rest != '/')
        return false;
    rest++;
    const char *slash = strchr(rest, '/');
    size_t id_len = slash ? (size_t)(slash - rest) : strlen(rest);
    if (!id_ok(rest, id_len))
        return false;
    memcpy(m->id, rest, id_len);
    m->id[id_len] = '\0';
    if (!slash)
        set_route(m, API_R_SESSION, "/api/v1/sessions/{id}", API_M_GET, API_ROLE_SCREEN);
    else if (strcmp(slash, "/cancel") == 0)
        set_route(m, API_R_CANCEL, "/api/v1/sessions/{id}/cancel", API_M_POST, API_ROLE_SCREEN);
    else if (strcmp(slash, "/consent") == 0)
        set_route(m, API_R_CONSENT, "/api/v1/sessions/{id}/consent", API_M_POST,
                  API_ROLE_SCREEN);
    else
        return false;
    return true;
}

static bool match_api(const char *rest, api_match *m)
{
    static const struct {
        const char *path;
        api_route_kind kind;
        const char *tmpl;
        unsigned methods;
        api_role role;
        const char *form;
    } FIXED[] = {
        {"health", API_R_HEALTH, "/api/v1/health", API_M_GET, API_ROLE_SCREEN, NULL},
        {"events", API_R_EVENTS, "/api/v1/events", API_M_GET, API_ROLE_SCREEN, NULL},
        {"records/latest", API_R_RECORD, "/api/v1/records/latest", API_M_GET, API_ROLE_CLIENT,
         "record"},
        {"records/latest/fhir", API_R_RECORD, "/api/v1/records/latest/fhir", API_M_GET,
         API_ROLE_CLIENT, "fhir"},
        {"records/latest/guest", API_R_RECORD, "/api/v1/records/latest/guest", API_M_GET,
         API_ROLE_CLIENT, "guest"},
        {"queue", API_R_QUEUE, "/api/v1/queue", API_M_GET, API_ROLE_CLIENT, NULL},
        {"roster", API_R_ROSTER, "/api/v1/roster", API_M_GET | API_M_PUT, API_ROLE_CLIENT, NULL},
        {"roster/results.csv", API_R_ROSTER_RESULTS, "/api/v1/roster/results.csv", API_M_GET,
         API_ROLE_CLIENT, NULL},
    };
    for (size_t i = 0; i < sizeof FIXED / sizeof FIXED[0]; i++) {
        if (strcmp(rest, FIXED[i].path) == 0) {
            set_route(m, FIXED[i].kind, FIXED[i].tmpl, FIXED[i].methods, FIXED[i].role);
            m->form = FIXED[i].form;
            return true;
        }
    }
    if (strncmp(rest, "sessions", 8) == 0)
        return match_sessions(rest + 8, m);
    return false;
}

static bool match_path(const api_server *s, const char *path, api_match *m)
{
    if (strcmp(path, "/metrics") == 0) {
        set_route(m, API_R_METRICS, "/metrics", API_M_GET, API_ROLE_CLIENT);
        return true;
    }
    if (strncmp(path, "/api/v1/", 8) == 0)
        return match_api(path + 8, m);
    /* The API's name space never falls through to the screen's files. */
    if (strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0)
        return false;
    if (s->screen_fd < 0)
        return false;
    set_route(m, API_R_STATIC, "/{static}", API_M_GET, API_ROLE_NONE);
    return true;
}

static unsigned method_bit(const char *method)
{
    if (!method)
        return 0;
    if (strcmp(method, "GET") == 0)
        return API_M_GET;
    if (strcmp(method, "POST") == 0)
        return API_M_POST;
    if (strcmp(method, "PUT") == 0)
        return API_M_PUT;
    return 0;
}

const char *api_allow_header(unsigned methods)
{
    switch (methods) {
    case API_M_GET | API_M_POST:
        return "GET, POST";
    case API_M_GET | API_M_PUT:
        return "GET, PUT";
    case API_M_POST:
        return "POST";
    default:
        return "GET";
    }
}

bool api_resolve(const api_server *s, const char *method, const char *path,
                 const char *authorization, api_match *m, api_reply *err)
{
    memset(m, 0, sizeof *m);
    m->tmpl = "-";
    if (!path) {
        api_reply_error(err, 400, "bad_request", "missing path");
        return false;
    }
    int bad = decode_path(path, m->path, sizeof m->path);
    if (bad) {
        api_reply_error(err, bad, bad == 414 ? "uri_too_long" : "bad_request",
                        bad == 414 ? "path too long" : "malformed path");
        return false;
    }
    if (!match_path(s, m->path, m)) {
        m->tmpl = "-";
        api_reply_error(err, 404, "not_found", "no such resource");
        return false;
    }
    m->method = method_bit(method);
    if (!(m->method & m->methods)) {
        api_reply_error(err, 405, "method_not_allowed", "method not allowed on this resource");
        return false;
    }
    if (m->kind == API_R_STATIC)
        return true;
    api_role role = api_tokens_role(s->clients, s->screen_digest, authorization);
    if (role == API_ROLE_NONE) {
        api_reply_error(err, 401, "unauthorized", "a valid bearer token is required");
        return false;
    }
    if (role < m->role) {
        api_reply_error(err, 403, "forbidden", "this token may not use this resource");
        return false;
    }
    return true;
}

/* ---- bodies ---- */

/* A whole body as one JSON object, nothing before or after it. */
static json_object *parse_object(const char *body, size_t len)
{
    if (!body || len == 0 || len > API_BODY_MAX || memchr(body, '\0', len))
        return NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    bool ok = obj && json_tokener_get_error(tok) == json_tokener_success;
    if (ok) {
        size_t end = json_tokener_get_parse_end(tok);
        for (size_t i = end; i < len; i++)
            if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
                ok = false;
    }
    json_tokener_free(tok);
    if (!ok || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

static bool printable_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* A string member of 1..max bytes without NUL or control characters;
 * ascii: printable ASCII only. */
static bool string_member_ok(json_object *v, size_t max, bool ascii)
{
    if (!json_object_is_type(v, json_type_string))
        return false;
    size_t n = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    if (n < 1 || n > max || strlen(s) != n)
        return false;
    if (ascii)
        return printable_ascii(s, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* {"accept": bool, "text_version": "1..64 chars"}, no other member. */
static bool parse_consent(const char *body, size_t len, bool *accept, char *version)
{
    json_object *obj = parse_object(body, len);
    if (!obj)
        return false;
    bool ok = true, have_accept = false, have_version = false;
    json_object_object_foreach(obj, key, val)
    {
        if (strcmp(key, "accept") == 0 && json_object_is_type(val, json_type_boolean)) {
            *accept = json_object_get_boolean(val) != 0;
            have_accept = true;
        } else if (strcmp(key, "text_version") == 0 &&
                   string_member_ok(val, TEXT_VERSION_MAX, true)) {
            strcpy(version, json_object_get_string(val));
            have_version = true;
        } else {
            ok = false;
        }
    }
    json_object_put(obj);
    return ok && have_accept && have_version;
}

/* An object whose "reader" and "candidate_id", when present, are strings;
 * an empty body means {}. Other members ("qr") are the backend's to judge. */
static bool start_body_ok(const char *body, size_t len)
{
    if (len == 0)
        return true;
    json_object *obj = parse_object(body, len);
    if (!obj)
        return false;
    bool ok = true;
    json_object_object_foreach(obj, key, val)
    {
        if (strcmp(key, "reader") == 0)
            ok = ok && string_member_ok(val, READER_NAME_MAX, false);
        else if (strcmp(key, "candidate_id") == 0)
            ok = ok && string_member_ok(val, CANDIDATE_ID_MAX, true);
    }
    json_object_put(obj);
    return ok;
}

/* A NUL-terminated copy, so a backend may treat the body as a string. */
static char *body_copy(const char *body, size_t len)
{
    char *c = malloc(len + 1);
    if (!c)
        return NULL;
    if (len)
        memcpy(c, body, len);
    c[len] = '\0';
    return c;
}

/* ---- dispatch ---- */

static void bad_body(api_reply *out, const char *what)
{
    api_reply_error(out, 400, "bad_request", what);
}

static void not_implemented(api_reply *out)
{
    api_reply_error(out, 501, "not_implemented", "not available on this kiosk");
}

/* What a backend left in *out, made safe to send. */
static void check_backend_reply(api_reply *out)
{
    if (out->status < 100 || out->status > 599) {
        free(out->body);
        api_reply_error(out, 500, "internal", "the daemon gave no answer");
        return;
    }
    if (out->body && out->len == 0)
        out->len = strlen(out->body);
    if (!out->body)
        out->len = 0;
}

static void call_with_body(api_server *s, const api_match *m, const char *body, size_t len,
                           api_reply *out)
{
    const api_backend *be = &s->be;
    if (m->kind == API_R_CONSENT) {
        bool accept = false;
        char version[TEXT_VERSION_MAX + 1];
        if (!parse_consent(body, len, &accept, version))
            bad_body(out, "expected {\"accept\": boolean, \"text_version\": string}");
        else if (!be->session_consent)
            not_implemented(out);
        else
            be->session_consent(be->ctx, m->id, accept, version, out);
        return;
    }
    if (m->kind == API_R_SESSIONS) {
        if (!start_body_ok(body, len)) {
            bad_body(out, "expected {\"reader\"?: string, \"candidate_id\"?: string}");
            return;
        }
        if (!be->session_start) {
            not_implemented(out);
            return;
        }
        const char *b = len ? body : "{}";
        size_t blen = len ? len : 2;
        char *copy = body_copy(b, blen);
        if (!copy) {
            api_reply_error(out, 500, "internal", "out of memory");
            return;
        }
        be->session_start(be->ctx, copy, blen, out);
        free(copy);
        return;
    }
    /* PUT roster */
    if (!be->roster_put) {
        not_implemented(out);
        return;
    }
    char *copy = body_copy(body, len);
    if (!copy) {
        api_reply_error(out, 500, "internal", "out of memory");
        return;
    }
    be->roster_put(be->ctx, copy, len, out);
    free(copy);
}

static void events_without_stream(api_server *s, api_reply *out)
{
    char *snap = s->be.snapshot ? s->be.snapshot(s->be.ctx) : NULL;
    size_t len = 0;
    char *text = api_sse_opening(snap, &len);
    free(snap);
    if (!text) {
        api_reply_error(out, 500, "internal", "out of memory");
        return;
    }
    out->status = 200;
    out->body = text;
    out->len = len;
    out->content_type = "text/event-stream";
}

typedef void (*plain_cb)(void *ctx, api_reply *out);

static void call_plain(const api_backend *be, plain_cb cb, api_reply *out)
{
    if (cb)
        cb(be->ctx, out);
    else
        not_implemented(out);
}

static void dispatch(api_server *s, const api_match *m, const char *body, size_t len,
                     api_reply *out)
{
    const api_backend *be = &s->be;
    switch (m->kind) {
    case API_R_HEALTH:
        call_plain(be, be->health, out);
        break;
    case API_R_SESSIONS:
        if (m->method == API_M_GET)
            call_plain(be, be->sessions, out);
        else
            call_with_body(s, m, body, len, out);
        break;
    case API_R_SESSION:
        if (be->session_get)
            be->session_get(be->ctx, m->id, out);
        else
            not_implemented(out);
        break;
    case API_R_CANCEL:
        if (be->session_cancel)
            be->session_cancel(be->ctx, m->id, out);
        else
            not_implemented(out);
        break;
    case API_R_CONSENT:
        call_with_body(s, m, body, len, out);
        break;
    case API_R_EVENTS:
        events_without_stream(s, out);
        break;
    case API_R_RECORD:
        if (be->record_latest)
            be->record_latest(be->ctx, m->form, out);
        else
            not_implemented(out);
        break;
    case API_R_QUEUE:
        call_plain(be, be->queue, out);
        break;
    case API_R_ROSTER:
        if (m->method == API_M_GET)
            call_plain(be, be->roster_get, out);
        else
            call_with_body(s, m, body, len, out);
        break;
    case API_R_ROSTER_RESULTS:
        call_plain(be, be->roster_results, out);
        break;
    case API_R_METRICS:
        call_plain(be, be->metrics, out);
        break;
    default:
        api_reply_error(out, 404, "not_found", "no such resource");
        break;
    }
}

void api_route_peer(api_server *s, const api_request *req, const char *index_token,
                    api_reply *out)
{
    out->status = 0;
    out->body = NULL;
    out->len = 0;
    out->content_type = NULL;
    if (!s || !req) {
        api_reply_error(out, 500, "internal", "no server");
        return;
    }
    api_match m;
    if (!api_resolve(s, req->method, req->path, req->authorization, &m, out))
        return;
    if (m.kind == API_R_STATIC) {
        api_static_serve(s->screen_fd, m.path, index_token, out);
        return;
    }
    const char *body = req->body ? req->body : "";
    size_t len = req->body ? req->body_len : 0;
    if (len > API_BODY_MAX) {
        api_reply_error(out, 413, "payload_too_large", "the body is larger than 1 MiB");
        return;
    }
    dispatch(s, &m, body, len, out);
    check_backend_reply(out);
}

void api_route(api_server *s, const api_request *req, api_reply *out)
{
    /* Without a connection there is no loopback peer to trust. */
    api_route_peer(s, req, NULL, out);
}
