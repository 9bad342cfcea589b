/*
 * api.c — listening sockets, server lifecycle and the libmicrohttpd glue.
 *
 * We create, bind and listen every socket ourselves (loopback TCP, unix) and
 * hand them to libmicrohttpd, one daemon each, so that the loopback rule and
 * the unix socket's mode are ours to enforce. Daemons run one thread per
 * connection: an SSE stream may then block in its content reader (sse.c).
 *
 * A request is decided as soon as its headers are in (route, method, token,
 * declared length), so an unauthorised client never gets to upload a body;
 * the body is then collected up to 1 MiB and handed to api_route_peer().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "api_internal.h"

#define LISTEN_BACKLOG 64
#define CONNECTION_LIMIT 128
#define CONNECTION_TIMEOUT_S 60

typedef struct api_listener {
    api_server *s;
    bool tcp;
    struct MHD_Daemon *daemon;
} api_listener;

typedef struct conn_req {
    api_match m;
    char *body;
    size_t len, cap;
    bool too_large;
} conn_req;

/* ---- replies ---- */

static const char *method_label(const char *method)
{
    static const char *const KNOWN[] = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; method && i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (strcmp(method, KNOWN[i]) == 0)
            return KNOWN[i];
    return "OTHER";
}

/* Method, route template and status only: never a path, body, token or id. */
static void log_request(const char *method, const conn_req *req, int status)
{
    fprintf(stderr, "api: %s %s %d\n", method_label(method), req ? req->m.tmpl : "-", status);
}

static bool header_value_ok(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return false;
    return true;
}

static void add_common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; connect-src 'self'");
}

/* Queues reply (taking its body) and logs the request. */
static enum MHD_Result send_reply(struct MHD_Connection *conn, const char *method,
                                  const conn_req *req, api_reply *reply)
{
    struct MHD_Response *r;
    if (reply->body) {
        r = MHD_create_response_from_buffer(reply->len, reply->body, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(reply->body);
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    reply->body = NULL;
    if (!r)
        return MHD_NO;
    const char *type = reply->content_type;
    if (!type || !header_value_ok(type))
        type = "application/json";
    MHD_add_response_header(r, "Content-Type", type);
    add_common_headers(r);
    if (reply->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (reply->status == 405 && req)
        MHD_add_response_header(r, "Allow", api_allow_header(req->m.methods));
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)reply->status, r);
    MHD_destroy_response(r);
    log_request(method, req, reply->status);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, const char *method,
                                  const conn_req *req, int status, const char *code,
                                  const char *message)
{
    api_reply reply;
    api_reply_error(&reply, status, code, message);
    return send_reply(conn, method, req, &reply);
}

/* ---- peers ---- */

static bool loopback_sockaddr(const struct sockaddr *sa)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const uint8_t *b = in6->sin6_addr.s6_addr;
        static const uint8_t LOOP[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const uint8_t MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return memcmp(b, LOOP, 16) == 0 || (memcmp(b, MAPPED, 12) == 0 && b[12] == 127);
    }
    return false;
}

/* The screen token goes only to a loopback TCP peer; a unix-socket peer
 * gets the page with the placeholder removed (it cannot be the screen). */
static const char *index_token_for(const api_listener *l, struct MHD_Connection *conn)
{
    if (!l->tcp)
        return NULL;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !loopback_sockaddr(ci->client_addr))
        return NULL;
    return l->s->screen_token;
}

/* ---- requests ---- */

static bool takes_body(const api_match *m)
{
    return m->method == API_M_POST || m->method == API_M_PUT;
}

static bool declared_too_large(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (!cl)
        return false;
    unsigned long long n = 0;
    for (const char *p = cl; *p; p++) {
        if (*p < '0' || *p > '9')
            return false; /* libmicrohttpd refuses it itself */
        n = n * 10 + (unsigned)(*p - '0');
        if (n > API_BODY_MAX)
            return true;
    }
    return false;
}

