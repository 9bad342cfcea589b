/*
 * test_api.c — the local HTTP API end to end: a real server on 127.0.0.1
 * (port 0) and on a unix socket, driven by libcurl and raw sockets, in front
 * of a fake backend that records every call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "api_internal.h"

#define CLIENT_TOKEN "client-token-0123456789abcdef"
#define SECRET_TEXT "TOP-SECRET-OUTSIDE"

/* ---- the fake backend ---- */

typedef struct fake {
    pthread_mutex_t mu;
    int calls;
    char cb[32];
    char id[128];
    char form[16];
    char *body;
    size_t body_len;
    bool accept;
    char version[128];
} fake;

static fake F = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void record(const char *cb, const char *id, const char *form)
{
    pthread_mutex_lock(&F.mu);
    F.calls++;
    snprintf(F.cb, sizeof F.cb, "%s", cb);
    snprintf(F.id, sizeof F.id, "%s", id ? id : "");
    snprintf(F.form, sizeof F.form, "%s", form ? form : "");
    pthread_mutex_unlock(&F.mu);
}

static void fake_reset(void)
{
    pthread_mutex_lock(&F.mu);
    F.calls = 0;
    F.cb[0] = F.id[0] = F.form[0] = F.version[0] = '\0';
    free(F.body);
    F.body = NULL;
    F.body_len = 0;
    F.accept = false;
    pthread_mutex_unlock(&F.mu);
}

static int fake_calls(void)
{
    pthread_mutex_lock(&F.mu);
    int n = F.calls;
    pthread_mutex_unlock(&F.mu);
    return n;
}

static void answer(api_reply *out, int status, const char *cb)
{
    char text[64];
    snprintf(text, sizeof text, "{\"cb\":\"%s\"}", cb);
    out->status = status;
    out->body = strdup(text);
    out->len = strlen(text);
}

static void keep_body(const char *body, size_t len)
{
    pthread_mutex_lock(&F.mu);
    free(F.body);
    F.body = malloc(len + 1);
    memcpy(F.body, body, len);
    F.body[len] = '\0';
    F.body_len = len;
    pthread_mutex_unlock(&F.mu);
}

static void be_health(void *ctx, api_reply *out)
{
    (void)ctx;
    record("health", NULL, NULL);
    answer(out, 200, "health");
}
static void be_sessions(void *ctx, api_reply *out)
{
    (void)ctx;
    record("sessions", NULL, NULL);
    answer(out, 200, "sessions");
}
static void be_session_get(void *ctx, const char *id, api_reply *out)
{
    (void)ctx;
    record("session_get", id, NULL);
    answer(out, 200, "session_get");
}
static void be_session_start(void *ctx, const char *body, size_t len, api_reply *out)
{
    (void)ctx;
    keep_body(body, len);
    record("session_start", NULL, NULL);
    answer(out, 201, "session_start");
}
static void be_session_cancel(void *ctx, const char *id, api_reply *out)
{
    (void)ctx;
    record("session_cancel", id, NULL);
    answer(out, 200, "session_cancel");
}
static void be_session_consent(void *ctx, const char *id, bool accept, const char *version,
                               api_reply *out)
{
    (void)ctx;
    pthread_mutex_lock(&F.mu);
    F.accept = accept;
    snprintf(F.version, sizeof F.version, "%s", version);
    pthread_mutex_unlock(&F.mu);
    record("session_consent", id, NULL);
    answer(out, 200, "session_consent");
}
static void be_record_latest(void *ctx, const char *form, api_reply *out)
{
    (void)ctx;
    record("record_latest", NULL, form);
    answer(out, 200, "record_latest");
    if (strcmp(form, "fhir") == 0)
        out->content_type = "application/fhir+json";
}
static void be_queue(void *ctx, api_reply *out)
{
    (void)ctx;
    record("queue", NULL, NULL);
    answer(out, 200, "queue");
}
static void be_metrics(void *ctx, api_reply *out)
{
    (void)ctx;
    record("metrics", NULL, NULL);
    out->status = 200;
    out->body = strdup("kiosk_up 1\n");
    out->len = strlen(out->body);
    out->content_type = "text/plain; version=0.0.4";
}
static void be_roster_put(void *ctx, const char *csv, size_t len, api_reply *out)
{
    (void)ctx;
    keep_body(csv, len);
    record("roster_put", NULL, NULL);
    answer(out, 200, "roster_put");
}
static void be_roster_get(void *ctx, api_reply *out)
{
    (void)ctx;
    record("roster_get", NULL, NULL);
    answer(out, 200, "roster_get");
}
static void be_roster_results(void *ctx, api_reply *out)
{
    (void)ctx;
    record("roster_results", NULL, NULL);
    out->status = 200;
    out->body = strdup("candidate_id,result\nC-017,pass\n");
    out->len = strlen(out->body);
    out->content_type = "text/csv";
}
static char *be_snapshot(void *ctx)
{
    (void)ctx;
    return strdup("[{\"seq\":7,\"session\":null,\"state\":\"waiting\",\"reader\":\"R0\"},"
                  "{\"seq\":8,\"session\":\"01KSNAP\",\"state\":\"reading\",\"reader\":\"R1\"}]");
}

static const api_backend BACKEND = {
    .health = be_health,
    .sessions = be_sessions,
    .session_get = be_session_get,
    .session_start = be_session_start,
    .session_cancel = be_session_cancel,
    .session_consent = be_session_consent,
    .record_latest = be_record_latest,
    .queue = be_queue,
    .metrics = be_metrics,
    .roster_put = be_roster_put,
    .roster_get = be_roster_get,
    .roster_results = be_roster_results,
    .snapshot = be_snapshot,
};

/* ---- fixture: a temporary tree and a running server ---- */

