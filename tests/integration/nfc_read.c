/*
 * nfc_read — test driver: reads a CCCD through the libnfc transport
 * (hostd/reader/nfc.h) with the keys its printed QR gives, and prints the
 * outcome as one JSON object (no personal data: access protocol, the three
 * authentication results, the verdict, APDU count, error text).
 *
 * usage: nfc_read --device CONNSTRING --qr TEXT [--trust DIR] [--wait S]
 * Exit: 0 genuine, 1 read but not genuine/unverified, 3 access denied,
 * 4 reader or card error (KS_ERR_REMOVED prints "removed"), 2 usage.
 * present_after is the transport's presence check once the read is over.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd.h"
#include "nfc.h"
#include "pa.h"
#include "vn_cccd.h"
#include "vn_keys.h"

static int usage(void)
{
    fprintf(stderr, "usage: nfc_read --device CONNSTRING --qr TEXT [--trust DIR] [--wait S]\n");
    return 2;
}

static void print_json(const emrtd_doc *doc, ks_status st, bool present)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "present_after", json_object_new_boolean(present));
    json_object_object_add(o, "status", json_object_new_string(ks_status_str(st)));
    json_object_object_add(o, "removed", json_object_new_boolean(st == KS_ERR_REMOVED));
    if (st == KS_OK) {
        json_object_object_add(o, "access", json_object_new_string(doc->access));
        json_object_object_add(o, "passive",
                               json_object_new_string(emrtd_passive_name(doc->passive.outcome)));
        json_object_object_add(o, "active", json_object_new_string(emrtd_check_name(doc->active)));
        json_object_object_add(o, "chip", json_object_new_string(emrtd_check_name(doc->chip)));
        json_object_object_add(o, "verdict", json_object_new_string(emrtd_verdict(doc)));
        json_object_object_add(o, "apdus", json_object_new_int64((int64_t)doc->stats.apdus));
    } else {
        json_object_object_add(o, "error", json_object_new_string(doc->error));
    }
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

int main(int argc, char **argv)
{
    const char *device = NULL, *qr_text = NULL, *trust_dir = NULL;
    int wait_s = 5;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--device") == 0)
            device = argv[++i];
        else if (strcmp(argv[i], "--qr") == 0)
            qr_text = argv[++i];
        else if (strcmp(argv[i], "--trust") == 0)
            trust_dir = argv[++i];
        else if (strcmp(argv[i], "--wait") == 0)
            wait_s = atoi(argv[++i]);
        else
            return usage();
    }
    if (!device || !qr_text || wait_s < 0 || wait_s > 600)
        return usage();

    static vn_qr qr;
    char err[256] = "";
    if (vn_qr_parse(qr_text, strlen(qr_text), &qr, err, sizeof err) != KS_OK) {
        fprintf(stderr, "nfc_read: bad QR: %s\n", err);
        return 2;
    }
    emrtd_key keys[VN_KEYS_MAX];
    size_t n_keys = vn_cccd_keys(&qr, keys, VN_KEYS_MAX);
    pa_trust *trust = NULL;
    if (trust_dir && pa_trust_load(trust_dir, &trust) != KS_OK) {
        fprintf(stderr, "nfc_read: cannot load the trust directory\n");
        return 2;
    }
    transport *t = NULL;
    nfc_reader_opts no = {.connstring = device, .wait_ms = wait_s * 1000};
    ks_status st = nfc_reader_open(&no, &t, err, sizeof err);
    if (st != KS_OK) {
        fprintf(stderr, "nfc_read: %s\n", err[0] ? err : ks_status_str(st));
        pa_trust_free(trust);
        return 4;
    }
    emrtd_doc *doc = calloc(1, sizeof *doc);
    if (!doc) {
        transport_close(t);
        pa_trust_free(trust);
        return 4;
    }
    emrtd_opts eo = {.trust = trust};
    st = emrtd_read(t, keys, n_keys, &eo, doc);
    bool present = transport_present(t) == KS_OK;
    transport_close(t);
    pa_trust_free(trust);
    print_json(doc, st, present);
    int rc = st == KS_OK ? (strcmp(emrtd_verdict(doc), "genuine") == 0 ? 0 : 1)
             : st == KS_ERR_ACCESS ? 3
                                   : 4;
    emrtd_doc_free(doc);
    free(doc);
    return rc;
}
