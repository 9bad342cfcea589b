/*
 * api_internal.h — the pieces of hostd/api shared between its files and its
 * tests; not for other modules.
 *
 *  - tokens.c: the client tokens file and the role of a presented token.
 *  - route.c:  path decoding, the route table, authentication, dispatch to
 *              the backend (api_route and its peer-aware variant).
 *  - static.c: the screen's files under screen_dir.
 *  - sse.c:    the hub of Server-Sent Events clients, one queue each.
 *  - api.c:    listening sockets and the libmicrohttpd glue.
 */
#ifndef KS_API_INTERNAL_H
#define KS_API_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.h"

#define API_BODY_MAX ((size_t)1024 * 1024)
#define API_PATH_MAX 1024
#define API_ID_MAX 64
#define API_DIGEST_LEN 32
/* Events a client may fall behind before it is dropped (api.h). */
#define API_SSE_BACKLOG 256
#define API_SSE_MAX_CLIENTS 64
#define API_SSE_KEEPALIVE_MS 15000

/* ---- tokens.c ---- */

typedef struct api_tokens api_tokens;

/* Loads "NAME TOKEN" lines; refuses a file others may read or write. */
ks_status api_tokens_load(const char *path, api_tokens **out, char *err, size_t err_cap);
void api_tokens_free(api_tokens *t);
/* SHA-256 of a token, the form in which tokens are kept and compared. */
bool api_token_digest(const char *token, size_t len, unsigned char out[API_DIGEST_LEN]);
/* The role an Authorization header value grants: every known token is
 * compared, in constant time, whatever matches first. clients may be NULL. */
api_role api_tokens_role(const api_tokens *clients, const unsigned char screen[API_DIGEST_LEN],
                         const char *authorization);

/* ---- route.c ---- */

typedef enum api_route_kind {
    API_R_NONE = 0,
    API_R_HEALTH,
    API_R_SESSIONS,       /* GET list, POST start */
    API_R_SESSION,
    API_R_CANCEL,
    API_R_CONSENT,
    API_R_EVENTS,
    API_R_RECORD,
    API_R_QUEUE,
    API_R_ROSTER,         /* GET json, PUT csv */
    API_R_ROSTER_RESULTS,
    API_R_METRICS,
    API_R_STATIC
} api_route_kind;

enum { API_M_GET = 1, API_M_POST = 2, API_M_PUT = 4 };

typedef struct api_match {
    api_route_kind kind;
    const char *tmpl;     /* route template, the only form of a path we log */
    unsigned methods;     /* API_M_* the route accepts */
    unsigned method;      /* the request's API_M_* (0 = other) */
    api_role role;        /* the least role it needs */
    const char *form;     /* API_R_RECORD: "record", "fhir", "guest" */
    char id[API_ID_MAX + 1];
    char path[API_PATH_MAX]; /* the decoded path (API_R_STATIC) */
} api_match;

/* Decodes and matches the path, checks the method and, for API routes, the
 * token. false with *err filled (an error reply) when the request stops
 * here; m->tmpl is always set. */
bool api_resolve(const api_server *s, const char *method, const char *path,
                 const char *authorization, api_match *m, api_reply *err);
/* "GET, POST" for an Allow header. */
const char *api_allow_header(unsigned methods);
/* api_route, with the screen token to put into index.html (NULL: none, the
 * placeholder is removed). */
void api_route_peer(api_server *s, const api_request *req, const char *index_token,
                    api_reply *out);
void api_reply_error(api_reply *out, int status, const char *code, const char *message);

/* ---- static.c ---- */

/* path is the decoded request path ("/" or "/app.js"); index_token as
 * for api_route_peer. */
void api_static_serve(int root_fd, const char *path, const char *index_token, api_reply *out);

/* ---- sse.c ---- */

typedef struct api_sse_hub api_sse_hub;
typedef struct api_sse_client api_sse_client;

ks_status api_sse_hub_new(api_sse_hub **out);
/* Ends every stream: readers return end-of-stream at once. */
void api_sse_hub_stop(api_sse_hub *h);
void api_sse_hub_free(api_sse_hub *h);
/* Queues the event for every client; false if event/json are unusable. */
bool api_sse_publish(api_sse_hub *h, const char *event, const char *json);
/* A new client, registered before its snapshot is taken so no event falls
 * between the two (one may arrive twice; "seq" in the data tells). NULL
 * when stopping or full. */
api_sse_client *api_sse_attach(api_sse_hub *h);
/* Text sent before any queued event; takes ownership of text (malloc'd). */
void api_sse_set_prefix(api_sse_client *c, char *text, size_t len);
/* libmicrohttpd content reader and free callbacks (cls = the client). */
ssize_t api_sse_read(void *cls, uint64_t pos, char *buf, size_t max);
void api_sse_detach(void *cls);
/* The stream's opening for a backend snapshot (a JSON array; NULL or
 * invalid = no session events): malloc'd text, length in *len. */
char *api_sse_opening(const char *snapshot, size_t *len);

/* ---- api.c ---- */

struct api_server {
    api_backend be;
    api_tokens *clients;
    char screen_token[2 * API_DIGEST_LEN + 1];
    unsigned char screen_digest[API_DIGEST_LEN];
    int screen_fd; /* -1 = no screen */
    api_sse_hub *hub;
    struct api_listener *tcp;
    struct api_listener *unix_l;
    char *unix_path;
    unsigned port;
};

#endif