static char DIR_[64];
static char SCREEN[128], TOKENS[128], SOCK[128];
static api_server *S;

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void write_in(const char *dir, const char *name, const char *text)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    write_file(path, text, strlen(text), 0644);
}

static void make_tree(void)
{
    strcpy(DIR_, "/tmp/test-api-XXXXXX");
    assert_non_null(mkdtemp(DIR_));
    snprintf(SCREEN, sizeof SCREEN, "%s/screen", DIR_);
    snprintf(TOKENS, sizeof TOKENS, "%s/tokens", DIR_);
    snprintf(SOCK, sizeof SOCK, "%s/api.sock", DIR_);
    assert_int_equal(mkdir(SCREEN, 0755), 0);
    write_in(SCREEN, "index.html",
             "<html><meta name=t content=\"{{SCREEN_TOKEN}}\">{{OTHER}}"
             "<i>{{SCREEN_TOKEN}}</i></html>");
    write_in(SCREEN, "app.js", "console.log('app');");
    write_in(SCREEN, "style.css", "body{margin:0}");
    write_in(SCREEN, "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    write_in(SCREEN, "data.json", "{\"vi\":\"Đồng ý\"}");
    write_in(SCREEN, "img.png", "\x89PNG\r\n");
    write_in(SCREEN, "font.woff2", "wOF2");
    write_in(SCREEN, "readme.txt", "not served");
    write_in(SCREEN, ".secret.js", SECRET_TEXT);
    write_in(DIR_, "outside.js", SECRET_TEXT);
    char path[256];
    snprintf(path, sizeof path, "%s/sub", SCREEN);
    assert_int_equal(mkdir(path, 0755), 0);
    write_in(path, "deep.js", "deep()");
    snprintf(path, sizeof path, "%s/link.js", SCREEN);
    char target[256];
    snprintf(target, sizeof target, "%s/outside.js", DIR_);
    assert_int_equal(symlink(target, path), 0);
    snprintf(path, sizeof path, "%s/linkdir", SCREEN);
    assert_int_equal(symlink(DIR_, path), 0);
    const char *tokens = "# kiosk clients\n\nclinic " CLIENT_TOKEN "\r\n"
                         "  other   another-token-000000000000  \n";
    write_file(TOKENS, tokens, strlen(tokens), 0600);
}

static void remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", DIR_);
    assert_int_equal(system(cmd), 0);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    make_tree();
    api_options opt = {.listen = "127.0.0.1:0",
                       .unix_socket = SOCK,
                       .tokens_file = TOKENS,
                       .screen_dir = SCREEN};
    char err[256] = "";
    if (api_start(&opt, &BACKEND, &S, err, sizeof err) != KS_OK) {
        fprintf(stderr, "api_start: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    api_stop(S);
    remove_tree();
    fake_reset();
    curl_global_cleanup();
    return 0;
}

static int each_setup(void **state)
{
    (void)state;
    fake_reset();
    return 0;
}

/* ---- HTTP through libcurl ---- */

typedef struct http_res {
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
} http_res;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    http_res *r = ud;
    size_t add = size * n;
    char *b = realloc(r->body, r->len + add + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, p, add);
    r->body = b;
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    http_res *r = ud;
    size_t add = size * n;
    if (r->hlen + add < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, add);
        r->hlen += add;
        r->headers[r->hlen] = '\0';
    }
    return add;
}

typedef struct http_opts {
    const char *token;       /* sent as "Bearer token"; NULL = no header */
    const char *body;
    size_t body_len;
    const char *content_type;
    bool via_unix;
    bool chunked;            /* send the body with Transfer-Encoding: chunked */
} http_opts;

typedef struct chunk_src {
    const char *p;
    size_t left;
} chunk_src;

static size_t feed_body(char *buf, size_t size, size_t n, void *ud)
{
    chunk_src *c = ud;
    size_t take = size * n < c->left ? size * n : c->left;
    memcpy(buf, c->p, take);
    c->p += take;
    c->left -= take;
    return take;
}

static void http(const char *method, const char *path, const http_opts *o, http_res *r)
{
    static const http_opts none;
    if (!o)
        o = &none;
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[2048];
    if (o->via_unix) {
        snprintf(url, sizeof url, "http://localhost%s", path);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, SOCK);
    } else {
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", api_port(S), path);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    struct curl_slist *h = NULL;
    char line[256];
    if (o->token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", o->token);
        h = curl_slist_append(h, line);
    }
    if (o->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", o->content_type);
        h = curl_slist_append(h, line);
    }
    chunk_src src = {o->body, o->body_len};
    if (o->chunked) {
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, feed_body);
        curl_easy_setopt(c, CURLOPT_READDATA, &src);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (o->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        fprintf(stderr, "curl %s %s: %s\n", method, path, curl_easy_strerror(rc));
    assert_int_equal(rc, CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r->body)
        r->body = calloc(1, 1);
}

/* Whether the response carried this "Name: value" (name case-insensitive). */
static bool has_header(const http_res *r, const char *line)
{
    const char *colon = strchr(line, ':');
    size_t nlen = (size_t)(colon - line);
    for (const char *p = r->headers; *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len == strlen(line) && strncasecmp(p, line, nlen) == 0 &&
            strncmp(p + nlen, colon, len - nlen) == 0)
            return true;
        if (!eol)
            break;
        p = eol + 2;
    }
    return false;
}

static void http_free(http_res *r)
{
    free(r->body);
    r->body = NULL;
}

static long status_of(const char *method, const char *path, const http_opts *o)
{
    http_res r;
    http(method, path, o, &r);
    http_free(&r);
    return r.status;
}

static http_opts as_client(void)
{
    return (http_opts){.token = CLIENT_TOKEN};
}

static http_opts as_screen(void)
{
    return (http_opts){.token = api_screen_token(S)};
}

