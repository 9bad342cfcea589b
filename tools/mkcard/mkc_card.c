#include "mkc_card.h"

#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "mkc_dg13.h"
#include "mkc_lds.h"
#include "mkc_mrz.h"
#include "mkc_sod.h"
#include "mkc_util.h"

#define SECRET_MODE 0600
#define PUBLIC_MODE 0644
#define CARD_JSON_MAX (1024u * 1024u)

/* Everything one card image consists of, built before anything is written. */
typedef struct card_image {
    mkc_bytes com;
    mkc_bytes card_access; /* len 0 = no PACE */
    mkc_bytes dg[17]; /* indexed by data-group number; len 0 = absent */
    mkc_bytes sod;
    mkc_bytes aa_pem, ca_pem, csca_pem;
    mkc_bytes card_json;
    EVP_PKEY *aa_key, *ca_key;
    mkc_signer signer;
} card_image;

static void card_image_free(card_image *img)
{
    mkc_bytes_free(&img->com);
    mkc_bytes_free(&img->card_access);
    for (size_t i = 0; i < 17; i++)
        mkc_bytes_free(&img->dg[i]);
    mkc_bytes_free(&img->sod);
    mkc_bytes_free(&img->aa_pem);
    mkc_bytes_free(&img->ca_pem);
    mkc_bytes_free(&img->csca_pem);
    mkc_bytes_free(&img->card_json);
    EVP_PKEY_free(img->aa_key);
    EVP_PKEY_free(img->ca_key);
    mkc_signer_free(&img->signer);
}

void mkc_options_default(mkc_options *o)
{
    memset(o, 0, sizeof *o);
    o->sig = MKC_SIG_RSA;
    o->hash = "sha256";
    o->aa = MKC_AA_RSA;
    o->ca = MKC_CA_ECDH;
    o->ca_cipher = MKC_CIPHER_AES128;
    o->pace_by_profile = true;
    o->pace = MKC_PACE_NONE;
    o->pace_cipher = MKC_CIPHER_AES128;
    o->pace_param = MKC_PACE_PARAM_DEFAULT;
    o->extended_length = true;
}

ks_status mkc_options_resolve(mkc_options *o, const mkc_profile *p)
{
    if (!o || !p)
        return KS_ERR_ARG;
    if (o->pace_by_profile) {
        /* CCCDs offer PACE (and no BAC-only mode); the sample passport is BAC-only. */
        o->pace = p->type == MKC_PROFILE_CCCD ? MKC_PACE_ECDH_GM : MKC_PACE_NONE;
        o->pace_by_profile = false;
    }
    if (o->pace == MKC_PACE_NONE)
        return KS_OK;
    if (o->pace_param == MKC_PACE_PARAM_DEFAULT)
        o->pace_param = mkc_pace_default_param(o->pace);
    return mkc_pace_check_param(o->pace, o->pace_param);
}

const EVP_MD *mkc_card_digest(const char *name)
{
    static const struct {
        const char *name;
        const EVP_MD *(*md)(void);
    } table[] = {{"sha1", EVP_sha1},     {"sha224", EVP_sha224}, {"sha256", EVP_sha256},
                 {"sha384", EVP_sha384}, {"sha512", EVP_sha512}};
    for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(name, table[i].name) == 0)
            return table[i].md();
    return NULL;
}

/* dd/MM/yyyy -> ddMMyyyy */
static void dmy_compact(const char *dmy, char out[9])
{
    memcpy(out, dmy, 2);
    memcpy(out + 2, dmy + 3, 2);
    memcpy(out + 4, dmy + 6, 4);
    out[8] = '\0';
}

ks_status mkc_card_qr_text(const mkc_cccd_fields *c, char *out, size_t cap)
{
    if (!mkc_profile_is_dmy(c->date_of_birth) || !mkc_profile_is_dmy(c->date_of_issue))
        return KS_ERR_ARG;
    char dob[9], issued[9];
    dmy_compact(c->date_of_birth, dob);
    dmy_compact(c->date_of_issue, issued);
    int n = snprintf(out, cap, "%s|%s|%s|%s|%s|%s|%s", c->id_number, c->old_id_number,
                     c->full_name, dob, c->sex, c->place_of_residence, issued);
    if (n < 0 || (size_t)n >= cap)
        return mkc_fail(KS_ERR_TOO_LARGE, "QR text too long");
    return KS_OK;
}

