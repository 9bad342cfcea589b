#include "vc_card.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>
#include <openssl/pem.h>

#include "vc_bac.h"

#define CARD_JSON_MAX (64u * 1024u)

void vc_card_init(vc_card *card)
{
    memset(card, 0, sizeof *card);
    card->extended_length = true;
    card->pace_parameter_id = -1;
    card->ca_key_id = -1;
    memcpy(card->aa_digest, "SHA256", 7);
}

/* LDS 1 placement: EF.CardAccess and the 2Fxx files sit in the MF, the rest in the application. */
static bool fid_in_app(uint16_t fid) { return fid != 0x011C && (fid >> 8) != 0x2F; }

static uint8_t fid_sfi(uint16_t fid)
{
    if ((fid >> 8) != 0x01)
        return 0;
    uint8_t lo = (uint8_t)fid;
    if ((lo >= 0x01 && lo <= 0x10) || lo == 0x1C || lo == 0x1D || lo == 0x1E)
        return lo;
    return 0;
}

ks_status vc_card_add_file(vc_card *card, uint16_t fid, const uint8_t *data, size_t len)
{
    if (!card || (len && !data) || len > VC_CARD_MAX_FILE_SIZE || fid == 0x3F00)
        return KS_ERR_ARG;
    if (vc_card_find_fid(card, fid))
        return KS_ERR_ARG;
    if (card->nfiles >= VC_CARD_MAX_FILES)
        return KS_ERR_TOO_LARGE;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return KS_ERR_NO_MEMORY;
    if (len)
        memcpy(copy, data, len);
    vc_file *f = &card->files[card->nfiles++];
    f->fid = fid;
    f->sfi = fid_sfi(fid);
    f->in_app = fid_in_app(fid);
    f->data = copy;
    f->len = len;
    return KS_OK;
}

ks_status vc_card_set_mrz(vc_card *card, const char *doc_number, const char *birth,
                          const char *expiry)
{
    if (!card || !doc_number || !birth || !expiry)
        return KS_ERR_ARG;
    size_t dlen = strlen(doc_number);
    if (dlen == 0 || dlen > VC_CARD_DOC_MAX || strlen(birth) != 6 || strlen(expiry) != 6)
        return KS_ERR_MALFORMED;
    /* Deriving the seed validates every character and both dates. */
    uint8_t seed[VC_BAC_KEY_LEN];
    ks_status st = vc_bac_key_seed(doc_number, birth, expiry, seed);
    memset(seed, 0, sizeof seed);
    if (st != KS_OK)
        return st;
    memcpy(card->doc_number, doc_number, dlen + 1);
    memcpy(card->birth, birth, 7);
    memcpy(card->expiry, expiry, 7);
    card->has_mrz = true;
    return KS_OK;
}

ks_status vc_card_set_can(vc_card *card, const char *can)
{
    if (!card || !can)
        return KS_ERR_ARG;
    size_t n = strlen(can);
    if (n == 0 || n > VC_CARD_CAN_MAX)
        return KS_ERR_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if (can[i] < '0' || can[i] > '9')
            return KS_ERR_MALFORMED;
    memcpy(card->can, can, n + 1);
    card->has_can = true;
    return KS_OK;
}

/* Appends v in base 128, most significant group first. */
static bool oid_put_arc(unsigned long long v, uint8_t *out, size_t cap, size_t *n)
{
    uint8_t tmp[10];
    size_t k = 0;
    do {
        tmp[k++] = (uint8_t)(v & 0x7F);
        v >>= 7;
    } while (v && k < sizeof tmp);
    if (v || *n + k > cap)
        return false;
    while (k > 0) {
        k--;
        out[(*n)++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
    }
    return true;
}

ks_status vc_oid_encode(const char *dotted, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!dotted || !out || !out_len)
        return KS_ERR_ARG;
    unsigned long long arcs[32];
    size_t narcs = 0;
    const char *p = dotted;
    for (;;) {
        if (*p < '0' || *p > '9' || narcs == 32)
            return KS_ERR_MALFORMED;
        unsigned long long v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > 0xFFFFFFFFull)
                return KS_ERR_MALFORMED;
            v = v * 10 + (unsigned)(*p++ - '0');
        }
        arcs[narcs++] = v;
        if (*p == '\0')
            break;
        if (*p++ != '.')
            return KS_ERR_MALFORMED;
    }
    if (narcs < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
        return KS_ERR_MALFORMED;
    size_t n = 0;
    if (!oid_put_arc(arcs[0] * 40 + arcs[1], out, cap, &n))
        return KS_ERR_TOO_LARGE;
    for (size_t i = 2; i < narcs; i++)
        if (!oid_put_arc(arcs[i], out, cap, &n))
            return KS_ERR_TOO_LARGE;
    *out_len = n;
    return KS_OK;
}

