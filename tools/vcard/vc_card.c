#include "vc_card.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "vc_bac.h"

#define CARD_JSON_MAX (64u * 1024u)

void vc_card_init(vc_card *card)
{
    memset(card, 0, sizeof *card);
    card->extended_length = true;
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

static ks_status load_json(vc_card *card, const char *path, char *err, size_t cap)
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
    json_object_put(root);
    return rc;
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
    ks_status st = load_json(card, path, err, err_cap);
    if (st != KS_OK)
        return st;
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, err_cap, "%s: %s", dir, strerror(errno));
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
