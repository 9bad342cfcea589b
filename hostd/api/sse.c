/*
 * sse.c — Server-Sent Events: one queue per connected client.
 *
 * One mutex guards the hub and every client; each client has its own
 * condition variable, on which its connection thread (libmicrohttpd runs one
 * thread per connection) sleeps inside the content reader. A published event
 * is formatted once and shared by reference count. The reader wakes at
 * least once a second whatever happens, so a missed signal can only delay a
 * stream, never hang api_stop(); after 15 s of silence it sends a comment so
 * that a vanished peer is noticed by the failing write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "api_internal.h"

#define EVENT_NAME_MAX 64
#define WAIT_SLICE_MS 1000

typedef struct sse_event {
    size_t refs;
    size_t len;
    char text[];
} sse_event;

static const char KEEPALIVE[] = ": keepalive\n\n";

struct api_sse_client {
    api_sse_hub *hub;
    api_sse_client *prev, *next;
    pthread_cond_t cv;
    sse_event *ring[API_SSE_BACKLOG];
    size_t head, count;
    bool overflowed;
    char *prefix; /* owned, sent first */
    size_t prefix_len;
    /* What is being sent now: an event, the prefix or the keepalive. */
    const char *cur;
    size_t cur_len, cur_off;
    sse_event *cur_event;
    char *cur_owned;
    struct timespec last_send;
};

struct api_sse_hub {
    pthread_mutex_t mu;
    api_sse_client *clients;
    size_t nclients;
    unsigned long long last_id;
    bool stopping;
};

static void now_mono(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void add_ms(struct timespec *ts, long long ms)
{
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void event_unref(sse_event *e)
{
    if (e && --e->refs == 0)
        free(e);
}

ks_status api_sse_hub_new(api_sse_hub **out)
{
    api_sse_hub *h = calloc(1, sizeof *h);
    if (!h)
        return KS_ERR_NO_MEMORY;
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        return KS_ERR_NO_MEMORY;
    }
    *out = h;
    return KS_OK;
}

void api_sse_hub_stop(api_sse_hub *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    for (api_sse_client *c = h->clients; c; c = c->next)
        pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&h->mu);
}

static void release_client_data(api_sse_client *c)
{
    while (c->count > 0) {
        event_unref(c->ring[c->head]);
        c->head = (c->head + 1) % API_SSE_BACKLOG;
        c->count--;
    }
    event_unref(c->cur_event);
    c->cur_event = NULL;
    free(c->cur_owned);
    c->cur_owned = NULL;
    free(c->prefix);
    c->prefix = NULL;
    c->cur = NULL;
    c->cur_len = c->cur_off = 0;
}

void api_sse_hub_free(api_sse_hub *h)
{
    if (!h)
        return;
    /* Streams are normally gone with their daemons; any left are only
     * unlinked here, as their memory belongs to libmicrohttpd responses. */
    pthread_mutex_lock(&h->mu);
    for (api_sse_client *c = h->clients; c; c = c->next)
        c->hub = NULL;
    h->clients = NULL;
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

api_sse_client *api_sse_attach(api_sse_hub *h)
{
    api_sse_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&c->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        free(c);
        return NULL;
    }
    now_mono(&c->last_send);
    c->hub = h;
    pthread_mutex_lock(&h->mu);
    if (h->stopping || h->nclients >= API_SSE_MAX_CLIENTS) {
        pthread_mutex_unlock(&h->mu);
        pthread_cond_destroy(&c->cv);
        free(c);
        return NULL;
    }
    c->next = h->clients;
    if (h->clients)
        h->clients->prev = c;
    h->clients = c;
    h->nclients++;
    pthread_mutex_unlock(&h->mu);
    return c;
}

void api_sse_set_prefix(api_sse_client *c, char *text, size_t len)
{
    pthread_mutex_lock(&c->hub->mu);
    free(c->prefix);
    c->prefix = text;
    c->prefix_len = len;
    pthread_mutex_unlock(&c->hub->mu);
}

void api_sse_detach(void *cls)
{
    api_sse_client *c = cls;
    if (!c)
        return;
    api_sse_hub *h = c->hub;
    if (h) {
        pthread_mutex_lock(&h->mu);
        if (c->prev)
            c->prev->next = c->next;
        else if (h->clients == c)
            h->clients = c->next;
        if (c->next)
            c->next->prev = c->prev;
        h->nclients--;
        release_client_data(c);
        pthread_mutex_unlock(&h->mu);
    } else {
        release_client_data(c);
    }
    pthread_cond_destroy(&c->cv);
    free(c);
}

/* Moves the next piece of text into cur once cur is used up. */
static bool next_piece(api_sse_client *c)
{
    if (c->cur_off < c->cur_len)
        return true;
    event_unref(c->cur_event);
    c->cur_event = NULL;
    free(c->cur_owned);
    c->cur_owned = NULL;
    c->cur = NULL;
    c->cur_len = c->cur_off = 0;
    if (c->prefix) {
        c->cur_owned = c->prefix;
        c->cur = c->prefix;
        c->cur_len = c->prefix_len;
        c->prefix = NULL;
        return c->cur_len > 0 || next_piece(c);
    }
    if (c->count > 0) {
        c->cur_event = c->ring[c->head];
        c->head = (c->head + 1) % API_SSE_BACKLOG;
        c->count--;
        c->cur = c->cur_event->text;
        c->cur_len = c->cur_event->len;
        return true;
    }
    return false;
}

