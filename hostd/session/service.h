/*
 * service.h — what kioskd answers on its local API (hostd/api/api.h): the
 * sessions on the board and the workers' controls, the latest verified
 * record in the mode's shape (the record itself, an HL7 FHIR R4 Patient for
 * a clinic, a guest declaration for lodging), the driving-test roster, the
 * queue, health and metrics — and the mode-specific hand-off each finished
 * session shows on the screen.
 *
 * The service owns the roster (in memory only: it holds personal data and is
 * imported again after a restart). It reads the queue through its own store
 * handle so an API call never waits behind an upload.
 */
#ifndef KS_SERVICE_H
#define KS_SERVICE_H

#include <pthread.h>
#include <stdint.h>

#include "api.h"
#include "store.h"
#include "worker.h"

typedef struct kiosk_service {
    sess_shared *sh;
    sess_worker *workers;
    size_t n_workers;
    const char *fhir_identifier_system; /* NULL = hostd/modes/fhir.h's default */
    const char *portal_url;             /* kiosk mode hand-off, NULL = none */

    pthread_mutex_t queue_lock;
    store *queue;                       /* the service's own handle */

    pthread_mutex_t roster_lock;
    struct roster *roster;

    /* the uploader's report, for health and metrics */
    pthread_mutex_t upload_lock;
    uint64_t uploaded, upload_failures;
    int receiver_ok;                    /* -1 unknown / not configured */
    char upload_error[160];
} kiosk_service;

ks_status service_init(kiosk_service *svc);
void service_destroy(kiosk_service *svc);

/* The callbacks for api_start(); ctx is svc. */
void service_backend(kiosk_service *svc, api_backend *out);

/* For sess_shared.handoff (ctx is svc). */
void service_handoff(void *ctx, const char *record_json, const char *record_id,
                     const char *candidate_id, char *handoff_json, size_t cap);

/* The uploader tells the service how the last attempt went. */
void service_upload_report(kiosk_service *svc, size_t acknowledged, const char *error);

#endif