static void expect_call(const char *method, const char *path, const http_opts *o,
                        long status, const char *cb)
{
    fake_reset();
    http_res r;
    http(method, path, o, &r);
    if (r.status != status)
        fprintf(stderr, "%s %s -> %ld %s\n", method, path, r.status, r.body);
    assert_int_equal(r.status, status);
    assert_int_equal(fake_calls(), 1);
    assert_string_equal(F.cb, cb);
    char want[64];
    snprintf(want, sizeof want, "{\"cb\":\"%s\"}", cb);
    if (strcmp(cb, "metrics") != 0 && strcmp(cb, "roster_results") != 0)
        assert_string_equal(r.body, want);
    http_free(&r);
}

/* ---- endpoints ---- */

static void every_endpoint_reaches_its_callback_with_its_arguments(void **state)
{
    (void)state;
    http_opts c = as_client();
    expect_call("GET", "/api/v1/health", &c, 200, "health");
    expect_call("GET", "/api/v1/sessions", &c, 200, "sessions");
    expect_call("GET", "/api/v1/sessions/01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M", &c, 200, "session_get");
    assert_string_equal(F.id, "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M");
    expect_call("POST", "/api/v1/sessions/01KA9RJ/cancel", &c, 200, "session_cancel");
    assert_string_equal(F.id, "01KA9RJ");

    const char *start = "{\"reader\":\"Virtual PCD 00 00\",\"candidate_id\":\"C-017\"}";
    c.body = start;
    c.body_len = strlen(start);
    c.content_type = "application/json";
    expect_call("POST", "/api/v1/sessions", &c, 201, "session_start");
    assert_int_equal(F.body_len, strlen(start));
    assert_string_equal(F.body, start);

    /* Members beyond reader and candidate_id are the backend's to judge. */
    const char *qr = "{\"qr\":\"001099012345||A|15081999|Nam|X|20042021\"}";
    c.body = qr;
    c.body_len = strlen(qr);
    expect_call("POST", "/api/v1/sessions", &c, 201, "session_start");
    assert_string_equal(F.body, qr);

    /* No body at all starts a session with the defaults. */
    c = as_client();
    expect_call("POST", "/api/v1/sessions", &c, 201, "session_start");
    assert_string_equal(F.body, "{}");

    const char *consent = "{ \"accept\": false, \"text_version\": \"vi-2026-01\" }\n";
    c.body = consent;
    c.body_len = strlen(consent);
    expect_call("POST", "/api/v1/sessions/S-1_x/consent", &c, 200, "session_consent");
    assert_string_equal(F.id, "S-1_x");
    assert_false(F.accept);
    assert_string_equal(F.version, "vi-2026-01");
    consent = "{\"text_version\":\"vi-2026-01\",\"accept\":true}";
    c.body = consent;
    c.body_len = strlen(consent);
    expect_call("POST", "/api/v1/sessions/S-2/consent", &c, 200, "session_consent");
    assert_true(F.accept);

    c = as_client();
    expect_call("GET", "/api/v1/records/latest", &c, 200, "record_latest");
    assert_string_equal(F.form, "record");
    expect_call("GET", "/api/v1/records/latest/guest", &c, 200, "record_latest");
    assert_string_equal(F.form, "guest");
    http_res r;
    http("GET", "/api/v1/records/latest/fhir", &c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(F.form, "fhir");
    assert_true(has_header(&r, "Content-Type: application/fhir+json"));
    http_free(&r);

    expect_call("GET", "/api/v1/queue", &c, 200, "queue");
    http("GET", "/metrics", &c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(F.cb, "metrics");
    assert_string_equal(r.body, "kiosk_up 1\n");
    assert_true(has_header(&r, "Content-Type: text/plain; version=0.0.4"));
    http_free(&r);

    const char *csv = "candidate_id,name,licence_class\nC-017,Test A,B2\n";
    c.body = csv;
    c.body_len = strlen(csv);
    c.content_type = "text/csv; charset=utf-8";
    expect_call("PUT", "/api/v1/roster", &c, 200, "roster_put");
    assert_string_equal(F.body, csv);
    c = as_client();
    expect_call("GET", "/api/v1/roster", &c, 200, "roster_get");
    http("GET", "/api/v1/roster/results.csv", &c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(F.cb, "roster_results");
    assert_true(has_header(&r, "Content-Type: text/csv"));
    http_free(&r);

    /* JSON answers say so, and every answer carries the safety headers. */
    http("GET", "/api/v1/health", &c, &r);
    assert_true(has_header(&r, "Content-Type: application/json"));
    assert_true(has_header(&r, "Cache-Control: no-store"));
    assert_true(has_header(&r, "X-Content-Type-Options: nosniff"));
    http_free(&r);
}

static void the_unix_socket_serves_the_same_api(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(SOCK, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660);
    http_opts c = as_client();
    c.via_unix = true;
    expect_call("GET", "/api/v1/health", &c, 200, "health");
    expect_call("GET", "/api/v1/records/latest/guest", &c, 200, "record_latest");
    c.token = NULL;
    assert_int_equal(status_of("GET", "/api/v1/health", &c), 401);
}

static void a_missing_or_wrong_token_is_401(void **state)
{
    (void)state;
    const char *paths[] = {"/api/v1/health", "/api/v1/sessions", "/api/v1/queue", "/metrics",
                           "/api/v1/events", "/api/v1/records/latest"};
    http_opts wrong = {.token = "client-token-0123456789abcdeF"};
    http_opts prefix = {.token = "client-token"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_res r;
        http("GET", paths[i], NULL, &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.body, "\"error\":\"unauthorized\""));
        assert_true(has_header(&r, "WWW-Authenticate: Bearer"));
        assert_true(has_header(&r, "Content-Type: application/json"));
        http_free(&r);
        assert_int_equal(status_of("GET", paths[i], &wrong), 401);
        assert_int_equal(status_of("GET", paths[i], &prefix), 401);
    }
    /* A token must come as a Bearer credential. */
    fake_reset();
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/api/v1/health", api_port(S));
    curl_easy_setopt(c, CURLOPT_URL, url);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Basic " CLIENT_TOKEN);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    http_res r = {0};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 401);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(r.body);
    /* The second token of the file works as well. */
    http_opts other = {.token = "another-token-000000000000"};
    assert_int_equal(status_of("GET", "/api/v1/queue", &other), 200);
    assert_int_equal(fake_calls(), 1);
}

static void the_screen_role_is_403_on_client_only_endpoints(void **state)
{
    (void)state;
    http_opts sc = as_screen();
    const char *forbidden[][2] = {
        {"GET", "/api/v1/records/latest"}, {"GET", "/api/v1/records/latest/fhir"},
        {"GET", "/api/v1/records/latest/guest"}, {"GET", "/api/v1/queue"},
        {"GET", "/metrics"}, {"GET", "/api/v1/roster"}, {"PUT", "/api/v1/roster"},
        {"GET", "/api/v1/roster/results.csv"},
    };
    fake_reset();
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        http_res r;
        http_opts o = sc;
        if (strcmp(forbidden[i][0], "PUT") == 0) {
            o.body = "a,b\n";
            o.body_len = 4;
            o.content_type = "text/csv";
        }
        http(forbidden[i][0], forbidden[i][1], &o, &r);
        assert_int_equal(r.status, 403);
        assert_non_null(strstr(r.body, "\"error\":\"forbidden\""));
        http_free(&r);
    }
    assert_int_equal(fake_calls(), 0);

    /* What the screen needs, it may do. */
    expect_call("GET", "/api/v1/health", &sc, 200, "health");
    expect_call("GET", "/api/v1/sessions", &sc, 200, "sessions");
    expect_call("GET", "/api/v1/sessions/abc", &sc, 200, "session_get");
    expect_call("POST", "/api/v1/sessions", &sc, 201, "session_start");
    expect_call("POST", "/api/v1/sessions/abc/cancel", &sc, 200, "session_cancel");
    sc.body = "{\"accept\":true,\"text_version\":\"vi-2026-01\"}";
    sc.body_len = strlen(sc.body);
    expect_call("POST", "/api/v1/sessions/abc/consent", &sc, 200, "session_consent");
}

/* ---- the screen's files ---- */

static void index_html_gets_the_screen_token_only_at_its_placeholder(void **state)
{
    (void)state;
    const char *tok = api_screen_token(S);
    assert_int_equal(strlen(tok), 64);
    char want[512];
    snprintf(want, sizeof want,
             "<html><meta name=t content=\"%s\">{{OTHER}}<i>%s</i></html>", tok, tok);
    const char *paths[] = {"/", "/index.html"};
    for (size_t i = 0; i < 2; i++) {
        http_res r;
        http("GET", paths[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, want);
        assert_true(has_header(&r, "Content-Type: text/html; charset=utf-8"));
        assert_true(has_header(&r, "Cache-Control: no-store"));
        assert_true(has_header(&r, "X-Content-Type-Options: nosniff"));
        assert_true(has_header(&r, "Content-Security-Policy: default-src 'self'; "
                                   "img-src 'self' data:; connect-src 'self'"));
        http_free(&r);
    }
    /* A unix-socket peer is not the screen: the page comes without a token. */
    http_opts u = {.via_unix = true};
    http_res r;
    http("GET", "/", &u, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<html><meta name=t content=\"\">{{OTHER}}<i></i></html>");
    http_free(&r);
}

static void static_files_carry_their_content_types(void **state)
{
    (void)state;
    const char *files[][3] = {
        {"/app.js", "text/javascript; charset=utf-8", "console.log('app');"},
        {"/style.css", "text/css; charset=utf-8", "body{margin:0}"},
        {"/logo.svg", "image/svg+xml", NULL},
        {"/img.png", "image/png", NULL},
        {"/data.json", "application/json", "{\"vi\":\"Đồng ý\"}"},
        {"/font.woff2", "font/woff2", "wOF2"},
        {"/sub/deep.js", "text/javascript; charset=utf-8", "deep()"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        http_res r;
        http("GET", files[i][0], NULL, &r);
        assert_int_equal(r.status, 200);
        char h[128];
        snprintf(h, sizeof h, "Content-Type: %s", files[i][1]);
        assert_true(has_header(&r, h));
        assert_true(has_header(&r, "X-Content-Type-Options: nosniff"));
        if (files[i][2])
            assert_string_equal(r.body, files[i][2]);
        http_free(&r);
    }
    /* Other types, directories and absent files are not served. */
    assert_int_equal(status_of("GET", "/readme.txt", NULL), 404);
    assert_int_equal(status_of("GET", "/sub", NULL), 404);
    assert_int_equal(status_of("GET", "/sub/", NULL), 404);
    assert_int_equal(status_of("GET", "/nothing.js", NULL), 404);
}

static void path_traversal_is_refused(void **state)
{
    (void)state;
    const char *attacks[] = {
        "/../outside.js",          "/sub/../../outside.js",   "/%2e%2e/outside.js",
        "/%2E%2E/outside.js",      "/sub/%2e%2e/%2e%2e/outside.js",
        "/..%2foutside.js",        "//etc/passwd",            "/%2Fetc%2Fpasswd",
        "/%2fetc/passwd",          "/index.html%00.png",      "/app.js%00",
        "/.secret.js",             "/%2esecret.js",           "/link.js",
        "/linkdir/outside.js",     "/sub/./deep.js",          "/..\\outside.js",
        "/%5c..%5coutside.js",     "/%zz",                    "/%2",
        "/api/v1/../../outside.js", "/./index.html",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        http_res r;
        http("GET", attacks[i], NULL, &r);
        if (r.status != 400 && r.status != 404)
            fprintf(stderr, "%s -> %ld\n", attacks[i], r.status);
        assert_true(r.status == 400 || r.status == 404);
        assert_null(strstr(r.body, SECRET_TEXT));
        assert_null(strstr(r.body, "root:"));
        http_free(&r);
    }
    assert_int_equal(status_of("GET", "/index.html%00.png", NULL), 400);
    assert_int_equal(status_of("GET", "/%2e%2e/outside.js", NULL), 404);

    /* An absolute path in the request line ("absolute-form" or not). */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)api_port(S))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *req = "GET /etc/passwd HTTP/1.0\r\n\r\n";
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    char buf[256] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    assert_true(n > 12);
    assert_memory_equal(buf + 9, "404", 3);
    close(fd);
}

/* ---- routing errors ---- */

static void unknown_routes_are_404(void **state)
{
    (void)state;
    http_opts c = as_client();
    const char *paths[] = {"/api/v1/nope",       "/api/v1/health/",       "/api/v2/health",
                           "/api/v1",            "/api",                  "/metrics/x",
                           "/api/v1/sessions/a$b", "/api/v1/sessions/a/b", "/api/v1/records",
                           "/api/v1/records/latest/xml", "/api/v1/sessions//cancel",
                           ("/api/v1/sessions/"
                            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")};
    fake_reset();
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_res r;
        http("GET", paths[i], &c, &r);
        if (r.status != 404)
            fprintf(stderr, "%s -> %ld\n", paths[i], r.status);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(r.body, "\"error\":\"not_found\""));
        http_free(&r);
    }
    assert_int_equal(fake_calls(), 0);
}

static void a_wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    http_opts c = as_client();
    const char *cases[][3] = {
        {"DELETE", "/api/v1/health", "Allow: GET"},
        {"POST", "/api/v1/health", "Allow: GET"},
        {"GET", "/api/v1/sessions/x/cancel", "Allow: POST"},
        {"PUT", "/api/v1/sessions", "Allow: GET, POST"},
        {"POST", "/api/v1/roster", "Allow: GET, PUT"},
        {"POST", "/metrics", "Allow: GET"},
        {"POST", "/index.html", "Allow: GET"},
        {"PATCH", "/api/v1/events", "Allow: GET"},
    };
    fake_reset();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_res r;
        http(cases[i][0], cases[i][1], &c, &r);
        assert_int_equal(r.status, 405);
        assert_true(has_header(&r, cases[i][2]));
        assert_non_null(strstr(r.body, "method_not_allowed"));
        http_free(&r);
    }
    assert_int_equal(fake_calls(), 0);
}