static bool csv_content_type(struct MHD_Connection *conn)
{
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncasecmp(ct, "text/csv", 8) != 0)
        return false;
    return ct[8] == '\0' || ct[8] == ';' || ct[8] == ' ';
}

static enum MHD_Result start_events(api_listener *l, struct MHD_Connection *conn,
                                    const char *method, const conn_req *req)
{
    api_server *s = l->s;
    api_sse_client *c = api_sse_attach(s->hub);
    if (!c)
        return send_error(conn, method, req, 503, "unavailable", "too many event streams");
    char *snap = s->be.snapshot ? s->be.snapshot(s->be.ctx) : NULL;
    size_t len = 0;
    char *opening = api_sse_opening(snap, &len);
    free(snap);
    if (opening)
        api_sse_set_prefix(c, opening, len);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, api_sse_read, c, api_sse_detach);
    if (!r) {
        api_sse_detach(c);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    add_common_headers(r);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    log_request(method, req, 200);
    return ret;
}

/* The headers are in: decide whatever can be decided without the body. */
static enum MHD_Result on_headers(api_listener *l, struct MHD_Connection *conn, const char *url,
                                  const char *method, conn_req *req)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    api_reply err;
    if (!api_resolve(l->s, method, url, auth, &req->m, &err))
        return send_reply(conn, method, req, &err);
    if (takes_body(&req->m) && declared_too_large(conn))
        return send_error(conn, method, req, 413, "payload_too_large",
                          "the body is larger than 1 MiB");
    if (req->m.kind == API_R_ROSTER && req->m.method == API_M_PUT && !csv_content_type(conn))
        return send_error(conn, method, req, 415, "unsupported_media_type",
                          "the roster is sent as text/csv");
    if (req->m.kind == API_R_EVENTS)
        return start_events(l, conn, method, req);
    return MHD_YES;
}

static void collect_body(conn_req *req, const char *data, size_t n)
{
    if (req->too_large)
        return;
    if (n > API_BODY_MAX - req->len) {
        /* The rest is read and dropped so the client still gets its 413. */
        req->too_large = true;
        free(req->body);
        req->body = NULL;
        req->len = req->cap = 0;
        return;
    }
    if (req->len + n + 1 > req->cap) {
        size_t cap = req->cap ? req->cap : 4096;
        while (cap < req->len + n + 1)
            cap *= 2;
        if (cap > API_BODY_MAX + 1)
            cap = API_BODY_MAX + 1;
        char *b = realloc(req->body, cap);
        if (!b) {
            req->too_large = true;
            free(req->body);
            req->body = NULL;
            req->len = req->cap = 0;
            return;
        }
        req->body = b;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, n);
    req->len += n;
    req->body[req->len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    api_listener *l = cls;
    conn_req *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        return on_headers(l, conn, url, method, req);
    }
    if (*upload_data_size > 0) {
        collect_body(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large)
        return send_error(conn, method, req, 413, "payload_too_large",
                          "the body is larger than 1 MiB");
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    api_request r = {.method = method,
                     .path = url,
                     .authorization = auth,
                     .body = req->body,
                     .body_len = req->len};
    api_reply reply;
    api_route_peer(l->s, &r, index_token_for(l, conn), &reply);
    return send_reply(conn, method, req, &reply);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_req *req = *con_cls;
    if (req) {
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

/* Paths are decoded by route.c, strictly; libmicrohttpd's own decoding
 * would turn "%00" into a silent truncation. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* ---- sockets ---- */

static ks_status parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen,
                              char *err, size_t err_cap)
{
    char host[64];
    const char *port_str;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host)
            goto bad;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        port_str = close + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host)
            goto bad;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        if (strchr(host, ':'))
            goto bad;
        port_str = colon + 1;
    }
    size_t plen = strlen(port_str);
    if (plen == 0 || plen > 5 || strspn(port_str, "0123456789") != plen)
        goto bad;
    unsigned long port = strtoul(port_str, NULL, 10);
    if (port > 65535)
        goto bad;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        *sslen = sizeof *in;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *sslen = sizeof *in6;
    } else {
        goto bad;
    }
    if (!loopback_sockaddr((const struct sockaddr *)ss)) {
        snprintf(err, err_cap, "listen address %s is not loopback (127.0.0.0/8 or ::1)", host);
        return KS_ERR_ARG;
    }
    return KS_OK;
