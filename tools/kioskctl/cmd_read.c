/*
 * kioskctl read / readers — read an ID card through PC/SC and report what was
 * read and whether it is genuine, as text or as one JSON object.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "emrtd.h"
#include "hex.h"
#include "kioskctl.h"
#include "pcsc.h"
#include "vn_cccd.h"
#include "vn_keys.h"

static void read_usage(FILE *to)
{
    fputs("usage: kioskctl read [--reader NAME] [--wait SECONDS]\n"
          "                     (--mrz DOCNO:YYMMDD:YYMMDD | --mrz-text \"MRZ LINES\" |\n"
          "                      --qr TEXT | --can DIGITS)\n"
          "                     [--trust DIR] [--portrait-out FILE] [--aa-challenge HEX16] [--json]\n"
          "exit status: 0 genuine, 1 read but not genuine or unverified, 2 usage,\n"
          "             3 access denied (wrong key), 4 reader or card error\n",
          to);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "kioskctl read: %s\n", msg);
    read_usage(stderr);
    return EXIT_USAGE;
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* DOCNO:YYMMDD:YYMMDD */
static bool parse_mrz_key(const char *arg, emrtd_key *key)
{
    const char *c1 = strchr(arg, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':'))
        return false;
    size_t dn = (size_t)(c1 - arg);
    if (dn == 0 || dn >= sizeof key->document_number)
        return false;
    memset(key, 0, sizeof *key);
    key->kind = EMRTD_KEY_MRZ;
    memcpy(key->document_number, arg, dn);
    if ((size_t)(c2 - c1 - 1) != 6)
        return false;
    memcpy(key->date_of_birth, c1 + 1, 6);
    snprintf(key->date_of_expiry, sizeof key->date_of_expiry, "%s", c2 + 1);
    return all_digits(key->date_of_birth, 6) && all_digits(key->date_of_expiry, 6);
}

static bool key_from_mrz_text(const char *text, emrtd_key *key)
{
    mrz_info m;
    if (mrz_parse(text, strlen(text), &m) != KS_OK)
        return false;
    memset(key, 0, sizeof *key);
    key->kind = EMRTD_KEY_MRZ;
    snprintf(key->document_number, sizeof key->document_number, "%s", m.document_number);
    memcpy(key->date_of_birth, m.date_of_birth, 7);
    memcpy(key->date_of_expiry, m.date_of_expiry, 7);
    return true;
}