static void bodies_over_one_mebibyte_are_413(void **state)
{
    (void)state;
    size_t big = API_BODY_MAX + 1;
    char *body = malloc(big);
    memset(body, ' ', big);
    body[0] = '{';
    body[big - 1] = '}';
    fake_reset();
    http_opts c = as_client();
    c.body = body;
    c.body_len = big;
    c.content_type = "application/json";
    http_res r;
    http("POST", "/api/v1/sessions", &c, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "payload_too_large"));
    http_free(&r);
    /* Without a Content-Length, counted as it arrives. */
    c.chunked = true;
    http("POST", "/api/v1/sessions/abc/consent", &c, &r);
    assert_int_equal(r.status, 413);
    http_free(&r);
    c.chunked = false;
    c.content_type = "text/csv";
    assert_int_equal(status_of("PUT", "/api/v1/roster", &c), 413);
    assert_int_equal(fake_calls(), 0);

    /* Exactly 1 MiB is accepted. */
    c.body_len = API_BODY_MAX;
    body[API_BODY_MAX - 1] = '\n';
    expect_call("PUT", "/api/v1/roster", &c, 200, "roster_put");
    assert_int_equal(F.body_len, API_BODY_MAX);
    /* A roster in anything but CSV is refused. */
    c.content_type = "application/json";
    c.body_len = 3;
    assert_int_equal(status_of("PUT", "/api/v1/roster", &c), 415);
    free(body);
}