static ssize_t copy_out(api_sse_client *c, char *buf, size_t max)
{
    size_t n = c->cur_len - c->cur_off;
    if (n > max)
        n = max;
    memcpy(buf, c->cur + c->cur_off, n);
    c->cur_off += n;
    now_mono(&c->last_send);
    return (ssize_t)n;
}

ssize_t api_sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    api_sse_client *c = cls;
    api_sse_hub *h = c->hub;
    if (!h || max == 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    pthread_mutex_lock(&h->mu);
    ssize_t ret;
    for (;;) {
        if (h->stopping) {
            ret = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        if (c->overflowed) {
            ret = MHD_CONTENT_READER_END_WITH_ERROR;
            break;
        }
        if (next_piece(c)) {
            ret = copy_out(c, buf, max);
            break;
        }
        struct timespec now;
        now_mono(&now);
        long long quiet = ms_between(&c->last_send, &now);
        if (quiet >= API_SSE_KEEPALIVE_MS) {
            c->cur = KEEPALIVE;
            c->cur_len = sizeof KEEPALIVE - 1;
            c->cur_off = 0;
            ret = copy_out(c, buf, max);
            break;
        }
        long long wait = API_SSE_KEEPALIVE_MS - quiet;
        if (wait > WAIT_SLICE_MS)
            wait = WAIT_SLICE_MS;
        add_ms(&now, wait);
        pthread_cond_timedwait(&c->cv, &h->mu, &now);
    }
    pthread_mutex_unlock(&h->mu);
    return ret;
}

static bool event_name_ok(const char *event)
{
    size_t n = strnlen(event, EVENT_NAME_MAX + 1);
    if (n == 0 || n > EVENT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)event[i] < 0x21 || (unsigned char)event[i] > 0x7e)
            return false;
    return true;
}

/* "event: E\nid: N\n" then one "data: " line per line of json, then a blank
 * line; a stray CR or LF in json thus cannot end the event early. */
static sse_event *format_event(const char *event, unsigned long long id, const char *json)
{
    size_t jlen = strlen(json), lines = 1;
    for (size_t i = 0; i < jlen; i++)
        if (json[i] == '\n' || json[i] == '\r')
            lines++;
    size_t cap = strlen(event) + 48 + jlen + lines * 7 + 2;
    sse_event *e = malloc(sizeof *e + cap);
    if (!e)
        return NULL;
    int head = snprintf(e->text, cap, "event: %s\nid: %llu\n", event, id);
    if (head < 0 || (size_t)head >= cap) {
        free(e);
        return NULL;
    }
    char *w = e->text + head;
    const char *p = json, *end = json + jlen;
    for (;;) {
        const char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        memcpy(w, "data: ", 6);
        w += 6;
        memcpy(w, p, (size_t)(eol - p));
        w += eol - p;
        *w++ = '\n';
        if (eol == end)
            break;
        p = eol + 1;
    }
    *w++ = '\n';
    e->len = (size_t)(w - e->text);
    e->refs = 0;
    return e;
}

bool api_sse_publish(api_sse_hub *h, const char *event, const char *json)
{
    if (!h || !event || !json || !event_name_ok(event))
        return false;
    pthread_mutex_lock(&h->mu);
    sse_event *e = format_event(event, h->last_id + 1, json);
    if (!e) {
        pthread_mutex_unlock(&h->mu);
        return false;
    }
    h->last_id++;
    for (api_sse_client *c = h->clients; c; c = c->next) {
        if (c->overflowed)
            continue;
        if (c->count == API_SSE_BACKLOG) {
            /* Dropping the slow client keeps the daemon's memory bounded
             * and everyone else's stream flowing. */
            c->overflowed = true;
            release_client_data(c);
        } else {
            c->ring[(c->head + c->count) % API_SSE_BACKLOG] = e;
            c->count++;
            e->refs++;
        }
        pthread_cond_broadcast(&c->cv);
    }
    if (e->refs == 0)
        free(e);
    pthread_mutex_unlock(&h->mu);
    return true;
}

char *api_sse_opening(const char *snapshot, size_t *len)
{
    static const char RETRY[] = "retry: 3000\n\n";
    size_t cap = sizeof RETRY, n = sizeof RETRY - 1;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    memcpy(text, RETRY, n);
    json_object *arr = snapshot ? json_tokener_parse(snapshot) : NULL;
    size_t count = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr)
                                                                    : 0;
    for (size_t i = 0; i < count; i++) {
        json_object *el = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(el, json_type_object))
            continue;
        /* The plain form escapes every control character: one line. */
        const char *one = json_object_to_json_string_ext(el, JSON_C_TO_STRING_PLAIN);
        size_t olen = strlen(one);
        size_t need = n + 32 + olen;
        if (need > cap) {
            size_t ncap = need * 2;
            char *t = realloc(text, ncap);
            if (!t) {
                json_object_put(arr);
                free(text);
                return NULL;
            }
            text = t;
            cap = ncap;
        }
        n += (size_t)snprintf(text + n, cap - n, "event: session\ndata: %s\n\n", one);
    }
    json_object_put(arr);
    text[n] = '\0';
    *len = n;
    return text;
}