const vc_file *vc_card_find_fid(const vc_card *card, uint16_t fid)
{
    for (size_t i = 0; card && i < card->nfiles; i++)
        if (card->files[i].fid == fid)
            return &card->files[i];
    return NULL;
}

const vc_file *vc_card_find_sfi(const vc_card *card, uint8_t sfi)
{
    for (size_t i = 0; card && sfi && i < card->nfiles; i++)
        if (card->files[i].sfi == sfi)
            return &card->files[i];
    return NULL;
}

void vc_card_free(vc_card *card)
{
    if (!card)
        return;
    for (size_t i = 0; i < card->nfiles; i++)
        free(card->files[i].data);
    EVP_PKEY_free(card->aa_key);
    EVP_PKEY_free(card->ca_key);
    memset(card, 0, sizeof *card);
}

static void set_err(char *err, size_t cap, const char *fmt, const char *a, const char *b)
{
    if (err && cap)
        snprintf(err, cap, fmt, a, b);
}

static const char *json_string_field(json_object *obj, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static ks_status load_protocols(vc_card *card, json_object *root, const char *dir,
                                const char *path, char *err, size_t cap);

static ks_status load_json(vc_card *card, const char *dir, const char *path, char *err,
                           size_t cap)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_err(err, cap, "%s: %s", path, "cannot read");
        return KS_ERR_IO;
    }
    if ((size_t)st.st_size > CARD_JSON_MAX) {
        set_err(err, cap, "%s: %s", path, "too large");
        return KS_ERR_TOO_LARGE;
    }
    json_object *root = json_object_from_file(path);
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        set_err(err, cap, "%s: %s", path, "not a JSON object");
        return KS_ERR_MALFORMED;
    }
    ks_status rc = KS_OK;
    json_object *mrz, *ext;
    if (!json_object_object_get_ex(root, "mrz", &mrz) ||
        !json_object_is_type(mrz, json_type_object)) {
        set_err(err, cap, "%s: %s", path, "missing \"mrz\" object");
        rc = KS_ERR_MALFORMED;
    } else {
        const char *doc = json_string_field(mrz, "document_number");
        const char *dob = json_string_field(mrz, "date_of_birth");
        const char *doe = json_string_field(mrz, "date_of_expiry");
        if (!doc || !dob || !doe || vc_card_set_mrz(card, doc, dob, doe) != KS_OK) {
            set_err(err, cap, "%s: %s", path,
                    "mrz needs document_number (A-Z 0-9 <), date_of_birth and "
                    "date_of_expiry (YYMMDD)");
            rc = KS_ERR_MALFORMED;
        }
    }
    if (rc == KS_OK && json_object_object_get_ex(root, "extended_length", &ext)) {
        if (!json_object_is_type(ext, json_type_boolean)) {
            set_err(err, cap, "%s: %s", path, "extended_length must be true or false");
            rc = KS_ERR_MALFORMED;
        } else {
            card->extended_length = json_object_get_boolean(ext) != 0;
        }
    }
    if (rc == KS_OK)
        rc = load_protocols(card, root, dir, path, err, cap);
    json_object_put(root);
    return rc;
}

/* Loads the PEM private key DIR/name (name relative, no "..") into *key. */
static ks_status load_key(const char *dir, const char *name, EVP_PKEY **key)
{
    if (name[0] == '/' || strstr(name, "..") != NULL)
        return KS_ERR_ARG;
    char file[4096];
    if ((size_t)snprintf(file, sizeof file, "%s/%s", dir, name) >= sizeof file)
        return KS_ERR_ARG;
    FILE *f = fopen(file, "r");
    if (!f)
        return KS_ERR_IO;
    *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return *key ? KS_OK : KS_ERR_MALFORMED;
}