static void malformed_json_bodies_are_400(void **state)
{
    (void)state;
    const char *consent[] = {
        "",
        "not json",
        "[]",
        "null",
        "{\"accept\":\"yes\",\"text_version\":\"vi-2026-01\"}",
        "{\"accept\":1,\"text_version\":\"vi-2026-01\"}",
        "{\"accept\":true,\"text_version\":2026}",
        "{\"accept\":true,\"text_version\":null}",
        "{\"accept\":true}",
        "{\"text_version\":\"vi-2026-01\"}",
        "{\"accept\":true,\"text_version\":\"\"}",
        ("{\"accept\":true,\"text_version\":"
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"),
        "{\"accept\":true,\"text_version\":\"vi\\n2026\"}",
        "{\"accept\":true,\"text_version\":\"vi-2026-01\",\"extra\":1}",
        "{\"accept\":true,\"text_version\":\"vi-2026-01\"} trailing",
        "{\"accept\":true,\"text_version\":\"vi-2026-01\"}{}",
        "{\"accept\":true,\"text_version\":\"vi-2026-01\"",
        "{'accept':true,'text_version':'vi-2026-01'}",
        "{\"accept\":true,\"text_version\":\"vi-2026-01\",}",
    };
    http_opts c = as_screen();
    fake_reset();
    for (size_t i = 0; i < sizeof consent / sizeof consent[0]; i++) {
        c.body = consent[i];
        c.body_len = strlen(consent[i]);
        http_res r;
        http("POST", "/api/v1/sessions/abc/consent", &c, &r);
        if (r.status != 400)
            fprintf(stderr, "consent %s -> %ld\n", consent[i], r.status);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "\"error\":\"bad_request\""));
        http_free(&r);
    }
    const char *start[] = {"{\"reader\":1}", "[]", "{", "{\"candidate_id\":\"\"}",
                           "{\"reader\":\"R\",\"candidate_id\":7}", "\"text\"",
                           "{\"reader\":\"a\\u0000b\"}"};
    for (size_t i = 0; i < sizeof start / sizeof start[0]; i++) {
        c.body = start[i];
        c.body_len = strlen(start[i]);
        assert_int_equal(status_of("POST", "/api/v1/sessions", &c), 400);
    }
    /* A NUL inside the JSON is not glossed over. */
    static const char nul[] = "{\"accept\":true,\"text_version\":\"vi\"}\0{}";
    c.body = nul;
    c.body_len = sizeof nul - 1;
    assert_int_equal(status_of("POST", "/api/v1/sessions/abc/consent", &c), 400);
    assert_int_equal(fake_calls(), 0);
}

