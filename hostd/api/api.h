/*
 * api.h — kioskd's local HTTP API (libmicrohttpd): REST for sessions, the
 * latest verified record in each mode's shape, queue status, health,
 * Prometheus metrics, Server-Sent Events of session state, and the kiosk
 * screen's static files. docs/local-api.yaml is the normative description.
 *
 * The API knows HTTP, not sessions: every answer's content comes from an
 * api_backend the daemon provides (hostd/session/), so this module is tested
 * with a fake backend and the daemon's logic is tested without HTTP.
 *
 * Listening: a loopback TCP address ("127.0.0.1:8470"; a non-loopback
 * address is refused) and/or a unix socket path (mode 0660). The screen can
 * only use TCP (Chromium does not speak HTTP over unix sockets).
 *
 * Authentication: every /api/ and /metrics request carries
 * "Authorization: Bearer TOKEN". Two roles:
 *  - API_ROLE_CLIENT: tokens from the tokens file (one per line,
 *    "NAME TOKEN", '#' comments; the file must not be readable by others).
 *    May do everything.
 *  - API_ROLE_SCREEN: one random token made at start-up, written into the
 *    screen's index.html where it says {{SCREEN_TOKEN}} when the page is
 *    served to a loopback TCP peer (a unix-socket peer gets the page with the
 *    placeholder removed). May read health, sessions and events and start,
 *    cancel or consent; never records, roster, queue or metrics.
 * A missing or unknown token is 401, a role without the right 403. Tokens
 * are compared in constant time and never logged.
 *
 * Threads: libmicrohttpd runs one thread per connection (an SSE stream waits
 * in its own); those threads call the backend, which must be thread-safe.
 * api_publish() may be called from any thread until api_stop(); each
 * connected SSE client first receives the snapshot (one "session" event per
 * element, without an id), then every event published after it connected,
 * in order, with increasing ids (an event published while it connects may
 * also be in the snapshot: "seq" tells). A slow client that falls 256
 * events behind is disconnected rather than blocking the daemon; a quiet
 * stream gets a ": keepalive" comment every 15 s.
 *
 * With neither listen nor unix_socket nothing listens: api_route() alone
 * (tests, the fuzz target).
 *
 * Errors: KS_ERR_ARG (bad options), KS_ERR_IO (cannot listen), with a
 * message in err. HTTP errors are JSON {"error":"code","message":"..."}.
 */
#ifndef KS_API_H
#define KS_API_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef enum api_role { API_ROLE_NONE = 0, API_ROLE_SCREEN, API_ROLE_CLIENT } api_role;

/* A backend answer: HTTP status and a malloc'd body the API frees
 * (len 0 with a body means strlen(body)). content_type NULL means
 * application/json; it must be a string that outlives the call. */
typedef struct api_reply {
    int status;
    char *body;
    size_t len;
    const char *content_type;
} api_reply;

/* Everything the daemon exposes. Each callback fills *out (body may be
 * NULL for an empty answer); id is the session id from the path. */
typedef struct api_backend {
    void *ctx;
    void (*health)(void *ctx, api_reply *out);               /* GET  /api/v1/health */
    void (*sessions)(void *ctx, api_reply *out);             /* GET  /api/v1/sessions */
    void (*session_get)(void *ctx, const char *id, api_reply *out);     /* GET /api/v1/sessions/{id} */
    /* POST /api/v1/sessions, body JSON {"reader": optional, "candidate_id": optional} */
    void (*session_start)(void *ctx, const char *body, size_t len, api_reply *out);
    void (*session_cancel)(void *ctx, const char *id, api_reply *out); /* POST .../{id}/cancel */
    /* POST .../{id}/consent, body {"accept": true|false, "text_version": "..."} */
    void (*session_consent)(void *ctx, const char *id, bool accept, const char *text_version,
                            api_reply *out);
    /* GET /api/v1/records/latest[/fhir|/guest]; form is "record", "fhir" or "guest". */
    void (*record_latest)(void *ctx, const char *form, api_reply *out);
    void (*queue)(void *ctx, api_reply *out);                /* GET  /api/v1/queue */
    void (*metrics)(void *ctx, api_reply *out);              /* GET  /metrics (text) */
    /* Driving-test roster: PUT /api/v1/roster (text/csv), GET /api/v1/roster
     * (JSON), GET /api/v1/roster/results.csv. */
    void (*roster_put)(void *ctx, const char *csv, size_t len, api_reply *out);
    void (*roster_get)(void *ctx, api_reply *out);
    void (*roster_results)(void *ctx, api_reply *out);
    /* The JSON of every session, sent first to a newly connected SSE client
     * as one "session" event each (a malloc'd JSON array). */
    char *(*snapshot)(void *ctx);
} api_backend;

typedef struct api_options {
    const char *listen;       /* "127.0.0.1:8470" or "[::1]:8470"; NULL = no TCP */
    const char *unix_socket;  /* path; NULL = none */
    const char *tokens_file;  /* client tokens; NULL = no client may connect */
    const char *screen_dir;   /* the kiosk screen's files; NULL = no screen */
    unsigned threads;         /* unused: one thread per connection */
} api_options;

typedef struct api_server api_server;

ks_status api_start(const api_options *opt, const api_backend *backend, api_server **out,
                    char *err, size_t err_cap);
/* Closes the listeners and every SSE stream, then frees. */
void api_stop(api_server *s);

/* The TCP port actually bound (useful with port 0), or 0. */
unsigned api_port(const api_server *s);
/* The screen token (hex), for tests that act as the screen. */
const char *api_screen_token(const api_server *s);

/* Sends "event: EVENT\nid: N\ndata: JSON\n\n" to every SSE client
 * (GET /api/v1/events). json should be one line (a line break would start
 * another "data:" line, still one event). EVENT is 1..64 visible ASCII
 * characters, or nothing is sent. */
void api_publish(api_server *s, const char *event, const char *json);

/* Exposed for the fuzz target and unit tests: the routing of one request
 * without HTTP. Decides authentication, calls the backend and fills reply
 * (the caller frees out->body). method "GET"/"POST"/"PUT"; path as on the
 * request line, still percent-encoded, without query; body may be NULL.
 * Screen files are served too (index.html without a token); GET events
 * answers the stream's opening (retry and snapshot) as text/event-stream. */
typedef struct api_request {
    const char *method;
    const char *path;
    const char *authorization;  /* the header value, or NULL */
    const char *body;
    size_t body_len;
} api_request;
void api_route(api_server *s, const api_request *req, api_reply *out);

#endif