static bool parse_hex8(const char *s, uint8_t out[8])
{
    if (strlen(s) != 16)
        return false;
    for (size_t i = 0; i < 8; i++) {
        unsigned v = 0;
        for (size_t j = 0; j < 2; j++) {
            int d = hex_digit_value(s[2 * i + j]);
            if (d < 0)
                return false;
            v = v << 4 | (unsigned)d;
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void add_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static json_object *qr_json(const vn_qr *q)
{
    json_object *o = json_object_new_object();
    add_str(o, "id_number", q->id_number);
    add_str(o, "old_id_number", q->old_id_number);
    add_str(o, "full_name", q->full_name);
    add_str(o, "date_of_birth", q->date_of_birth);
    add_str(o, "sex", q->sex);
    add_str(o, "place_of_residence", q->residence);
    add_str(o, "date_of_issue", q->date_of_issue);
    json_object *extra = json_object_new_array();
    for (size_t i = 0; i < q->n_extra; i++)
        json_object_array_add(extra, json_object_new_string(q->extra[i]));
    json_object_object_add(o, "extra", extra);
    return o;
}

static json_object *dg13_json(const vn_dg13 *d)
{
    json_object *o = json_object_new_object();
    add_str(o, "id_number", d->id_number);
    add_str(o, "full_name", d->full_name);
    add_str(o, "date_of_birth", d->date_of_birth);
    add_str(o, "sex", d->sex);
    add_str(o, "nationality", d->nationality);
    add_str(o, "ethnicity", d->ethnicity);
    add_str(o, "religion", d->religion);
    add_str(o, "place_of_origin", d->place_of_origin);
    add_str(o, "place_of_residence", d->place_of_residence);
    add_str(o, "identification_features", d->identification_features);
    add_str(o, "date_of_issue", d->date_of_issue);
    add_str(o, "date_of_expiry", d->date_of_expiry);
    add_str(o, "father_name", d->father_name);
    add_str(o, "mother_name", d->mother_name);
    add_str(o, "spouse_name", d->spouse_name);
    add_str(o, "old_id_number", d->old_id_number);
    json_object *extra = json_object_new_object();
    for (size_t i = 0; i < d->n_extra; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", d->extra[i].index);
        add_str(extra, key, d->extra[i].value);
    }
    json_object_object_add(o, "extra", extra);
    return o;
}

static json_object *cccd_json(const vn_cccd *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "qr", c->have_qr ? qr_json(&c->qr) : NULL);
    json_object_object_add(o, "dg13", c->have_dg13 ? dg13_json(&c->dg13) : NULL);
    if (!c->have_dg13 && c->dg13_status != KS_ERR_NOT_FOUND)
        add_str(o, "dg13_error", ks_status_str(c->dg13_status));
    add_str(o, "consistency", c->mismatches.n ? "mismatch" : "match");
    json_object *m = json_object_new_array();
    for (size_t i = 0; i < c->mismatches.n; i++)
        json_object_array_add(m, json_object_new_string(c->mismatches.fields[i]));
    json_object_object_add(o, "mismatches", m);
    return o;
}

static json_object *doc_json(const emrtd_doc *doc, const vn_cccd *cccd, bool with_signature)
{
    json_object *root = json_object_new_object();
    json_object *access = json_object_new_object();
    add_str(access, "protocol", doc->access);
    json_object_object_add(root, "access", access);

    json_object *holder = json_object_new_object();
    const emrtd_holder *h = &doc->holder;
    add_str(holder, "document_number", h->document_number);
    /* A CCCD's DG13 has the name as written in Vietnamese; the MRZ only its
     * A-Z transliteration. */
    add_str(holder, "full_name", cccd && cccd->have_dg13 ? cccd->dg13.full_name : h->full_name);
    add_str(holder, "date_of_birth", h->date_of_birth);
    add_str(holder, "sex", h->sex);
    add_str(holder, "nationality", h->nationality);
    if (h->id_number[0])
        add_str(holder, "id_number", h->id_number);
    json_object_object_add(root, "holder", holder);

    if (doc->have_portrait) {
        json_object *p = json_object_new_object();
        add_str(p, "format", doc->portrait.format == DG2_JPEG2000 ? "jp2" : "jpeg");
        json_object_object_add(p, "bytes", json_object_new_int64((int64_t)doc->portrait.image_len));
        uint8_t md[32];
        char mdhex[65];
        unsigned mdlen = 0;
        EVP_Digest(doc->portrait.image, doc->portrait.image_len, md, &mdlen, EVP_sha256(), NULL);
        hex(md, sizeof md, mdhex);
        add_str(p, "sha256", mdhex);
        json_object_object_add(p, "width", json_object_new_int((int)doc->portrait.width));
        json_object_object_add(p, "height", json_object_new_int((int)doc->portrait.height));
        json_object_object_add(root, "portrait", p);
    }

    json_object *auth = json_object_new_object();
    add_str(auth, "passive", emrtd_passive_name(doc->passive.outcome));
    if (doc->passive.reason[0])
        add_str(auth, "passive_reason", doc->passive.reason);
    add_str(auth, "active", emrtd_check_name(doc->active));
    if (doc->active_reason[0])
        add_str(auth, "active_reason", doc->active_reason);
    if (with_signature && doc->aa.signature_len) {
        /* With a caller's challenge a server can check the signature itself. */
        char buf[2 * AA_MAX_SIGNATURE + 1];
        hex(doc->aa_challenge, sizeof doc->aa_challenge, buf);
        add_str(auth, "active_challenge", buf);
        hex(doc->aa.signature, doc->aa.signature_len, buf);
        add_str(auth, "active_signature", buf);
    }
    add_str(auth, "chip", emrtd_check_name(doc->chip));
    if (doc->chip_reason[0])
        add_str(auth, "chip_reason", doc->chip_reason);
    add_str(auth, "verdict", emrtd_verdict(doc));
    json_object_object_add(root, "authentication", auth);

    if (cccd)
        json_object_object_add(root, "cccd", cccd_json(cccd));

    json_object *stats = json_object_new_object();
    json_object_object_add(stats, "apdus", json_object_new_int((int)doc->stats.apdus));
    json_object_object_add(stats, "bytes_sent", json_object_new_int64((int64_t)doc->stats.bytes_sent));
    json_object_object_add(stats, "bytes_received",
                           json_object_new_int64((int64_t)doc->stats.bytes_received));
    json_object_object_add(stats, "elapsed_ms", json_object_new_double(doc->elapsed_ms));
    json_object_object_add(stats, "host_cpu_ms", json_object_new_double(doc->cpu_ms));
    json_object_object_add(root, "stats", stats);
    return root;
}

static void print_text(const emrtd_doc *doc, const vn_cccd *cccd)
{
    const emrtd_holder *h = &doc->holder;
    printf("access:          %s\n", doc->access);
    printf("document number: %s\n", h->document_number);
    if (h->id_number[0])
        printf("ID number:       %s\n", h->id_number);
    printf("name:            %s\n", cccd && cccd->have_dg13 ? cccd->dg13.full_name : h->full_name);
    printf("date of birth:   %s\n", h->date_of_birth);
    printf("sex:             %s\n", h->sex);
    printf("nationality:     %s\n", h->nationality);
    if (doc->have_portrait)
        printf("portrait:        %s, %zu bytes, %ux%u\n",
               doc->portrait.format == DG2_JPEG2000 ? "JPEG 2000" : "JPEG",
               doc->portrait.image_len, doc->portrait.width, doc->portrait.height);
    printf("passive auth:    %s%s%s\n", emrtd_passive_name(doc->passive.outcome),
           doc->passive.reason[0] ? " — " : "", doc->passive.reason);
    printf("active auth:     %s%s%s\n", emrtd_check_name(doc->active),
           doc->active_reason[0] ? " — " : "", doc->active_reason);
    printf("chip auth:       %s%s%s\n", emrtd_check_name(doc->chip),
           doc->chip_reason[0] ? " — " : "", doc->chip_reason);
    if (cccd) {
        printf("QR/chip check:   %s", cccd->mismatches.n ? "mismatch:" : "match");
        for (size_t i = 0; i < cccd->mismatches.n; i++)
            printf(" %s", cccd->mismatches.fields[i]);
        printf("\n");
    }
    printf("verdict:         %s\n", emrtd_verdict(doc));
    printf("APDUs:           %u (%zu bytes sent, %zu received, %.1f ms)\n", doc->stats.apdus,
           doc->stats.bytes_sent, doc->stats.bytes_received, doc->elapsed_ms);
}

static int write_portrait(const emrtd_doc *doc, const char *path)
{
    if (!doc->have_portrait) {
        fprintf(stderr, "kioskctl read: the card has no portrait to write\n");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(doc->portrait.image, 1, doc->portrait.image_len, f) != doc->portrait.image_len) {
        fprintf(stderr, "kioskctl read: cannot write the portrait file\n");
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

int cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        {"reader", required_argument, NULL, 'r'},
        {"wait", required_argument, NULL, 'w'},
        {"mrz", required_argument, NULL, 'm'},
        {"mrz-text", required_argument, NULL, 't'},
        {"qr", required_argument, NULL, 'q'},
        {"can", required_argument, NULL, 'c'},
        {"trust", required_argument, NULL, 'T'},
        {"portrait-out", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"aa-challenge", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *reader = NULL, *trust_dir = NULL, *portrait_out = NULL;
    bool json = false, have_key = false;
    int wait_s = 5;
    emrtd_key keys[VN_KEYS_MAX];
    size_t n_keys = 1;
    emrtd_key *key = &keys[0];
    vn_qr qr;
    bool have_qr = false;
    char qr_err[160];
    uint8_t aa_challenge[8];
    bool aa_challenge_given = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'r': reader = optarg; break;
        case 'w': wait_s = atoi(optarg); break;
        case 'T': trust_dir = optarg; break;
        case 'p': portrait_out = optarg; break;
        case 'j': json = true; break;
        case 'A':
            if (!parse_hex8(optarg, aa_challenge))
                return usage_error("--aa-challenge wants 16 hex digits (8 bytes)");
            aa_challenge_given = true;
            break;
        case 'm':
            if (have_key)
                return usage_error("give exactly one of --mrz, --mrz-text, --qr, --can");
            if (!parse_mrz_key(optarg, key))
                return usage_error("--mrz wants DOCNO:YYMMDD:YYMMDD");
            have_key = true;
            break;
        case 't':
            if (have_key)
                return usage_error("give exactly one of --mrz, --mrz-text, --qr, --can");
            if (!key_from_mrz_text(optarg, key))
                return usage_error("--mrz-text is not a valid TD1, TD2 or TD3 MRZ");
            have_key = true;
            break;
        case 'q':
            if (have_key)
                return usage_error("give exactly one of --mrz, --mrz-text, --qr, --can");
            if (vn_qr_parse(optarg, strlen(optarg), &qr, qr_err, sizeof qr_err) != KS_OK) {
                fprintf(stderr, "kioskctl read: the --qr text is not a CCCD QR code: %s\n", qr_err);
                return EXIT_USAGE;
            }
            n_keys = vn_cccd_keys(&qr, keys, VN_KEYS_MAX);
            if (n_keys == 0)
                return usage_error("no access key can be derived from the --qr text");
            have_qr = have_key = true;
            break;
        case 'c':
            if (have_key)
                return usage_error("give exactly one of --mrz, --mrz-text, --qr, --can");
            if (!all_digits(optarg, 6))
                return usage_error("--can wants the 6-digit card access number");
            memset(key, 0, sizeof *key);
            key->kind = EMRTD_KEY_CAN;
            memcpy(key->can, optarg, 7);
            have_key = true;
            break;
        case 'h':
            read_usage(stdout);
            return 0;
        default:
            read_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument");
    if (!have_key)
        return usage_error("a document key is required (--mrz or --mrz-text)");

    pa_trust *trust = NULL;
    if (trust_dir && pa_trust_load(trust_dir, &trust) != KS_OK) {
        fprintf(stderr, "kioskctl read: cannot load the trust directory %s\n", trust_dir);
        return EXIT_USAGE;
    }

    char err[256] = "";
    transport *t = NULL;
    pcsc_open_opts po = {.reader = reader, .wait_ms = wait_s * 1000};
    ks_status st = pcsc_open(&po, &t, err, sizeof err);
    if (st != KS_OK) {
        fprintf(stderr, "kioskctl read: %s\n", err[0] ? err : ks_status_str(st));
        pa_trust_free(trust);
        return EXIT_READER_ERROR;
    }

    emrtd_opts eo = {.trust = trust, .aa_challenge = aa_challenge_given ? aa_challenge : NULL};
    emrtd_doc *doc = malloc(sizeof *doc);
    if (!doc) {
        transport_close(t);
        pa_trust_free(trust);
        return EXIT_READER_ERROR;
    }
    st = emrtd_read(t, keys, n_keys, &eo, doc);
    transport_close(t);
    pa_trust_free(trust);

    int rc;
    if (st == KS_ERR_ACCESS) {
        fprintf(stderr, "kioskctl read: %s\n", doc->error);
        rc = EXIT_ACCESS_DENIED;
    } else if (st != KS_OK) {
        if (st == KS_ERR_REMOVED)
            fprintf(stderr, "kioskctl read: the card was removed during the read (%s)\n", doc->error);
        else
            fprintf(stderr, "kioskctl read: %s\n", doc->error[0] ? doc->error : ks_status_str(st));
        rc = EXIT_READER_ERROR;
    } else {
        /* A Vietnamese ID card: read from its QR, or recognised by its MRZ. */
        vn_cccd *cccd = NULL;
        if (have_qr || doc->holder.id_number[0] || doc->dg[13].data) {
            cccd = malloc(sizeof *cccd);
            if (cccd)
                vn_cccd_examine(doc, have_qr ? &qr : NULL, cccd);
        }
        if (json) {
            json_object *root = doc_json(doc, cccd, aa_challenge_given);
            puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(root);
        } else {
            print_text(doc, cccd);
        }
        if (cccd) {
            OPENSSL_cleanse(cccd, sizeof *cccd);
            free(cccd);
        }
        rc = strcmp(emrtd_verdict(doc), "genuine") == 0 ? EXIT_GENUINE : EXIT_NOT_GENUINE;
        if (portrait_out && write_portrait(doc, portrait_out) != 0)
            rc = EXIT_READER_ERROR;
    }
    emrtd_doc_free(doc);
    free(doc);
    OPENSSL_cleanse(keys, sizeof keys);
    OPENSSL_cleanse(&qr, sizeof qr);
    return rc;
}

static void print_reader(const char *name, int has_card, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\n", has_card ? "card" : "empty", name);
}

int cmd_readers(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: kioskctl readers\n");
        return EXIT_USAGE;
    }
    char err[256] = "";
    size_t n = 0;
    if (pcsc_list(print_reader, NULL, &n, err, sizeof err) != KS_OK) {
        fprintf(stderr, "kioskctl readers: %s\n", err);
        return EXIT_READER_ERROR;
    }
    if (n == 0)
        fprintf(stderr, "kioskctl readers: no reader found\n");
    return n ? 0 : EXIT_READER_ERROR;
}
