/*
 * kioskd — the kiosk daemon: ties the libraries into one service.
 *
 *   readers (pcscd)  ─┐
 *   QR scanner module ─┼─ one worker per reader (hostd/session/worker.h)
 *   camera            ─┘        │ session board: every change published
 *                               ▼
 *   local API + kiosk screen (hostd/api) ◀── service (hostd/session/service.h)
 *   record queue (hostd/store) ──▶ uploader thread (hostd/upload)
 *
 * Settings: the configuration file and KIOSK_* variables (hostd/config,
 * docs/configuration.md). Runs in the foreground under systemd
 * (hostd/kioskd.service): READY=1 once the API listens and the workers run,
 * WATCHDOG=1 while every worker shows signs of life. Logs go to stderr
 * (the journal) and never carry personal data. SIGTERM/SIGINT stop it.
 *
 * usage: kioskd [--config FILE]
 * exit: 0 stopped by a signal, 2 configuration error, 1 start-up failure.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <systemd/sd-daemon.h>

#include "api.h"
#include "config.h"
#include "face_pipeline.h"
#include "metrics.h"
#include "pa.h"
#include "pcsc.h"
#include "qr_serial.h"
#include "record.h"
#include "service.h"
#include "session.h"
#include "store.h"
#include "upload.h"
#include "worker.h"

#define PROG "kioskd"
#define MAX_READERS 16

typedef struct kioskd {
    sess_shared sh;
    kiosk_service svc;
    sess_worker workers[MAX_READERS];
    char reader_names[MAX_READERS][128];
    size_t n_readers;
    api_server *api;
    qr_serial *qr;
    pa_trust *trust;
    record_policy policy;
    store *upload_queue;
    ks_upload *uploader;
    pthread_t upload_thread;
    bool upload_running;
    long long upload_interval_ms;
} kioskd;

static void usage(FILE *to)
{
    fputs("usage: kioskd [--config FILE]\n"
          "  settings: the configuration file ($KIOSK_CONFIG, else /etc/kiosk/kiosk.conf)\n"
          "  and KIOSK_* variables; see docs/configuration.md\n",
          to);
}

/* ---- readers -------------------------------------------------------------- */

static void add_reader(const char *name, int has_card, void *ctx)
{
    (void)has_card;
    kioskd *k = ctx;
    if (k->n_readers < MAX_READERS)
        snprintf(k->reader_names[k->n_readers++], sizeof k->reader_names[0], "%s", name);
}

/* KIOSK_READERS names them (comma-separated); otherwise every reader pcscd
 * has when kioskd starts, waiting up to 30 s for pcscd to have one. */