static ks_status build_data_groups(const mkc_options *o, const mkc_profile *p, card_image *img)
{
    char mrz[MKC_MRZ_MAX];
    size_t mrz_len;
    ks_status st = mkc_mrz_build(p, mrz, &mrz_len);
    if (st == KS_OK)
        st = mkc_lds_dg1(mrz, mrz_len, &img->dg[1]);
    if (st != KS_OK)
        return st;

    mkc_bytes jpeg;
    st = mkc_read_file(o->portrait_path, MKC_LDS_PORTRAIT_MAX, &jpeg);
    if (st != KS_OK)
        return st;
    st = mkc_lds_dg2(jpeg.data, jpeg.len, mkc_lds_gender(p->mrz.sex[0]), &img->dg[2]);
    mkc_bytes_free(&jpeg);
    if (st != KS_OK)
        return st;

    if (p->type == MKC_PROFILE_CCCD && (st = mkc_dg13_build(&p->cccd, &img->dg[13])) != KS_OK)
        return st;

    if (o->aa != MKC_AA_NONE) {
        if ((st = mkc_secinfo_gen_aa_key(o->aa, &img->aa_key)) != KS_OK ||
            (st = mkc_secinfo_dg15(img->aa_key, &img->dg[15])) != KS_OK ||
            (st = mkc_pem_private_key(img->aa_key, &img->aa_pem)) != KS_OK)
            return st;
    }
    if (o->ca != MKC_CA_NONE) {
        if ((st = mkc_secinfo_gen_ca_key(o->ca, &img->ca_key)) != KS_OK ||
            (st = mkc_pem_private_key(img->ca_key, &img->ca_pem)) != KS_OK)
            return st;
    }
    /* DG14 carries CA's key and, for an EC AA key, the AA signature algorithm. */
    if (o->ca != MKC_CA_NONE || o->aa == MKC_AA_ECDSA)
        st = mkc_secinfo_dg14(o->ca, o->ca_cipher, img->ca_key, o->aa, &img->dg[14]);
    if (st == KS_OK && o->pace != MKC_PACE_NONE) {
        mkc_pace_config pace = {o->pace, o->pace_cipher, o->pace_param};
        st = mkc_pace_card_access(&pace, o->ca, o->ca_cipher, &img->card_access);
    }
    return st;
}

static ks_status build_com_and_sod(const mkc_options *o, const mkc_profile *p, card_image *img)
{
    const EVP_MD *md = mkc_card_digest(o->hash);
    if (!md)
        return mkc_fail(KS_ERR_ARG, "unknown hash %s", o->hash ? o->hash : "(none)");
    unsigned present[16];
    mkc_dg_file files[16];
    size_t n = 0;
    for (unsigned dg = 1; dg <= 16; dg++) {
        if (img->dg[dg].len == 0)
            continue;
        present[n] = dg;
        files[n] = (mkc_dg_file){dg, img->dg[dg].data, img->dg[dg].len};
        n++;
    }
    ks_status st = mkc_lds_com(present, n, &img->com);
    if (st != KS_OK)
        return st;

    if (o->dsc_key_path) {
        st = mkc_cert_load(o->dsc_key_path, o->dsc_cert_path, &img->signer);
    } else {
        char country[3];
        mkc_cert_country(p->mrz.issuing_state, country);
        st = mkc_cert_generate(o->sig, md, country, &img->signer);
        if (st == KS_OK)
            st = mkc_pem_certificate(img->signer.csca, &img->csca_pem);
    }
    if (st != KS_OK)
        return st;
    return mkc_sod_build(files, n, md, o->sig, &img->signer, &img->sod);
}

static void json_add_string(json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key, json_object_new_string(value));
}