/* An integer field in [lo, hi]; *out untouched when absent. KS_ERR_MALFORMED when wrong. */
static ks_status json_int_field(json_object *obj, const char *key, int lo, int hi, int *out)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v))
        return KS_OK;
    if (!json_object_is_type(v, json_type_int))
        return KS_ERR_MALFORMED;
    int64_t n = json_object_get_int64(v);
    if (n < lo || n > hi)
        return KS_ERR_MALFORMED;
    *out = (int)n;
    return KS_OK;
}

/* {"oid": dotted, <int_key>: n}; the OID is required when the object is there. */
static ks_status load_proto_object(json_object *root, const char *name, const char *int_key,
                                   int hi, uint8_t *oid, size_t *oid_len, int *num,
                                   bool *present)
{
    json_object *o;
    *present = false;
    if (!json_object_object_get_ex(root, name, &o))
        return KS_OK;
    if (!json_object_is_type(o, json_type_object))
        return KS_ERR_MALFORMED;
    const char *dotted = json_string_field(o, "oid");
    if (!dotted || vc_oid_encode(dotted, oid, VC_CARD_OID_MAX, oid_len) != KS_OK)
        return KS_ERR_MALFORMED;
    *present = true;
    return json_int_field(o, int_key, 0, hi, num);
}

static ks_status load_quirks(vc_card *card, json_object *root)
{
    json_object *q;
    if (!json_object_object_get_ex(root, "quirks", &q))
        return KS_OK;
    if (!json_object_is_type(q, json_type_array))
        return KS_ERR_MALFORMED;
    size_t n = json_object_array_length(q);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(q, i);
        if (!json_object_is_type(e, json_type_string))
            return KS_ERR_MALFORMED;
        /* Quirks this emulator does not know are ignored, like unknown keys. */
        if (strcmp(json_object_get_string(e), "select-mf-6d00") == 0)
            card->quirk_select_mf_6d00 = true;
    }
    return KS_OK;
}

/* DER content of id-CA-ECDH-AES-CBC-CMAC-128 / id-CA-DH-AES-CBC-CMAC-128, for a ca_key without "ca". */
static void default_ca_oid(vc_card *card)
{
    static const uint8_t ca_ecdh_aes128[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02};
    memcpy(card->ca_oid, ca_ecdh_aes128, sizeof ca_ecdh_aes128);
    if (EVP_PKEY_get_base_id(card->ca_key) == EVP_PKEY_DH ||
        EVP_PKEY_get_base_id(card->ca_key) == EVP_PKEY_DHX)
        card->ca_oid[8] = 0x01;
    card->ca_oid_len = sizeof ca_ecdh_aes128;
}

static ks_status load_aa(vc_card *card, json_object *root, const char *dir, const char *path,
                         char *err, size_t cap)
{
    const char *aa = json_string_field(root, "aa_key");
    if (!aa)
        return KS_OK;
    ks_status st = load_key(dir, aa, &card->aa_key);
    if (st != KS_OK) {
        set_err(err, cap, "%s: %s", path, "aa_key: cannot load the PEM private key");
        return st;
    }
    const char *alg = json_string_field(root, "aa_algorithm");
    bool is_ec = EVP_PKEY_get_base_id(card->aa_key) == EVP_PKEY_EC;
    card->aa_ecdsa = alg ? strcmp(alg, "ecdsa") == 0 : is_ec;
    if (card->aa_ecdsa != is_ec || (alg && strcmp(alg, "rsa") != 0 && strcmp(alg, "ecdsa") != 0)) {
        set_err(err, cap, "%s: %s", path, "aa_algorithm does not match aa_key");
        return KS_ERR_MALFORMED;
    }
    const char *dig = json_string_field(root, "aa_digest");
    if (dig) {
        EVP_MD *md = strlen(dig) < sizeof card->aa_digest ? EVP_MD_fetch(NULL, dig, NULL) : NULL;
        if (!md) {
            set_err(err, cap, "%s: %s", path, "aa_digest is not a known digest");
            return KS_ERR_MALFORMED;
        }
        EVP_MD_free(md);
        memcpy(card->aa_digest, dig, strlen(dig) + 1);
    }
    return KS_OK;
}