static int find_readers(kioskd *k)
{
    const char *names = kconf_str("KIOSK_READERS", NULL);
    if (names) {
        char buf[2048];
        snprintf(buf, sizeof buf, "%s", names);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && k->n_readers < MAX_READERS;
             t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            if (*t)
                snprintf(k->reader_names[k->n_readers++], sizeof k->reader_names[0], "%s", t);
        }
        return k->n_readers ? 0 : -1;
    }
    for (int tries = 0; tries < 60 && k->n_readers == 0; tries++) {
        char err[256];
        size_t n = 0;
        if (pcsc_list(add_reader, k, &n, err, sizeof err) != KS_OK || n == 0) {
            struct timespec ts = {0, 500 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return k->n_readers ? 0 : -1;
}

/* ---- the uploader --------------------------------------------------------- */

static void *upload_main(void *arg)
{
    kioskd *k = arg;
    char last_error[KS_UPLOAD_ERR_LEN] = "";
    while (!k->sh.stop) {
        ks_upload_report rep;
        ks_status st = ks_upload_step(k->uploader, k->upload_queue, sess_now_ms() / 1000, &rep);
        if (st != KS_OK) {
            fprintf(stderr, PROG ": upload: queue: %s\n", store_last_error(k->upload_queue));
        } else if (rep.claimed || rep.error[0]) {
            service_upload_report(&k->svc, rep.acknowledged, rep.error);
            /* One line per change of trouble, so an outage does not flood the journal. */
            if (rep.error[0] && strcmp(rep.error, last_error) != 0)
                fprintf(stderr, PROG ": upload: %s\n", rep.error);
            else if (!rep.error[0] && last_error[0])
                fprintf(stderr, PROG ": upload: receiver answering again\n");
            snprintf(last_error, sizeof last_error, "%s", rep.error);
            if (rep.claimed && !rep.error[0])
                continue; /* more may be due right away */
        }
        for (long long waited = 0; waited < k->upload_interval_ms && !k->sh.stop; waited += 100) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

/* ---- start-up ------------------------------------------------------------- */

static void publish_event(void *ctx, const char *json)
{
    kioskd *k = ctx;
    if (k->api)
        api_publish(k->api, "session", json);
}

static void on_qr(void *ctx, const char *text, size_t len)
{
    kioskd *k = ctx;
    sess_qr_offer(&k->sh, text, len);
}

static int setting_seconds(const char *env, long long def, int *out)
{
    long long v;
    if (kconf_number(PROG, env, def, 1, 3600, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int load_settings(kioskd *k)
{
    sess_shared *sh = &k->sh;
    const char *mode = kconf_str("KIOSK_MODE", "kiosk");
    if (record_purpose_parse(mode, &sh->purpose) != KS_OK) {
        fprintf(stderr, PROG ": KIOSK_MODE must be kiosk, clinic, driving-test or lodging\n");
        return -1;
    }
    sh->mode = record_purpose_name(sh->purpose);
    sh->kiosk_id = kconf_str("KIOSK_ID", "kiosk");
    sh->site_id = kconf_str("KIOSK_SITE_ID", "site");
    sh->consent_version = kconf_str("KIOSK_CONSENT_VERSION", "vi-2026-01");
    sh->camera_device = kconf_str("KIOSK_CAMERA", NULL);
    sh->camera_frames = kconf_str("KIOSK_CAMERA_FRAMES", NULL);
    long long fps;
    if (kconf_number(PROG, "KIOSK_CAMERA_FPS", 8, 1, 120, &fps) != 0 ||
        setting_seconds("KIOSK_READ_TIMEOUT_S", 30, &sh->read_timeout_s) != 0 ||
        setting_seconds("KIOSK_FACE_TIMEOUT_S", 20, &sh->face_timeout_s) != 0 ||
        setting_seconds("KIOSK_CONSENT_TIMEOUT_S", 90, &sh->consent_timeout_s) != 0 ||
        setting_seconds("KIOSK_RESULT_DISPLAY_S", 8, &sh->result_display_s) != 0 ||
        kconf_number(PROG, "KIOSK_UPLOAD_INTERVAL_MS", 2000, 100, 3600000,
                     &k->upload_interval_ms) != 0)
        return -1;
    sh->camera_fps = (double)fps;
    sh->latest_ttl_s = 300; /* long enough for the reception desk to fetch it */
    k->svc.fhir_identifier_system = kconf_str("KIOSK_FHIR_ID_SYSTEM", NULL);
    k->svc.portal_url = kconf_str("KIOSK_PORTAL_URL", NULL);
    return 0;
}

static int open_resources(kioskd *k)
{
    sess_shared *sh = &k->sh;
    const char *trust_dir = kconf_str("KIOSK_TRUST_DIR", "/var/lib/kiosk/trust");
    if (pa_trust_load(trust_dir, &k->trust) != KS_OK) {
        fprintf(stderr, PROG ": cannot load the trust directory %s\n", trust_dir);
        return 2;
    }
    sh->trust = k->trust;

    record_policy_defaults(&k->policy);
    const char *policy_file = kconf_str("KIOSK_RECORD_POLICY", NULL);
    char rerr[RECORD_ERR_LEN] = "";
    if (policy_file && record_policy_load(policy_file, &k->policy, rerr) != KS_OK) {
        fprintf(stderr, PROG ": record policy %s: %s\n", policy_file, rerr);
        return 2;
    }
    sh->policy = &k->policy;
    const char *sign = kconf_str("KIOSK_SIGNING_KEY", NULL);
    if (!sign) {
        fprintf(stderr, PROG ": KIOSK_SIGNING_KEY (the record-signing key) is required\n");
        return 2;
    }
    if (record_load_signing_key(sign, &sh->signing_key, rerr) != KS_OK) {
        fprintf(stderr, PROG ": signing key: %s\n", rerr);
        return 2;
    }

    store_options so;
    char serr[STORE_ERR_LEN > KS_UPLOAD_ERR_LEN ? STORE_ERR_LEN : KS_UPLOAD_ERR_LEN];
    if (kconf_store(PROG, &so) != 0)
        return 2;
    /* The uploader's handle owns the queue (crash recovery, claims); the
     * workers' and the API's are shared ones on their own connections, so
     * storing a citizen's record never waits behind an upload. The owner
     * opens first: it creates the database and recovers it. */
    ks_upload_config uc;
    if (kconf_upload(PROG, &uc) != 0)
        return 2;
    if (store_open(&so, &k->upload_queue, serr) != KS_OK) {
        fprintf(stderr, PROG ": record queue: %s\n", serr);
        return 2;
    }
    if (uc.url && ks_upload_new(&uc, &k->uploader, serr) != KS_OK) {
        fprintf(stderr, PROG ": upload: %s\n", serr);
        return 2;
    }
    so.flags |= STORE_OPEN_SHARED;
    if (store_open(&so, &sh->queue, serr) != KS_OK ||
        store_open(&so, &k->svc.queue, serr) != KS_OK) {
        fprintf(stderr, PROG ": record queue: %s\n", serr);
        return 2;
    }

    char models[4096];
    const char *models_dir = kconf_str("KIOSK_FACE_MODELS", NULL);
    if (!models_dir && face_models_dir_default(models, sizeof models) == KS_OK)
        models_dir = models;
    long long threads;
    if (kconf_number(PROG, "KIOSK_FACE_THREADS", 1, 1, 16, &threads) != 0)
        return 2;
    face_engine_opts fo;
    face_engine_opts_default(&fo);
    fo.threads = (unsigned)threads;
    const char *model = kconf_str("KIOSK_FACE_MODEL", "faceres");
    if (strcmp(model, "mobileface") == 0)
        fo.embedder = FACE_EMBED_MOBILEFACE;
    else if (strcmp(model, "faceres") != 0) {
        fprintf(stderr, PROG ": KIOSK_FACE_MODEL must be faceres or mobileface\n");
        return 2;
    }
    char ferr[256] = "";
    if (!models_dir || face_engine_open(models_dir, &fo, &sh->engine, ferr, sizeof ferr) != KS_OK) {
        fprintf(stderr, PROG ": cannot load the face models (%s); run tools/fetch-models\n",
                ferr[0] ? ferr : "no models directory");
        return 1;
    }
    return 0;
}

static int start(kioskd *k)
{
    if (find_readers(k) != 0) {
        fprintf(stderr, PROG ": no smart-card reader found (is pcscd running?)\n");
        return 1;
    }
    if (sess_board_new(k->n_readers, publish_event, k, &k->sh.board) != KS_OK)
        return 1;
    for (size_t i = 0; i < k->n_readers; i++)
        sess_board_init_slot(k->sh.board, i, k->reader_names[i], k->sh.mode);

    k->svc.sh = &k->sh;
    k->svc.workers = k->workers;
    k->svc.n_workers = k->n_readers;
    k->sh.handoff = service_handoff;
    k->sh.handoff_ctx = &k->svc;

    api_options ao = {
        .listen = kconf_str("KIOSK_API_LISTEN", "127.0.0.1:8470"),
        .unix_socket = kconf_str("KIOSK_API_SOCKET", NULL),
        .tokens_file = kconf_str("KIOSK_API_TOKENS", NULL),
        .screen_dir = kconf_str("KIOSK_SCREEN_DIR", KS_DEFAULT_SCREEN_DIR),
    };
    api_backend backend;
    service_backend(&k->svc, &backend);
    char err[256] = "";
    if (api_start(&ao, &backend, &k->api, err, sizeof err) != KS_OK) {
        fprintf(stderr, PROG ": local API: %s\n", err);
        return 1;
    }
    const char *scanner = kconf_str("KIOSK_QR_SCANNER", NULL);
    const char *vendor = kconf_str("KIOSK_QR_VENDOR", NULL);
    if (scanner && vendor) {
        fprintf(stderr, PROG ": set one of KIOSK_QR_SCANNER and KIOSK_QR_VENDOR\n");
        return 2;
    }
    ks_status qst = scanner  ? qr_serial_start(scanner, on_qr, k, &k->qr)
                    : vendor ? qr_serial_start_vendor(vendor, on_qr, k, &k->qr)
                             : KS_OK;
    if (qst != KS_OK) {
        fprintf(stderr, PROG ": cannot start the QR scanner thread\n");
        return 1;
    }
    for (size_t i = 0; i < k->n_readers; i++)
        if (sess_worker_start(&k->workers[i], &k->sh, i, k->reader_names[i]) != KS_OK)
            return 1;
    if (k->uploader) {
        if (pthread_create(&k->upload_thread, NULL, upload_main, k) != 0)
            return 1;
        k->upload_running = true;
    }
    fprintf(stderr, PROG ": serving %zu reader(s) in %s mode on http://%s/\n", k->n_readers,
            k->sh.mode, ao.listen ? ao.listen : "(no TCP)");
    if (api_port(k->api))
        fprintf(stderr, PROG ": api port %u\n", api_port(k->api));
    return 0;
}

/* Every worker has shown a sign of life lately (a stuck one must not be
 * hidden from systemd's watchdog). */
static bool all_alive(kioskd *k)
{
    int64_t now = sess_now_ms();
    for (size_t i = 0; i < k->n_readers; i++) {
        pthread_mutex_lock(&k->workers[i].lock);
        int64_t beat = k->workers[i].heartbeat_ms;
        pthread_mutex_unlock(&k->workers[i].lock);
        if (now - beat > 30000)
            return false;
    }
    return true;
}

static void shut_down(kioskd *k)
{
    k->sh.stop = 1;
    for (size_t i = 0; i < k->n_readers; i++)
        sess_worker_join(&k->workers[i]);
    if (k->upload_running)
        pthread_join(k->upload_thread, NULL);
    qr_serial_stop(k->qr);
    api_stop(k->api);
    ks_upload_free(k->uploader);
    store_close(k->upload_queue);
    store_close(k->svc.queue);
    store_close(k->sh.queue);
    face_engine_close(k->sh.engine);
    EVP_PKEY_free(k->sh.signing_key);
    pa_trust_free(k->trust);
    sess_board_free(k->sh.board);
    service_destroy(&k->svc);
    sess_shared_destroy(&k->sh);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'c': setenv("KIOSK_CONFIG", optarg, 1); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (kconf_load(PROG) != 0)
        return 2;

    /* Block the stop signals in every thread; main waits for them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    static kioskd k; /* large; lives for the whole run */
    sess_shared_init(&k.sh);
    if (service_init(&k.svc) != KS_OK)
        return 1;
    metrics_init();
    int rc = load_settings(&k) != 0 ? 2 : open_resources(&k);
    if (rc == 0)
        rc = start(&k);
    if (rc != 0) {
        shut_down(&k);
        return rc;
    }
    sd_notify(0, "READY=1\nSTATUS=serving");

    uint64_t watchdog_us = 0;
    bool watchdog = sd_watchdog_enabled(0, &watchdog_us) > 0;
    long tick_ms = watchdog ? (long)(watchdog_us / 2000u) : 1000;
    if (tick_ms < 100)
        tick_ms = 100;
    for (;;) {
        struct timespec ts = {tick_ms / 1000, (tick_ms % 1000) * 1000000L};
        int sig = sigtimedwait(&stop_signals, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (watchdog && all_alive(&k))
            sd_notify(0, "WATCHDOG=1");
    }
    sd_notify(0, "STOPPING=1");
    fprintf(stderr, PROG ": stopping\n");
    shut_down(&k);
    return 0;
}