/* {"oid": ..., extra_key: extra} */
static json_object *oid_object(const char *oid, const char *extra_key, int extra)
{
    json_object *obj = json_object_new_object();
    if (!obj)
        return NULL;
    json_add_string(obj, "oid", oid);
    if (extra_key)
        json_object_object_add(obj, extra_key, json_object_new_int(extra));
    return obj;
}

/* "pace", "ca" and "quirks": what the emulator needs to run the protocols. */
static ks_status add_protocol_keys(const mkc_options *o, const mkc_profile *p, json_object *root)
{
    char oid[MKC_OID_MAX];
    ks_status st;
    if (o->pace != MKC_PACE_NONE) {
        if ((st = mkc_pace_oid(o->pace, o->pace_cipher, oid)) != KS_OK)
            return st;
        json_object_object_add(root, "pace", oid_object(oid, "parameter_id", o->pace_param));
    }
    if (o->ca != MKC_CA_NONE) {
        if ((st = mkc_secinfo_ca_oid(o->ca, o->ca_cipher, oid)) != KS_OK)
            return mkc_fail(st, "unknown Chip Authentication cipher");
        /* DG14 has no keyId (one CA key), so neither does "ca". */
        json_object_object_add(root, "ca", oid_object(oid, NULL, 0));
    }
    if (p->type == MKC_PROFILE_CCCD) {
        json_object *quirks = json_object_new_array();
        if (!quirks)
            return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for card.json");
        json_object_array_add(quirks, json_object_new_string("select-mf-6d00"));
        json_object_object_add(root, "quirks", quirks);
    }
    return KS_OK;
}