/* ---- Server-Sent Events over a raw socket ---- */

typedef struct sse_conn {
    int fd;
    char raw[1 << 16];
    size_t rawlen;
    char text[1 << 16]; /* the body, de-chunked */
    bool eof;
} sse_conn;

static void sse_open(sse_conn *c, const char *token)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)api_port(S))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Accept: text/event-stream\r\nAuthorization: Bearer %s\r\n\r\n",
                     token);
    assert_int_equal(write(c->fd, req, (size_t)n), n);
}

static void sse_close(sse_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Rebuilds text from the chunked body received so far. */
static void dechunk(sse_conn *c)
{
    c->text[0] = '\0';
    c->raw[c->rawlen] = '\0';
    char *p = strstr(c->raw, "\r\n\r\n");
    if (!p)
        return;
    p += 4;
    size_t t = 0;
    char *end = c->raw + c->rawlen;
    while (p < end) {
        char *eol = strstr(p, "\r\n");
        if (!eol)
            break;
        unsigned long size = strtoul(p, NULL, 16);
        if (size == 0 || eol + 2 + size > end)
            break;
        memcpy(c->text + t, eol + 2, size);
        t += size;
        p = eol + 2 + size + 2;
    }
    c->text[t] = '\0';
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads until the body contains needle; false on timeout or end of stream. */
static bool sse_wait_for(sse_conn *c, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        dechunk(c);
        if (strstr(c->text, needle))
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || c->eof)
            return false;
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        ssize_t n = read(c->fd, c->raw + c->rawlen, sizeof c->raw - 1 - c->rawlen);
        if (n <= 0)
            c->eof = true;
        else
            c->rawlen += (size_t)n;
    }
}

typedef struct sse_ev {
    char name[32];
    long long id; /* -1: none */
    char data[256];
} sse_ev;

/* The events (blocks with data) in text, in order. */
static size_t parse_events(const char *text, sse_ev *evs, size_t cap)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < cap) {
        const char *end = strstr(p, "\n\n");
        if (!end)
            break;
        sse_ev ev = {.id = -1};
        bool has_data = false;
        for (const char *line = p; line < end;) {
            const char *eol = memchr(line, '\n', (size_t)(end - line));
            if (!eol)
                eol = end;
            size_t len = (size_t)(eol - line);
            if (len > 7 && strncmp(line, "event: ", 7) == 0)
                snprintf(ev.name, sizeof ev.name, "%.*s", (int)(len - 7), line + 7);
            else if (len > 4 && strncmp(line, "id: ", 4) == 0)
                ev.id = strtoll(line + 4, NULL, 10);
            else if (len > 6 && strncmp(line, "data: ", 6) == 0) {
                snprintf(ev.data, sizeof ev.data, "%.*s", (int)(len - 6), line + 6);
                has_data = true;
            }
            line = eol + 1;
        }
        if (has_data)
            evs[n++] = ev;
        p = end + 2;
    }
    return n;
}

static void sse_sends_a_snapshot_then_events_in_order(void **state)
{
    (void)state;
    sse_conn *c = malloc(sizeof *c);
    sse_open(c, api_screen_token(S));
    assert_true(sse_wait_for(c, "\"seq\":8", 5000));
    assert_non_null(strstr(c->raw, "HTTP/1.1 200"));
    assert_non_null(strstr(c->raw, "Content-Type: text/event-stream"));
    for (int i = 0; i < 5; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"seq\":%d,\"state\":\"reading\"}", 100 + i);
        api_publish(S, "session", json);
    }
    assert_true(sse_wait_for(c, "\"seq\":104", 5000));
    sse_ev evs[16];
    size_t n = parse_events(c->text, evs, 16);
    assert_int_equal(n, 7);
    assert_string_equal(evs[0].name, "session");
    assert_non_null(strstr(evs[0].data, "\"seq\":7"));
    assert_non_null(strstr(evs[1].data, "\"seq\":8"));
    for (size_t i = 2; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "\"seq\":%zu", 100 + i - 2);
        assert_string_equal(evs[i].name, "session");
        assert_non_null(strstr(evs[i].data, want));
        assert_true(evs[i].id > 0);
        if (i > 2)
            assert_int_equal(evs[i].id, evs[i - 1].id + 1);
    }
    sse_close(c);
    free(c);
}