bad:
    snprintf(err, err_cap, "listen address must be HOST:PORT or [IPV6]:PORT");
    return KS_ERR_ARG;
}

static ks_status listen_tcp(const char *spec, int *fd_out, unsigned *port, char *err,
                            size_t err_cap)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    ks_status st = parse_listen(spec, &ss, &sslen, err, err_cap);
    if (st != KS_OK)
        return st;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_cap, "socket: %s", strerror(errno));
        return KS_ERR_IO;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, err_cap, "cannot listen on %s: %s", spec, strerror(errno));
        close(fd);
        return KS_ERR_IO;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0) {
        *port = ntohs(bound.ss_family == AF_INET
                          ? ((struct sockaddr_in *)(void *)&bound)->sin_port
                          : ((struct sockaddr_in6 *)(void *)&bound)->sin6_port);
    }
    *fd_out = fd;
    return KS_OK;
}

/* A socket left by a previous run is replaced; a live one or any other kind
 * of file is not. */
static ks_status clear_stale_socket(const char *path, const struct sockaddr_un *sun,
                                    char *err, size_t err_cap)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? KS_OK : KS_ERR_IO;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, err_cap, "unix socket path exists and is not a socket");
        return KS_ERR_IO;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        bool live = connect(probe, (const struct sockaddr *)sun, sizeof *sun) == 0;
        close(probe);
        if (live) {
            snprintf(err, err_cap, "unix socket is in use by another process");
            return KS_ERR_IO;
        }
    }
    if (unlink(path) != 0) {
        snprintf(err, err_cap, "cannot remove the stale unix socket: %s", strerror(errno));
        return KS_ERR_IO;
    }
    return KS_OK;
}

static ks_status listen_unix(const char *path, int *fd_out, char *err, size_t err_cap)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof sun.sun_path) {
        snprintf(err, err_cap, "unix socket path is empty or too long");
        return KS_ERR_ARG;
    }
    memcpy(sun.sun_path, path, n);
    ks_status st = clear_stale_socket(path, &sun, err, err_cap);
    if (st != KS_OK)
        return st;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_cap, "socket: %s", strerror(errno));
        return KS_ERR_IO;
    }
    if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        snprintf(err, err_cap, "cannot bind the unix socket: %s", strerror(errno));
        close(fd);
        return KS_ERR_IO;
    }
    if (chmod(path, 0660) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, err_cap, "cannot listen on the unix socket: %s", strerror(errno));
        close(fd);
        unlink(path);
        return KS_ERR_IO;
    }
    *fd_out = fd;
    return KS_OK;
}

static ks_status start_daemon(api_server *s, int fd, bool tcp, api_listener **out, char *err,
                              size_t err_cap)
{
    api_listener *l = calloc(1, sizeof *l);
    if (!l) {
        close(fd);
        return KS_ERR_NO_MEMORY;
    }
    l->s = s;
    l->tcp = tcp;
    l->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
        on_request, l, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, l, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, l,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!l->daemon) {
        snprintf(err, err_cap, "cannot start the HTTP server");
        close(fd);
        free(l);
        return KS_ERR_IO;
    }
    *out = l;
    return KS_OK;
}

static void stop_daemon(api_listener *l)
{
    if (!l)
        return;
    /* Closes the listening socket too. */
    MHD_stop_daemon(l->daemon);
    free(l);
}

/* ---- lifecycle ---- */