static ks_status build_card_json(const mkc_options *o, const mkc_profile *p, card_image *img)
{
    json_object *root = json_object_new_object();
    json_object *mrz = json_object_new_object();
    if (!root || !mrz) {
        json_object_put(root);
        json_object_put(mrz);
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for card.json");
    }
    json_object_object_add(root, "version", json_object_new_int(1));
    json_add_string(root, "profile", mkc_profile_type_name(p->type));
    json_add_string(mrz, "document_number", p->mrz.document_number);
    json_add_string(mrz, "date_of_birth", p->mrz.date_of_birth);
    json_add_string(mrz, "date_of_expiry", p->mrz.date_of_expiry);
    json_object_object_add(root, "mrz", mrz);
    ks_status st = KS_OK;
    if (p->type == MKC_PROFILE_CCCD) {
        char qr[8 * (MKC_FIELD_MAX + 1)];
        st = mkc_card_qr_text(&p->cccd, qr, sizeof qr);
        json_add_string(root, "can", p->cccd.id_number + 6);
        if (st == KS_OK)
            json_add_string(root, "qr", qr);
    }
    json_object_object_add(root, "extended_length", json_object_new_boolean(o->extended_length));
    if (o->aa != MKC_AA_NONE) {
        json_add_string(root, "aa_key", "aa_key.pem");
        json_add_string(root, "aa_algorithm", o->aa == MKC_AA_RSA ? "rsa" : "ecdsa");
        json_add_string(root, "aa_digest", "sha256");
    }
    if (o->ca != MKC_CA_NONE) {
        json_add_string(root, "ca_key", "ca_key.pem");
        json_add_string(root, "ca_algorithm", o->ca == MKC_CA_ECDH ? "ecdh" : "dh");
    }
    if (img->csca_pem.len)
        json_add_string(root, "csca", "trust/csca.pem");
    if (st == KS_OK)
        st = add_protocol_keys(o, p, root);
    if (st == KS_OK) {
        const char *text = json_object_to_json_string_ext(
            root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t len = text ? strlen(text) : 0;
        st = text ? mkc_bytes_alloc(&img->card_json, len + 1) : KS_ERR_NO_MEMORY;
        if (st == KS_OK) {
            memcpy(img->card_json.data, text, len);
            img->card_json.data[len] = '\n';
        }
    }
    json_object_put(root);
    return st;
}

static ks_status write_or_remove(const char *dir, const char *name, const mkc_bytes *b, mode_t mode)
{
    if (b->len == 0)
        return mkc_remove_file(dir, name);
    return mkc_write_file(dir, name, b->data, b->len, mode);
}

static ks_status write_image(const char *dir, const card_image *img)
{
    ks_status st = mkc_mkdirs(dir);
    if (st == KS_OK)
        st = mkc_write_file(dir, "011E.bin", img->com.data, img->com.len, SECRET_MODE);
    for (unsigned dg = 1; dg <= 16 && st == KS_OK; dg++) {
        char name[16];
        snprintf(name, sizeof name, "%04X.bin", (unsigned)mkc_lds_dg_fid(dg));
        st = write_or_remove(dir, name, &img->dg[dg], SECRET_MODE);
    }
    if (st == KS_OK)
        st = mkc_write_file(dir, "011D.bin", img->sod.data, img->sod.len, SECRET_MODE);
    if (st == KS_OK)
        st = write_or_remove(dir, "011C.bin", &img->card_access, SECRET_MODE);
    if (st == KS_OK)
        st = write_or_remove(dir, "aa_key.pem", &img->aa_pem, SECRET_MODE);
    if (st == KS_OK)
        st = write_or_remove(dir, "ca_key.pem", &img->ca_pem, SECRET_MODE);
    if (st == KS_OK) {
        char trust[4096];
        int n = snprintf(trust, sizeof trust, "%s/trust", dir);
        if (n < 0 || (size_t)n >= sizeof trust)
            return mkc_fail(KS_ERR_TOO_LARGE, "path too long");
        if (img->csca_pem.len)
            st = mkc_mkdirs(trust);
        if (st == KS_OK)
            st = write_or_remove(trust, "csca.pem", &img->csca_pem, PUBLIC_MODE);
    }
    /* card.json last: its presence means the image is complete. */
    if (st == KS_OK)
        st = mkc_write_file(dir, "card.json", img->card_json.data, img->card_json.len, SECRET_MODE);
    return st;
}

ks_status mkc_card_build(const mkc_options *o, const mkc_profile *p)
{
    if (!o || !p || !o->portrait_path || !o->out_dir ||
        (!o->dsc_key_path) != (!o->dsc_cert_path))
        return mkc_fail(KS_ERR_ARG, "bad build options");
    mkc_options opt = *o;
    ks_status st = mkc_options_resolve(&opt, p);
    if (st != KS_OK)
        return st;
    card_image img;
    memset(&img, 0, sizeof img);
    st = build_data_groups(&opt, p, &img);
    if (st == KS_OK)
        st = build_com_and_sod(&opt, p, &img);
    if (st == KS_OK)
        st = build_card_json(&opt, p, &img);
    if (st == KS_OK)
        st = write_image(opt.out_dir, &img);
    card_image_free(&img);
    return st;
}

ks_status mkc_card_print_qr(const char *dir, FILE *out)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/card.json", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return mkc_fail(KS_ERR_TOO_LARGE, "path too long");
    mkc_bytes file;
    ks_status st = mkc_read_file(path, CARD_JSON_MAX, &file);
    if (st != KS_OK)
        return st;
    json_tokener *tok = json_tokener_new();
    json_object *root = tok ? json_tokener_parse_ex(tok, (const char *)file.data, (int)file.len) : NULL;
    bool parsed = tok && json_tokener_get_error(tok) == json_tokener_success && root;
    json_tokener_free(tok);
    mkc_bytes_free(&file);
    json_object *qr;
    if (!parsed) {
        st = mkc_fail(KS_ERR_MALFORMED, "%s is not valid JSON", path);
    } else if (!json_object_object_get_ex(root, "qr", &qr) || !json_object_is_type(qr, json_type_string)) {
        st = mkc_fail(KS_ERR_NOT_FOUND, "%s has no qr text (not a cccd image)", path);
    } else if (fprintf(out, "%s\n", json_object_get_string(qr)) < 0 || fflush(out) != 0) {
        st = mkc_fail(KS_ERR_IO, "cannot write the QR text");
    }
    json_object_put(root);
    return st;
}
