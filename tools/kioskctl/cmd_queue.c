/*
 * kioskctl queue — inspect and manage the kiosk's record queue
 * (hostd/store/store.h): counts, listing, dead-letter retry, purge, key
 * rotation, synthetic records for tests, and `drain` (the uploader's
 * queue_drain(), in cmd_queue_drain.c). Nothing it prints holds personal
 * data: ids, states, counters, times and non-personal reasons only.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "config.h"
#include "keyfile.h"
#include "kioskctl.h"
#include "record.h"
#include "store.h"

int cmd_queue(int argc, char **argv);
int queue_drain(int argc, char **argv);

#define DEFAULT_DB KCONF_DEFAULT_QUEUE_DB
#define DEFAULT_KEY KCONF_DEFAULT_KEY_FILE
#define DEFAULT_RETENTION_S (7 * 24 * 3600)
#define MAX_SAMPLES 1000000
#define MAX_BATCH 10000 /* records per transaction for enqueue-sample --batch */

static void queue_usage(FILE *to)
{
    fputs("usage: kioskctl queue status [--json]\n"
          "       kioskctl queue list [--state STATE] [--limit N] [--json]\n"
          "       kioskctl queue retry [ID]          dead letters back to pending (all without ID)\n"
          "       kioskctl queue purge [--retention SECONDS]\n"
          "                                          delete acknowledged records older than that\n"
          "                                          (default 604800 = 7 days)\n"
          "       kioskctl queue enqueue-sample N [--purpose P] [--sign-key PEM] [--batch K]\n"
          "                                          N synthetic records (test data only)\n"
          "       kioskctl queue rekey                re-encrypt every record under the current key\n"
          "       kioskctl queue keygen               add a new current key to the key file\n"
          "       kioskctl queue drain [--until-empty] upload pending records now\n"
          "common options:\n"
          "  --db FILE    queue database (default: $KIOSK_QUEUE_DB, $KS_QUEUE_DB, else " DEFAULT_DB ")\n"
          "  --key FILE   key file, mode 0600 (default: $KIOSK_KEY_FILE, else " DEFAULT_KEY ")\n"
          "environment: KIOSK_QUEUE_MAX_BYTES caps the stored, unacknowledged records\n"
          "STATE: pending, in_flight, acknowledged, dead_letter\n"
          "exit status: 0 done, 1 failed, 2 usage\n",
          to);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "kioskctl queue: %s\n", msg);
    queue_usage(stderr);
    return EXIT_USAGE;
}

typedef struct queue_args {
    const char *db, *key, *sign_key, *purpose;
    bool json, help;
    int state;          /* -1 = all */
    unsigned long limit;
    long long retention;
    size_t batch;       /* enqueue-sample: records per transaction */
    const char *positional[2];
    int n_positional;
} queue_args;

static bool parse_number(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_state(const char *s)
{
    for (int i = 0; i < STORE_STATE_COUNT_; i++)
        if (strcmp(s, store_state_name((store_state)i)) == 0)
            return i;
    return -2;
}

/* argv[0] is the action; 0 or a usage exit code. */
static int parse_args(int argc, char **argv, queue_args *a)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"key", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"state", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'l'},
        {"retention", required_argument, NULL, 'r'},
        {"purpose", required_argument, NULL, 'p'},
        {"sign-key", required_argument, NULL, 'S'},
        {"batch", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->db = kconf_str("KIOSK_QUEUE_DB", kconf_str("KS_QUEUE_DB", DEFAULT_DB));
    a->key = kconf_str("KIOSK_KEY_FILE", DEFAULT_KEY);
    a->sign_key = kconf_str("KIOSK_SIGNING_KEY", NULL);
    a->purpose = "kiosk";
    a->batch = 1;
    a->state = -1;
    a->retention = DEFAULT_RETENTION_S;
    optind = 1;
    opterr = 0;
    int c;
    unsigned long long n;
    /* "+": stop at each positional, take it, and carry on with options */
    while (optind < argc) {
        c = getopt_long(argc, argv, "+h", longopts, NULL);
        if (c == -1) {
            if (optind >= argc)
                break;
            if (a->n_positional == 2)
                return usage_error("too many arguments");
            a->positional[a->n_positional++] = argv[optind++];
            continue;
        }
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'k': a->key = optarg; break;
        case 'j': a->json = true; break;
        case 'S': a->sign_key = optarg; break;
        case 'b':
            if (!parse_number(optarg, MAX_BATCH, &n) || n == 0)
                return usage_error("--batch needs 1..10000 records per transaction");
            a->batch = (size_t)n;
            break;
        case 'p': a->purpose = optarg; break;
        case 'h': a->help = true; break;
        case 's':
            if ((a->state = parse_state(optarg)) < 0)
                return usage_error("unknown --state");
            break;
        case 'l':
            if (!parse_number(optarg, 1000000000ull, &n))
                return usage_error("--limit needs a number");
            a->limit = (unsigned long)n;
            break;
        case 'r':
            if (!parse_number(optarg, 100ull * 365 * 86400, &n))
                return usage_error("--retention needs a number of seconds");
            a->retention = (long long)n;
            break;
        default: return usage_error("unknown option or missing argument");
        }
    }
    return 0;
}