static void sse_serves_several_clients_and_survives_one_leaving(void **state)
{
    (void)state;
    enum { N = 3 };
    sse_conn *c[N];
    for (int i = 0; i < N; i++) {
        c[i] = malloc(sizeof *c[i]);
        sse_open(c[i], i == 0 ? CLIENT_TOKEN : api_screen_token(S));
        assert_true(sse_wait_for(c[i], "\"seq\":8", 5000));
    }
    api_publish(S, "session", "{\"seq\":200}");
    for (int i = 0; i < N; i++)
        assert_true(sse_wait_for(c[i], "\"seq\":200", 5000));
    /* One client goes away without a word; publishing carries on. */
    sse_close(c[1]);
    for (int k = 1; k <= 20; k++) {
        char json[32];
        snprintf(json, sizeof json, "{\"seq\":%d}", 200 + k);
        api_publish(S, "session", json);
    }
    assert_true(sse_wait_for(c[0], "\"seq\":220", 5000));
    assert_true(sse_wait_for(c[2], "\"seq\":220", 5000));
    sse_ev evs[64];
    size_t n0 = parse_events(c[0]->text, evs, 64);
    assert_int_equal(n0, 2 + 21);
    for (size_t i = 3; i < n0; i++)
        assert_int_equal(evs[i].id, evs[i - 1].id + 1);
    /* The server still answers everything else. */
    http_opts cl = as_client();
    expect_call("GET", "/api/v1/health", &cl, 200, "health");
    /* A multi-line JSON cannot break the framing. */
    api_publish(S, "session", "{\"seq\":300,\n\"state\":\"done\"}");
    assert_true(sse_wait_for(c[2], "data: \"state\":\"done\"}\n\n", 5000));
    for (int i = 0; i < N; i++) {
        sse_close(c[i]);
        free(c[i]);
    }
}

static void api_stop_ends_every_stream_promptly(void **state)
{
    (void)state;
    api_server *saved = S;
    api_options opt = {.listen = "127.0.0.1:0", .tokens_file = TOKENS};
    char err[256];
    assert_int_equal(api_start(&opt, &BACKEND, &S, err, sizeof err), KS_OK);
    sse_conn *c[2];
    for (int i = 0; i < 2; i++) {
        c[i] = malloc(sizeof *c[i]);
        sse_open(c[i], CLIENT_TOKEN);
        assert_true(sse_wait_for(c[i], "\"seq\":8", 5000));
    }
    long long t0 = now_ms();
    api_stop(S);
    long long took = now_ms() - t0;
    assert_true(took < 3000);
    for (int i = 0; i < 2; i++) {
        assert_false(sse_wait_for(c[i], "never", 3000));
        assert_true(c[i]->eof);
        sse_close(c[i]);
        free(c[i]);
    }
    S = saved;
}

/* The hub itself: a client 256 events behind is dropped, the others not. */
static void a_client_falling_too_far_behind_is_dropped(void **state)
{
    (void)state;
    api_sse_hub *h = NULL;
    assert_int_equal(api_sse_hub_new(&h), KS_OK);
    api_sse_client *slow = api_sse_attach(h);
    api_sse_client *fast = api_sse_attach(h);
    assert_non_null(slow);
    assert_non_null(fast);
    char buf[4096];
    for (int i = 0; i < API_SSE_BACKLOG + 1; i++) {
        assert_true(api_sse_publish(h, "session", "{\"seq\":1}"));
        ssize_t n = api_sse_read(fast, 0, buf, sizeof buf);
        assert_true(n > 0);
        buf[n] = '\0';
        char id[32];
        snprintf(id, sizeof id, "id: %d\n", i + 1);
        assert_non_null(strstr(buf, id));
    }
    assert_int_equal(api_sse_read(slow, 0, buf, sizeof buf), MHD_CONTENT_READER_END_WITH_ERROR);
    /* Bad names are refused rather than sent. */
    assert_false(api_sse_publish(h, "bad\nname", "{}"));
    assert_false(api_sse_publish(h, "", "{}"));
    /* A small reader buffer gets an event in pieces, nothing lost. */
    assert_true(api_sse_publish(h, "session", "{\"seq\":2}"));
    char piece[4], whole[128] = "";
    for (;;) {
        ssize_t n = api_sse_read(fast, 0, piece, sizeof piece);
        assert_true(n > 0);
        strncat(whole, piece, (size_t)n);
        if (strstr(whole, "\n\n"))
            break;
    }
    assert_string_equal(whole, "event: session\nid: 258\ndata: {\"seq\":2}\n\n");
    api_sse_hub_stop(h);
    assert_int_equal(api_sse_read(fast, 0, buf, sizeof buf), MHD_CONTENT_READER_END_OF_STREAM);
    assert_null(api_sse_attach(h));
    api_sse_detach(slow);
    api_sse_detach(fast);
    api_sse_hub_free(h);
}

/* ---- start-up rules ---- */

static void a_non_loopback_listen_address_is_refused(void **state)
{
    (void)state;
    const char *refused[] = {"0.0.0.0:0",   "192.168.1.10:0", "10.0.0.1:8470", "[::]:0",
                             "[fe80::1]:0", "8.8.8.8:53",     "127.0.0.1",     "127.0.0.1:",
                             "127.0.0.1:99999", "127.0.0.1:x", "::1:80",       "[::1]80",
                             "example.com:80", ":80"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        api_options opt = {.listen = refused[i]};
        api_server *s = (api_server *)1;
        char err[256] = "";
        assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_ERR_ARG);
        assert_null(s);
        assert_true(strlen(err) > 0);
    }
    api_options ok = {.listen = "localhost:0"};
    api_server *s = NULL;
    char err[256];
    assert_int_equal(api_start(&ok, &BACKEND, &s, err, sizeof err), KS_OK);
    assert_true(api_port(s) > 0);
    api_stop(s);
    /* IPv6 loopback, where the machine has it. */
    api_options v6 = {.listen = "[::1]:0"};
    ks_status st = api_start(&v6, &BACKEND, &s, err, sizeof err);
    assert_true(st == KS_OK || st == KS_ERR_IO);
    if (st == KS_OK)
        api_stop(s);
}

