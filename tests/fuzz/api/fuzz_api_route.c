/*
 * fuzz_api_route.c — api_route() on arbitrary requests, with a fake backend
 * that answers fixed bodies, a screen directory and a tokens file.
 *
 * Input: four parts separated by '\n' — method, path, authorization, body
 * (the body is the rest, binary allowed). An authorization of "S" or "C"
 * stands for "Bearer <screen token>" or "Bearer <client token>", so the
 * fuzzer reaches the routes behind authentication; "-" means no header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"

#define CLIENT_TOKEN "fuzz-client-token-0123456789"

static void fixed(api_reply *out, int status, const char *text)
{
    out->status = status;
    out->body = strdup(text);
    out->len = out->body ? strlen(text) : 0;
}

static void be_plain(void *ctx, api_reply *out)
{
    (void)ctx;
    fixed(out, 200, "{\"ok\":true}");
}

static void be_id(void *ctx, const char *id, api_reply *out)
{
    (void)ctx;
    fixed(out, strlen(id) > 3 ? 200 : 404, "{\"state\":\"waiting\"}");
}

static void be_start(void *ctx, const char *body, size_t len, api_reply *out)
{
    (void)ctx;
    fixed(out, body[len] == '\0' ? 201 : 500, "{\"state\":\"reading\"}");
}

static void be_consent(void *ctx, const char *id, bool accept, const char *version,
                       api_reply *out)
{
    (void)ctx;
    (void)id;
    fixed(out, accept && strlen(version) > 0 ? 200 : 409, "{}");
}

static void be_record(void *ctx, const char *form, api_reply *out)
{
    (void)ctx;
    fixed(out, 200, form);
    out->content_type = strcmp(form, "fhir") == 0 ? "application/fhir+json" : NULL;
}

static void be_roster_put(void *ctx, const char *csv, size_t len, api_reply *out)
{
    (void)ctx;
    (void)csv;
    /* A backend's own garbage status must be survivable too. */
    fixed(out, len % 7 == 3 ? 999 : 204, "");
}

static void be_metrics(void *ctx, api_reply *out)
{
    (void)ctx;
    fixed(out, 200, "kiosk_up 1\n");
    out->content_type = "text/plain; version=0.0.4";
}

static char *be_snapshot(void *ctx)
{
    (void)ctx;
    return strdup("[{\"seq\":1,\"state\":\"waiting\"},{\"seq\":2}]");
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static api_server *server_;
static char tmp_dir[] = "/tmp/fuzz-api-XXXXXX";

static void clean_up(void)
{
    static const char *const files[] = {"screen/index.html", "screen/app.js",
                                        "screen/.hidden.js", "screen", "tokens"};
    api_stop(server_);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", tmp_dir, files[i]);
        remove(path);
    }
    remove(tmp_dir);
}

static api_server *server(void)
{
    if (server_)
        return server_;
    if (!mkdtemp(tmp_dir))
        abort();
    char screen[600];
    snprintf(screen, sizeof screen, "%s/screen", tmp_dir);
    mkdir(screen, 0700);
    write_file(screen, "index.html", "<p>{{SCREEN_TOKEN}} {{OTHER}}</p>", 0600);
    write_file(screen, "app.js", "console.log(1)", 0600);
    write_file(screen, ".hidden.js", "secret", 0600);
    write_file(tmp_dir, "tokens", "# fuzz\nfuzz " CLIENT_TOKEN "\n", 0600);
    char tokens[600];
    snprintf(tokens, sizeof tokens, "%s/tokens", tmp_dir);
    static const api_backend be = {
        .health = be_plain,
        .sessions = be_plain,
        .session_get = be_id,
        .session_start = be_start,
        .session_cancel = be_id,
        .session_consent = be_consent,
        .record_latest = be_record,
        .queue = be_plain,
        .metrics = be_metrics,
        .roster_put = be_roster_put,
        .roster_get = be_plain,
        .roster_results = NULL, /* a missing callback is a 501 */
        .snapshot = be_snapshot,
    };
    api_options opt = {.tokens_file = tokens, .screen_dir = screen};
    char err[256];
    if (api_start(&opt, &be, &server_, err, sizeof err) != KS_OK) {
        fprintf(stderr, "fuzz_api_route: %s\n", err);
        abort();
    }
    atexit(clean_up);
    return server_;
}

/* The next '\n'-terminated part as a string; NULL when input ran out. */
static char *take_part(const uint8_t **p, const uint8_t *end)
{
    if (*p >= end)
        return NULL;
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += n + (nl ? 1 : 0);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    api_server *s = server();
    const uint8_t *p = data, *end = data + size;
    char *method = take_part(&p, end);
    char *path = take_part(&p, end);
    char *auth = take_part(&p, end);
    char header[700];
    const char *authorization = auth;
    if (auth && strcmp(auth, "S") == 0) {
        snprintf(header, sizeof header, "Bearer %s", api_screen_token(s));
        authorization = header;
    } else if (auth && strcmp(auth, "C") == 0) {
        authorization = "Bearer " CLIENT_TOKEN;
    } else if (auth && strcmp(auth, "-") == 0) {
        authorization = NULL;
    }
    /* The body is copied so that reading past it trips ASan. */
    size_t body_len = (size_t)(end - p);
    char *body = body_len ? malloc(body_len) : NULL;
    if (body)
        memcpy(body, p, body_len);
    api_request req = {.method = method ? method : "GET",
                       .path = path ? path : "/",
                       .authorization = authorization,
                       .body = body,
                       .body_len = body ? body_len : 0};
    api_reply out;
    api_route(s, &req, &out);
    if (out.status < 100 || out.status > 599)
        abort();
    if (out.body && out.len == 6 && memcmp(out.body, "secret", 6) == 0)
        abort(); /* a dotfile was served */
    if (out.status == 200 && strstr(req.path, "..") && strncmp(req.path, "/api", 4) != 0)
        abort(); /* a traversal was served */
    free(out.body);
    free(body);
    free(method);
    free(path);
    free(auth);
    return 0;
}