static ks_status make_screen_token(api_server *s)
{
    unsigned char raw[API_DIGEST_LEN];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return KS_ERR_CRYPTO;
    static const char HEX[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        s->screen_token[2 * i] = HEX[raw[i] >> 4];
        s->screen_token[2 * i + 1] = HEX[raw[i] & 15];
    }
    s->screen_token[2 * sizeof raw] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return api_token_digest(s->screen_token, 2 * sizeof raw, s->screen_digest) ? KS_OK
                                                                               : KS_ERR_CRYPTO;
}

static ks_status open_screen_dir(const char *dir, int *fd, char *err, size_t err_cap)
{
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0) {
        snprintf(err, err_cap, "cannot open the screen directory: %s", strerror(errno));
        return KS_ERR_ARG;
    }
    return KS_OK;
}

static ks_status start_listeners(api_server *s, const api_options *opt, char *err,
                                 size_t err_cap)
{
    int fd = -1;
    ks_status st;
    if (opt->listen) {
        st = listen_tcp(opt->listen, &fd, &s->port, err, err_cap);
        if (st == KS_OK)
            st = start_daemon(s, fd, true, &s->tcp, err, err_cap);
        if (st != KS_OK)
            return st;
    }
    if (opt->unix_socket) {
        st = listen_unix(opt->unix_socket, &fd, err, err_cap);
        if (st != KS_OK)
            return st;
        s->unix_path = strdup(opt->unix_socket);
        if (!s->unix_path) {
            close(fd);
            unlink(opt->unix_socket);
            return KS_ERR_NO_MEMORY;
        }
        st = start_daemon(s, fd, false, &s->unix_l, err, err_cap);
        if (st != KS_OK)
            return st;
    }
    return KS_OK;
}

ks_status api_start(const api_options *opt, const api_backend *backend, api_server **out,
                    char *err, size_t err_cap)
{
    char dummy[8];
    if (!err || err_cap == 0) {
        err = dummy;
        err_cap = sizeof dummy;
    }
    err[0] = '\0';
    if (!opt || !backend || !out) {
        snprintf(err, err_cap, "missing options, backend or output");
        return KS_ERR_ARG;
    }
    *out = NULL;
    api_server *s = calloc(1, sizeof *s);
    if (!s)
        return KS_ERR_NO_MEMORY;
    s->be = *backend;
    s->screen_fd = -1;
    ks_status st = make_screen_token(s);
    if (st != KS_OK)
        snprintf(err, err_cap, "cannot make the screen token");
    if (st == KS_OK && opt->tokens_file)
        st = api_tokens_load(opt->tokens_file, &s->clients, err, err_cap);
    if (st == KS_OK && opt->screen_dir)
        st = open_screen_dir(opt->screen_dir, &s->screen_fd, err, err_cap);
    if (st == KS_OK)
        st = api_sse_hub_new(&s->hub);
    if (st == KS_OK)
        st = start_listeners(s, opt, err, err_cap);
    if (st != KS_OK) {
        api_stop(s);
        return st;
    }
    *out = s;
    return KS_OK;
}

void api_stop(api_server *s)
{
    if (!s)
        return;
    /* Streams first, so every connection thread can end and be joined. */
    api_sse_hub_stop(s->hub);
    stop_daemon(s->tcp);
    stop_daemon(s->unix_l);
    if (s->unix_path) {
        unlink(s->unix_path);
        free(s->unix_path);
    }
    api_sse_hub_free(s->hub);
    if (s->screen_fd >= 0)
        close(s->screen_fd);
    api_tokens_free(s->clients);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

unsigned api_port(const api_server *s)
{
    return s && s->tcp ? s->port : 0;
}

const char *api_screen_token(const api_server *s)
{
    return s ? s->screen_token : NULL;
}

void api_publish(api_server *s, const char *event, const char *json)
{
    if (s)
        api_sse_publish(s->hub, event, json);
}