static void a_tokens_file_others_can_read_is_refused(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/tokens-open", DIR_);
    const char *text = "ops " CLIENT_TOKEN "\n";
    api_server *s = NULL;
    char err[256];
    api_options opt = {.tokens_file = path};

    write_file(path, text, strlen(text), 0644);
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_ERR_ARG);
    assert_non_null(strstr(err, "others"));
    write_file(path, text, strlen(text), 0602);
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_ERR_ARG);
    write_file(path, text, strlen(text), 0640);
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_OK);
    api_stop(s);

    /* A bad line is named by number; the message never shows a token. */
    const char *bad = "ops " CLIENT_TOKEN "\nshort tooshort\n";
    write_file(path, bad, strlen(bad), 0600);
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_ERR_ARG);
    assert_non_null(strstr(err, "line 2"));
    assert_null(strstr(err, "tooshort"));
    const char *three = "ops " CLIENT_TOKEN " extra\n";
    write_file(path, three, strlen(three), 0600);
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_ERR_ARG);
    opt.tokens_file = "/nonexistent/tokens";
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_ERR_IO);
    api_options nodir = {.screen_dir = "/nonexistent/screen"};
    assert_int_equal(api_start(&nodir, &BACKEND, &s, err, sizeof err), KS_ERR_ARG);
    unlink(path);
}

static void api_route_works_without_listening(void **state)
{
    (void)state;
    api_options opt = {.tokens_file = TOKENS};
    api_server *s = NULL;
    char err[256];
    assert_int_equal(api_start(&opt, &BACKEND, &s, err, sizeof err), KS_OK);
    assert_int_equal(api_port(s), 0);
    api_request req = {.method = "GET", .path = "/api/v1/events",
                       .authorization = "bearer  " CLIENT_TOKEN};
    api_reply out;
    api_route(s, &req, &out);
    assert_int_equal(out.status, 200);
    assert_string_equal(out.content_type, "text/event-stream");
    assert_non_null(strstr(out.body, "event: session\ndata: {\"seq\":7"));
    free(out.body);
    /* A backend without a callback gives 501, not a crash. */
    api_backend empty = {0};
    api_server *e = NULL;
    assert_int_equal(api_start(&opt, &empty, &e, err, sizeof err), KS_OK);
    req.path = "/api/v1/queue";
    api_route(e, &req, &out);
    assert_int_equal(out.status, 501);
    free(out.body);
    /* No screen directory: nothing outside the API exists. */
    req.path = "/";
    api_route(e, &req, &out);
    assert_int_equal(out.status, 404);
    free(out.body);
    api_stop(e);
    api_stop(s);
}

static void the_log_names_routes_but_never_ids_tokens_or_bodies(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/stderr.log", DIR_);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
    http_opts c = as_client();
    assert_int_equal(status_of("GET", "/api/v1/sessions/SECRETID12345", &c), 200);
    c.body = "{\"accept\":true,\"text_version\":\"SECRETBODY\"}";
    c.body_len = strlen(c.body);
    assert_int_equal(status_of("POST", "/api/v1/sessions/SECRETID12345/consent", &c), 200);
    http_opts wrong = {.token = "SECRETWRONGTOKEN-0000"};
    assert_int_equal(status_of("GET", "/api/v1/sessions/SECRETID12345", &wrong), 401);
    assert_int_equal(status_of("GET", "/SECRETFILE.js", NULL), 404);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    char log[8192];
    size_t n = fread(log, 1, sizeof log - 1, f);
    fclose(f);
    log[n] = '\0';
    assert_non_null(strstr(log, "api: GET /api/v1/sessions/{id} 200\n"));
    assert_non_null(strstr(log, "api: POST /api/v1/sessions/{id}/consent 200\n"));
    assert_non_null(strstr(log, "api: GET /api/v1/sessions/{id} 401\n"));
    assert_non_null(strstr(log, "api: GET /{static} 404\n"));
    assert_null(strstr(log, "SECRET"));
    assert_null(strstr(log, CLIENT_TOKEN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(every_endpoint_reaches_its_callback_with_its_arguments,
                               each_setup),
        cmocka_unit_test_setup(the_unix_socket_serves_the_same_api, each_setup),
        cmocka_unit_test_setup(a_missing_or_wrong_token_is_401, each_setup),
        cmocka_unit_test_setup(the_screen_role_is_403_on_client_only_endpoints, each_setup),
        cmocka_unit_test_setup(index_html_gets_the_screen_token_only_at_its_placeholder,
                               each_setup),
        cmocka_unit_test_setup(static_files_carry_their_content_types, each_setup),
        cmocka_unit_test_setup(path_traversal_is_refused, each_setup),
        cmocka_unit_test_setup(unknown_routes_are_404, each_setup),
        cmocka_unit_test_setup(a_wrong_method_is_405_with_allow, each_setup),
        cmocka_unit_test_setup(bodies_over_one_mebibyte_are_413, each_setup),
        cmocka_unit_test_setup(malformed_json_bodies_are_400, each_setup),
        cmocka_unit_test_setup(sse_sends_a_snapshot_then_events_in_order, each_setup),
        cmocka_unit_test_setup(sse_serves_several_clients_and_survives_one_leaving, each_setup),
        cmocka_unit_test_setup(api_stop_ends_every_stream_promptly, each_setup),
        cmocka_unit_test(a_client_falling_too_far_behind_is_dropped),
        cmocka_unit_test(a_non_loopback_listen_address_is_refused),
        cmocka_unit_test(a_tokens_file_others_can_read_is_refused),
        cmocka_unit_test(api_route_works_without_listening),
        cmocka_unit_test_setup(the_log_names_routes_but_never_ids_tokens_or_bodies, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