static store *open_queue(const queue_args *a, bool need_key)
{
    store_options o;
    memset(&o, 0, sizeof o);
    o.db_path = a->db;
    o.key_file = a->key;
    o.flags = STORE_OPEN_SHARED | (need_key ? 0u : STORE_OPEN_NO_KEY);
    /* The size cap (store.h's default when unset): a kiosk with a bigger
     * disk, or a benchmark's backlog, raises it. */
    unsigned long long cap = 0;
    const char *cap_env = getenv("KIOSK_QUEUE_MAX_BYTES");
    if (cap_env && parse_number(cap_env, 1ULL << 40, &cap))
        o.max_bytes = cap;
    store *s = NULL;
    char err[STORE_ERR_LEN];
    if (store_open(&o, &s, err) != KS_OK) {
        fprintf(stderr, "kioskctl queue: %s\n", err);
        return NULL;
    }
    return s;
}

static int report(store *s, ks_status rc)
{
    if (rc == KS_OK)
        return 0;
    fprintf(stderr, "kioskctl queue: %s\n", store_last_error(s));
    return 1;
}

/* ---- status / list -------------------------------------------------------- */

static int do_status(const queue_args *a)
{
    store *s = open_queue(a, false);
    if (!s)
        return 1;
    store_counts c;
    ks_status rc = store_status(s, (int64_t)time(NULL), &c);
    if (rc == KS_OK && a->json) {
        printf("{\"pending\":%" PRIu64 ",\"in_flight\":%" PRIu64 ",\"acknowledged\":%" PRIu64
               ",\"dead_letter\":%" PRIu64 ",\"oldest_pending_age_s\":%" PRId64
               ",\"stored_bytes\":%" PRIu64 "}\n",
               c.pending, c.in_flight, c.acknowledged, c.dead_letter, c.oldest_pending_age_s,
               c.stored_bytes);
    } else if (rc == KS_OK) {
        printf("pending        %" PRIu64 "\nin_flight      %" PRIu64 "\nacknowledged   %" PRIu64
               "\ndead_letter    %" PRIu64 "\noldest pending %" PRId64 " s\nstored bytes   %" PRIu64
               "\n",
               c.pending, c.in_flight, c.acknowledged, c.dead_letter, c.oldest_pending_age_s,
               c.stored_bytes);
    }
    int ret = report(s, rc);
    store_close(s);
    return ret;
}

typedef struct list_ctx {
    bool json;
    int64_t now;
    json_object *arr;
} list_ctx;