static ks_status load_protocols(vc_card *card, json_object *root, const char *dir,
                                const char *path, char *err, size_t cap)
{
    const char *can = json_string_field(root, "can");
    if (can && vc_card_set_can(card, can) != KS_OK) {
        set_err(err, cap, "%s: %s", path, "can must be 1 to 12 digits");
        return KS_ERR_MALFORMED;
    }
    if (load_proto_object(root, "pace", "parameter_id", 31, card->pace_oid, &card->pace_oid_len,
                          &card->pace_parameter_id, &card->has_pace) != KS_OK) {
        set_err(err, cap, "%s: %s", path, "pace needs an \"oid\" and an optional parameter_id");
        return KS_ERR_MALFORMED;
    }
    bool has_ca = false;
    if (load_proto_object(root, "ca", "key_id", 0x7FFFFFFF, card->ca_oid, &card->ca_oid_len,
                          &card->ca_key_id, &has_ca) != KS_OK) {
        set_err(err, cap, "%s: %s", path, "ca needs an \"oid\" and an optional key_id");
        return KS_ERR_MALFORMED;
    }
    const char *ca = json_string_field(root, "ca_key");
    if (ca) {
        ks_status st = load_key(dir, ca, &card->ca_key);
        if (st != KS_OK) {
            set_err(err, cap, "%s: %s", path, "ca_key: cannot load the PEM private key");
            return st;
        }
        if (!has_ca)
            default_ca_oid(card);
    }
    ks_status st = load_aa(card, root, dir, path, err, cap);
    if (st == KS_OK && load_quirks(card, root) != KS_OK) {
        set_err(err, cap, "%s: %s", path, "quirks must be a list of strings");
        st = KS_ERR_MALFORMED;
    }
    return st;
}

/* "XXXX.bin" with upper-case hex; *fid gets the value. */
static bool parse_file_name(const char *name, uint16_t *fid)
{
    if (strlen(name) != 8 || strcmp(name + 4, ".bin") != 0)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = name[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = (v << 4) | d;
    }
    *fid = (uint16_t)v;
    return true;
}

static ks_status load_bin(vc_card *card, const char *path, uint16_t fid, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, cap, "%s: %s", path, strerror(errno));
        return KS_ERR_IO;
    }
    uint8_t *buf = malloc(VC_CARD_MAX_FILE_SIZE + 1);
    if (!buf) {
        fclose(f);
        return KS_ERR_NO_MEMORY;
    }
    size_t n = fread(buf, 1, VC_CARD_MAX_FILE_SIZE + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    ks_status st;
    if (bad) {
        set_err(err, cap, "%s: %s", path, "read error");
        st = KS_ERR_IO;
    } else if (n > VC_CARD_MAX_FILE_SIZE) {
        set_err(err, cap, "%s: %s", path, "larger than 1 MiB");
        st = KS_ERR_TOO_LARGE;
    } else {
        st = vc_card_add_file(card, fid, buf, n);
        if (st != KS_OK)
            set_err(err, cap, "%s: %s", path, ks_status_str(st));
    }
    free(buf);
    return st;
}

ks_status vc_card_load(vc_card *card, const char *dir, char *err, size_t err_cap)
{
    if (!card || !dir)
        return KS_ERR_ARG;
    vc_card_init(card);
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/card.json", dir) >= sizeof path) {
        set_err(err, err_cap, "%s: %s", dir, "path too long");
        return KS_ERR_ARG;
    }
    ks_status st = load_json(card, dir, path, err, err_cap);
    if (st != KS_OK) {
        vc_card_free(card); /* keys may have been loaded */
        return st;
    }
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, err_cap, "%s: %s", dir, strerror(errno));
        vc_card_free(card);
        return KS_ERR_IO;
    }
    struct dirent *e;
    while (st == KS_OK && (e = readdir(d)) != NULL) {
        uint16_t fid;
        if (!parse_file_name(e->d_name, &fid))
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
            set_err(err, err_cap, "%s: %s", dir, "path too long");
            st = KS_ERR_ARG;
            break;
        }
        st = load_bin(card, path, fid, err, err_cap);
    }
    closedir(d);
    if (st != KS_OK)
        vc_card_free(card);
    return st;
}