static int print_entry(const store_entry *e, void *ctx)
{
    list_ctx *l = ctx;
    if (l->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(e->id));
        json_object_object_add(o, "state", json_object_new_string(store_state_name(e->state)));
        json_object_object_add(o, "attempts", json_object_new_int64(e->attempts));
        json_object_object_add(o, "created_at", json_object_new_int64(e->created_at));
        json_object_object_add(o, "next_attempt_at", json_object_new_int64(e->next_attempt_at));
        json_object_object_add(o, "key_id", json_object_new_int64(e->key_id));
        json_object_object_add(o, "size", json_object_new_int64(e->size));
        json_object_object_add(o, "last_error", json_object_new_string(e->last_error));
        json_object_array_add(l->arr, o);
        return 0;
    }
    long long next_in = e->state == STORE_PENDING && e->next_attempt_at > l->now
                            ? (long long)(e->next_attempt_at - l->now) : 0;
    printf("%s  %-12s  %5" PRIu32 "  %8lld  %6lld  %s\n", e->id, store_state_name(e->state),
           e->attempts, (long long)(l->now - e->created_at), next_in, e->last_error);
    return 0;
}

static int do_list(const queue_args *a)
{
    store *s = open_queue(a, false);
    if (!s)
        return 1;
    list_ctx l = {a->json, (int64_t)time(NULL), a->json ? json_object_new_array() : NULL};
    if (!a->json)
        printf("%-26s  %-12s  %5s  %8s  %6s  %s\n", "ID", "STATE", "TRIES", "AGE_S", "NEXT_S",
               "LAST_ERROR");
    ks_status rc = store_list(s, a->state, a->limit, print_entry, &l);
    if (rc == KS_OK && a->json)
        printf("%s\n", json_object_to_json_string_ext(l.arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(l.arr);
    int ret = report(s, rc);
    store_close(s);
    return ret;
}

/* ---- retry / purge / rekey / keygen ---------------------------------------- */

static int do_retry(const queue_args *a)
{
    const char *id = a->n_positional > 0 ? a->positional[0] : NULL;
    if (id && !store_id_valid(id))
        return usage_error("not a record id");
    store *s = open_queue(a, false);
    if (!s)
        return 1;
    size_t n = 0;
    ks_status rc = store_requeue(s, id, (int64_t)time(NULL), &n);
    if (rc == KS_OK)
        printf("%zu record(s) back to pending\n", n);
    int ret = report(s, rc);
    store_close(s);
    return ret;
}

static int do_purge(const queue_args *a)
{
    store *s = open_queue(a, false);
    if (!s)
        return 1;
    size_t n = 0;
    ks_status rc = store_purge(s, a->retention, (int64_t)time(NULL), &n);
    if (rc == KS_OK)
        printf("%zu acknowledged record(s) purged\n", n);
    int ret = report(s, rc);
    store_close(s);
    return ret;
}

static int do_rekey(const queue_args *a)
{
    store *s = open_queue(a, true);
    if (!s)
        return 1;
    size_t n = 0;
    ks_status rc = store_rekey(s, &n);
    if (rc == KS_OK)
        printf("%zu record(s) re-encrypted under the current key\n", n);
    int ret = report(s, rc);
    store_close(s);
    return ret;
}

static int do_keygen(const queue_args *a)
{
    uint32_t id = 0;
    char err[256] = "";
    if (keyfile_add_key(a->key, &id, err, sizeof err) != KS_OK) {
        fprintf(stderr, "kioskctl queue: %s\n", err[0] ? err : "cannot add a key");
        return 1;
    }
    printf("key id %u added to %s and is now the current key\n", (unsigned)id, a->key);
    return 0;
}

/* ---- enqueue-sample ----------------------------------------------------------- */

static const char *const FAMILY[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan",
                                     "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"};
static const char *const MIDDLE_M[] = {"Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành"};
static const char *const MIDDLE_F[] = {"Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Khánh"};
static const char *const GIVEN_M[] = {"An", "Bình", "Dũng", "Hải", "Khoa", "Nam", "Quân", "Tuấn"};
static const char *const GIVEN_F[] = {"Hương", "Lan", "Linh", "Phương", "Thảo", "Trang", "Vy", "Yến"};
static const char *const STREETS[] = {"Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Hai Bà Trưng",
                                      "Lý Thường Kiệt", "Phan Chu Trinh"};
static const struct province {
    const char *code, *city, *ward, *district;
} PROVINCES[] = {
    {"001", "Hà Nội", "Phường Hàng Bạc", "Quận Hoàn Kiếm"},
    {"079", "TP. Hồ Chí Minh", "Phường Bến Nghé", "Quận 1"},
    {"048", "Đà Nẵng", "Phường Hải Châu I", "Quận Hải Châu"},
    {"031", "Hải Phòng", "Phường Máy Tơ", "Quận Ngô Quyền"},
    {"092", "Cần Thơ", "Phường Tân An", "Quận Ninh Kiều"},
};
#define PICK(arr) (arr[rand_below(sizeof arr / sizeof arr[0])])

static size_t rand_below(size_t n)
{
    uint32_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
        r = (uint32_t)rand();
    return (size_t)(r % n);
}

typedef struct sample_person {
    char name[96], id[32], dob[40], address[192], expiry[48];
    const char *sex, *nationality;
} sample_person;

/* A plausible but invented citizen: the CCCD number follows the real layout
 * (province code, sex/century digit, two-digit birth year, six digits). */
static void invent_person(sample_person *p)
{
    bool female = rand_below(2);
    int year = 1950 + (int)rand_below(57);
    const struct province *pv = &PICK(PROVINCES);
    snprintf(p->name, sizeof p->name, "%s %s %s", PICK(FAMILY),
             female ? PICK(MIDDLE_F) : PICK(MIDDLE_M), female ? PICK(GIVEN_F) : PICK(GIVEN_M));
    int sex_century = (year >= 2000 ? 2 : 0) + (female ? 1 : 0);
    snprintf(p->id, sizeof p->id, "%s%d%02d%06u", pv->code, sex_century, year % 100,
             (unsigned)rand_below(1000000));
    snprintf(p->dob, sizeof p->dob, "%04d-%02d-%02d", year, 1 + (int)rand_below(12),
             1 + (int)rand_below(28));
    snprintf(p->address, sizeof p->address, "Số %u Đường %s, %s, %s, %s",
             1 + (unsigned)rand_below(300), PICK(STREETS), pv->ward, pv->district, pv->city);
    snprintf(p->expiry, sizeof p->expiry, "%04d-%s", year + (year >= 1966 ? 60 : 80), p->dob + 5);
    p->sex = female ? "Nữ" : "Nam";
    p->nationality = "Việt Nam";
}

static EVP_PKEY *sample_signing_key(const queue_args *a)
{
    if (a->sign_key) {
        EVP_PKEY *k = NULL;
        char err[RECORD_ERR_LEN];
        if (record_load_signing_key(a->sign_key, &k, err) != KS_OK) {
            fprintf(stderr, "kioskctl queue: %s\n", err);
            return NULL;
        }
        return k;
    }
    fprintf(stderr, "kioskctl queue: no --sign-key/KIOSK_SIGNING_KEY: samples are signed "
                    "with a throwaway key\n");
    return EVP_EC_gen("P-256");
}

/* A signed, canonical sample record; the caller frees *json. */
static ks_status build_sample(EVP_PKEY *key, const record_policy *pol, record_purpose purpose,
                              char **json, size_t *len)
{
    sample_person p;
    invent_person(&p);
    int64_t now = (int64_t)time(NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    record_input in;
    memset(&in, 0, sizeof in);
    in.kiosk_id = "SAMPLE-KIOSK";
    in.site_id = "SAMPLE-SITE";
    in.purpose = purpose;
    in.document_type = "cccd";
    in.card_read_at = now - 4;
    in.verified_at = now - 1;
    in.holder[RECORD_ID_NUMBER] = p.id;
    in.holder[RECORD_FULL_NAME] = p.name;
    in.holder[RECORD_DATE_OF_BIRTH] = p.dob;
    in.holder[RECORD_SEX] = p.sex;
    in.holder[RECORD_NATIONALITY] = p.nationality;
    in.holder[RECORD_PLACE_OF_RESIDENCE] = p.address;
    in.holder[RECORD_DATE_OF_EXPIRY] = p.expiry;
    in.passive_auth = "passed";
    in.active_auth = rand_below(2) ? "passed" : "not_supported";
    in.chip_auth = "passed";
    in.verdict = "genuine";
    in.face_match_permille = 700 + (int)rand_below(300);
    in.face_match = "match";
    in.liveness = "live";
    in.consent_text_version = "vi-2026-01";
    in.consent_given_at = now - 10;
    json_object *rec = NULL;
    ks_status rc = record_build(&in, pol, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &rec);
    if (rc == KS_OK && (rc = record_sign(rec, key)) == KS_OK)
        rc = record_canonical(rec, json, len);
    json_object_put(rec);
    return rc;
}

/* Enqueues `count` sample records in one transaction. */
static ks_status enqueue_samples(store *s, EVP_PKEY *key, const record_policy *pol,
                                 record_purpose purpose, size_t count)
{
    char *jsons[MAX_BATCH];
    size_t lens[MAX_BATCH];
    size_t built = 0;
    ks_status rc = KS_OK;
    for (; built < count && rc == KS_OK; built++)
        rc = build_sample(key, pol, purpose, &jsons[built], &lens[built]);
    if (rc != KS_OK)
        built--;
    if (rc == KS_OK)
        rc = store_enqueue_many(s, (const char *const *)jsons, lens, built, (int64_t)time(NULL),
                                NULL);
    for (size_t i = 0; i < built; i++)
        free(jsons[i]);
    return rc;
}

static int do_enqueue_sample(const queue_args *a)
{
    unsigned long long n = 0;
    if (a->n_positional < 1 || !parse_number(a->positional[0], MAX_SAMPLES, &n) || n == 0)
        return usage_error("enqueue-sample needs a count 1..1000000");
    record_purpose purpose;
    if (record_purpose_parse(a->purpose, &purpose) != KS_OK)
        return usage_error("unknown --purpose (kiosk, clinic, driving-test, lodging)");
    EVP_PKEY *key = sample_signing_key(a);
    if (!key)
        return 1;
    store *s = open_queue(a, true);
    if (!s) {
        EVP_PKEY_free(key);
        return 1;
    }
    record_policy pol;
    record_policy_defaults(&pol);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long long done = 0;
    ks_status rc = KS_OK;
    while (done < n) {
        size_t chunk = n - done < a->batch ? (size_t)(n - done) : a->batch;
        if ((rc = enqueue_samples(s, key, &pol, purpose, chunk)) != KS_OK)
            break;
        done += chunk;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%llu record(s) enqueued", done);
    if (done && secs > 0)
        printf(" (%.0f/s)", (double)done / secs);
    printf("\n");
    fflush(stdout);
    int ret = report(s, rc);
    store_close(s);
    EVP_PKEY_free(key);
    return ret;
}

int cmd_queue(int argc, char **argv)
{
    if (argc < 2) {
        queue_usage(stderr);
        return EXIT_USAGE;
    }
    const char *action = argv[1];
    if (strcmp(action, "drain") == 0)
        return queue_drain(argc - 1, argv + 1);
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0 || strcmp(action, "help") == 0) {
        queue_usage(stdout);
        return 0;
    }
    queue_args a;
    int u = parse_args(argc - 1, argv + 1, &a);
    if (u)
        return u;
    if (a.help) {
        queue_usage(stdout);
        return 0;
    }
    bool takes_positional = strcmp(action, "retry") == 0 || strcmp(action, "enqueue-sample") == 0;
    if (!takes_positional && a.n_positional > 0)
        return usage_error("unexpected argument");
    if (strcmp(action, "status") == 0)
        return do_status(&a);
    if (strcmp(action, "list") == 0)
        return do_list(&a);
    if (strcmp(action, "retry") == 0)
        return do_retry(&a);
    if (strcmp(action, "purge") == 0)
        return do_purge(&a);
    if (strcmp(action, "enqueue-sample") == 0)
        return do_enqueue_sample(&a);
    if (strcmp(action, "rekey") == 0)
        return do_rekey(&a);
    if (strcmp(action, "keygen") == 0)
        return do_keygen(&a);
    return usage_error("unknown action");
}
