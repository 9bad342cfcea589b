#include "emrtd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bac.h"
#include "ca.h"
#include "ef.h"
#include "pace.h"

static const uint8_t EMRTD_AID[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
#define DEFAULT_MAX_FILE (1024u * 1024u)

/* The data groups a kiosk reads when EF.COM lists them. DG3/DG4 need EAC
 * (fingerprints, iris) and DG5-DG10 carry nothing the record uses. */
static const int WANTED_DGS[] = {1, 2, 11, 12, 13, 14, 15};

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void fail(emrtd_doc *doc, const char *what, ks_status st, uint16_t sw)
{
    if (sw)
        snprintf(doc->error, sizeof doc->error, "%s: %s (card status %04X)", what,
                 ks_status_str(st), sw);
    else
        snprintf(doc->error, sizeof doc->error, "%s: %s", what, ks_status_str(st));
}

/* BAC (Doc 9303 Part 11, 4.3): GET CHALLENGE, then EXTERNAL AUTHENTICATE. */
static ks_status run_bac(chan *c, const emrtd_key *key, uint16_t *sw)
{
    uint8_t seed[16];
    ks_status st = mrz_key_seed(key->document_number, key->date_of_birth, key->date_of_expiry, seed);
    if (st != KS_OK)
        return KS_ERR_ARG;

    apdu_cmd challenge = {.cla = 0x00, .ins = 0x84, .ne = 8};
    uint8_t rnd_icc[8];
    size_t n = 0;
    st = chan_transmit(c, &challenge, rnd_icc, sizeof rnd_icc, &n, sw);
    if (st == KS_OK && (*sw != 0x9000 || n != 8))
        st = KS_ERR_CARD;
    if (st != KS_OK)
        goto out;

    uint8_t rnd_ifd[8], k_ifd[16], data[40];
    if (RAND_bytes(rnd_ifd, sizeof rnd_ifd) != 1 || RAND_bytes(k_ifd, sizeof k_ifd) != 1) {
        st = KS_ERR_CRYPTO;
        goto out;
    }
    bac_state bs;
    st = bac_begin(&bs, seed, rnd_icc, rnd_ifd, k_ifd, data);
    if (st != KS_OK)
        goto out;
    apdu_cmd auth = {.cla = 0x00, .ins = 0x82, .data = data, .nc = sizeof data, .ne = 40};
    uint8_t resp[64];
    st = chan_transmit(c, &auth, resp, sizeof resp, &n, sw);
    if (st == KS_OK && *sw != 0x9000)
        /* 6300 / 6982: the cryptogram did not verify, i.e. a wrong MRZ key. */
        st = (*sw == 0x6300 || *sw == 0x6982 || *sw == 0x6A80) ? KS_ERR_ACCESS : KS_ERR_CARD;
    sm_ctx sm;
    if (st == KS_OK) {
        st = bac_complete(&bs, resp, n, &sm);
        if (st == KS_ERR_AUTH)
            st = KS_ERR_ACCESS;
    }
    if (st == KS_OK)
        chan_start_sm(c, &sm);
    OPENSSL_cleanse(&sm, sizeof sm);
    OPENSSL_cleanse(&bs, sizeof bs);
    OPENSSL_cleanse(k_ifd, sizeof k_ifd);
out:
    OPENSSL_cleanse(seed, sizeof seed);
    return st;
}

/* PACE (Doc 9303 Part 11, 4.4) with the key as password, then the eMRTD
 * application selected under the new secure messaging. */
static ks_status run_pace(chan *c, const secinfo_set *access, const emrtd_key *key,
                          emrtd_doc *doc)
{
    const secinfo_pace *which = secinfo_best_pace(access);
    if (!which)
        return KS_ERR_UNSUPPORTED;
    uint8_t pw[20];
    size_t pw_len;
    pace_password_kind kind;
    if (key->kind == EMRTD_KEY_CAN) {
        kind = PACE_PW_CAN;
        pw_len = strlen(key->can);
        memcpy(pw, key->can, pw_len);
    } else {
        kind = PACE_PW_MRZ;
        pw_len = sizeof pw;
        if (pace_mrz_password(key->document_number, key->date_of_birth, key->date_of_expiry, pw) !=
            KS_OK)
            return KS_ERR_ACCESS;
    }
    sm_ctx sm;
    char err[160] = "";
    ks_status st = pace_run(c, access, which, kind, pw, pw_len, &sm, err, sizeof err);
    OPENSSL_cleanse(pw, sizeof pw);
    if (st != KS_OK) {
        if (st != KS_ERR_ACCESS)
            snprintf(doc->error, sizeof doc->error, "PACE: %s", err[0] ? err : ks_status_str(st));
        return st;
    }
    chan_start_sm(c, &sm);
    OPENSSL_cleanse(&sm, sizeof sm);
    uint16_t sw = 0;
    st = ef_select_aid(c, EMRTD_AID, sizeof EMRTD_AID, &sw);
    if (st != KS_OK)
        fail(doc, "selecting the eMRTD application after PACE", st, sw);
    return st;
}

/* Tries the keys in order. PACE is preferred when EF.CardAccess offers it;
 * an MRZ key falls back to BAC when PACE cannot run (not when the chip
 * refused the password: BAC would refuse the same key). */
static ks_status gain_access(chan *c, const secinfo_set *access, const emrtd_key *keys,
                             size_t n_keys, emrtd_doc *doc)
{
    ks_status st = KS_ERR_ACCESS;
    uint16_t sw = 0;
    bool unsupported_only = true;
    for (size_t i = 0; i < n_keys; i++) {
        chan_stop_sm(c);
        if (access && secinfo_best_pace(access)) {
            st = run_pace(c, access, &keys[i], doc);
            if (st == KS_OK) {
                snprintf(doc->access, sizeof doc->access, "PACE");
                doc->key_index = (int)i;
                return KS_OK;
            }
            if (st == KS_ERR_ACCESS) {
                unsupported_only = false;
                continue;
            }
            if (st == KS_ERR_REMOVED || st == KS_ERR_TRANSPORT)
                return st;
            chan_stop_sm(c);
        }
        if (keys[i].kind != EMRTD_KEY_MRZ) {
            st = KS_ERR_UNSUPPORTED; /* a CAN needs PACE */
            continue;
        }
        unsupported_only = false;
        st = ef_select_aid(c, EMRTD_AID, sizeof EMRTD_AID, &sw);
        if (st != KS_OK) {
            fail(doc, "selecting the eMRTD application", st, sw);
            return st;
        }
        st = run_bac(c, &keys[i], &sw);
        if (st == KS_OK) {
            snprintf(doc->access, sizeof doc->access, "BAC");
            doc->key_index = (int)i;
            return KS_OK;
        }
        if (st != KS_ERR_ACCESS && st != KS_ERR_ARG)
            break;
    }
    if (unsupported_only && st == KS_ERR_UNSUPPORTED) {
        snprintf(doc->error, sizeof doc->error,
                 "access: the card offers no PACE, so a CAN cannot open it (give the MRZ data)");
        return KS_ERR_ACCESS;
    }
    if (st == KS_ERR_ACCESS || st == KS_ERR_ARG || st == KS_ERR_UNSUPPORTED) {
        snprintf(doc->error, sizeof doc->error,
                 "access denied: the card did not accept the document key (wrong MRZ data or CAN?)");
        return KS_ERR_ACCESS;
    }
    if (!doc->error[0])
        fail(doc, "access control", st, sw);
    return st;
}

static ks_status read_file(chan *c, uint16_t fid, uint8_t sfi, size_t max, emrtd_file *f,
                           emrtd_doc *doc, const char *name)
{
    uint16_t sw = 0;
    ks_status st = ef_read(c, fid, sfi, max, &f->data, &f->len, &sw);
    if (st != KS_OK) {
        char what[64];
        snprintf(what, sizeof what, "reading %s", name);
        fail(doc, what, st, sw);
    }
    return st;
}

static void fill_holder(emrtd_doc *doc)
{
    emrtd_holder *h = &doc->holder;
    const mrz_info *m = &doc->mrz;
    snprintf(h->document_number, sizeof h->document_number, "%s", m->document_number);
    if (m->given_names[0])
        snprintf(h->full_name, sizeof h->full_name, "%s %s", m->surname, m->given_names);
    else
        snprintf(h->full_name, sizeof h->full_name, "%s", m->surname);
    if (emrtd_mrz_date_iso(m->date_of_birth, true, h->date_of_birth) != KS_OK)
        h->date_of_birth[0] = '\0';
    h->sex[0] = m->sex;
    h->sex[1] = '\0';
    snprintf(h->nationality, sizeof h->nationality, "%s", m->nationality);
    /* A Vietnamese ID card carries the 12-digit personal number in the
     * optional data of MRZ line 1; its last 9 digits are the document number. */
    size_t ol = strlen(m->optional_data1);
    if (strcmp(m->issuing_state, "VNM") == 0 && ol >= 12) {
        bool digits = true;
        for (size_t i = 0; i < 12; i++)
            digits = digits && m->optional_data1[i] >= '0' && m->optional_data1[i] <= '9';
        if (digits)
            snprintf(h->id_number, sizeof h->id_number, "%.12s", m->optional_data1);
    }
}

static ks_status parse_and_verify(emrtd_doc *doc, const emrtd_opts *opts)
{
    ks_status st;
    if (doc->dg[1].data) {
        lds_dg1 dg1;
        st = lds_parse_dg1(doc->dg[1].data, doc->dg[1].len, &dg1);
        if (st == KS_OK)
            st = mrz_parse(dg1.mrz, dg1.mrz_len, &doc->mrz);
        if (st != KS_OK) {
            fail(doc, "parsing DG1", st, 0);
            return st;
        }
        doc->have_mrz = true;
        fill_holder(doc);
    }
    if (doc->dg[2].data) {
        st = dg2_parse(doc->dg[2].data, doc->dg[2].len, &doc->portrait);
        if (st != KS_OK) {
            fail(doc, "parsing DG2", st, 0);
            return st;
        }
        doc->have_portrait = true;
    }

    sod s;
    st = sod_parse(doc->sod.data, doc->sod.len, &s);
    if (st != KS_OK) {
        doc->passive.outcome = PA_INVALID;
        snprintf(doc->passive.reason, sizeof doc->passive.reason,
                 "EF.SOD cannot be parsed (%s)", ks_status_str(st));
        return KS_OK;
    }
    pa_dg dgs[EMRTD_MAX_DG];
    size_t n = 0;
    for (int i = 1; i <= EMRTD_MAX_DG; i++) {
        if (doc->dg[i].data)
            dgs[n++] = (pa_dg){.dg = i, .data = doc->dg[i].data, .len = doc->dg[i].len};
    }
    st = pa_verify(&s, dgs, n, opts->trust, &doc->passive);
    sod_free(&s);
    if (st != KS_OK) {
        doc->passive.outcome = PA_INVALID;
        snprintf(doc->passive.reason, sizeof doc->passive.reason,
                 "passive authentication failed (%s)", ks_status_str(st));
    }
    return KS_OK;
}

static ks_status active_authentication(chan *c, const emrtd_opts *opts, const secinfo_set *dg14,
                                       emrtd_doc *doc)
{
    if (!doc->dg[15].data) {
        doc->active = EMRTD_NOT_SUPPORTED;
        return KS_OK;
    }
    if (opts->aa_challenge)
        memcpy(doc->aa_challenge, opts->aa_challenge, sizeof doc->aa_challenge);
    else if (RAND_bytes(doc->aa_challenge, sizeof doc->aa_challenge) != 1)
        return KS_ERR_CRYPTO;
    const secinfo_aa *info = dg14 && dg14->has_aa ? &dg14->aa : NULL;
    ks_status st = aa_run(c, doc->dg[15].data, doc->dg[15].len, info, doc->aa_challenge, &doc->aa);
    if (st == KS_ERR_REMOVED || st == KS_ERR_TRANSPORT) {
        fail(doc, "Active Authentication", st, 0);
        return st;
    }
    if (st != KS_OK) {
        /* The chip refused or answered nonsense: a clone cannot sign. */
        doc->active = EMRTD_INVALID;
        snprintf(doc->active_reason, sizeof doc->active_reason, "the chip did not sign (%s)",
                 ks_status_str(st));
        return KS_OK;
    }
    doc->active = doc->aa.valid ? EMRTD_VALID : EMRTD_INVALID;
    snprintf(doc->active_reason, sizeof doc->active_reason, "%s", doc->aa.reason);
    return KS_OK;
}

/* Chip Authentication, then a read of EF.COM under the new keys: only the
 * chip holding DG14's private key can answer it. */
static ks_status chip_authentication(chan *c, const secinfo_set *dg14, emrtd_doc *doc)
{
    if (!dg14 || dg14->n_ca == 0 || dg14->n_ca_pk == 0) {
        doc->chip = EMRTD_NOT_SUPPORTED;
        return KS_OK;
    }
    sm_ctx new_sm;
    ca_result res;
    memset(&res, 0, sizeof res);
    ks_status st = ca_run(c, dg14, &new_sm, &res);
    if (st == KS_ERR_REMOVED || st == KS_ERR_TRANSPORT) {
        fail(doc, "Chip Authentication", st, 0);
        return st;
    }
    if (st == KS_ERR_UNSUPPORTED) {
        doc->chip = EMRTD_NOT_CHECKED;
        snprintf(doc->chip_reason, sizeof doc->chip_reason, "%s",
                 res.reason[0] ? res.reason : "algorithm not supported");
        return KS_OK;
    }
    if (st != KS_OK) {
        doc->chip = EMRTD_INVALID;
        snprintf(doc->chip_reason, sizeof doc->chip_reason, "%s",
                 res.reason[0] ? res.reason : ks_status_str(st));
        return KS_OK;
    }
    chan_start_sm(c, &new_sm);
    OPENSSL_cleanse(&new_sm, sizeof new_sm);
    uint8_t *com = NULL;
    size_t com_len = 0;
    uint16_t sw = 0;
    st = ef_read(c, LDS_FID_COM, LDS_SFI_COM, doc->com.len, &com, &com_len, &sw);
    if (st == KS_ERR_REMOVED || st == KS_ERR_TRANSPORT) {
        free(com);
        fail(doc, "reading after Chip Authentication", st, sw);
        return st;
    }
    bool same = st == KS_OK && com_len == doc->com.len && memcmp(com, doc->com.data, com_len) == 0;
    free(com);
    if (!same) {
        doc->chip = EMRTD_INVALID;
        snprintf(doc->chip_reason, sizeof doc->chip_reason,
                 "the chip could not answer under the Chip Authentication keys");
    } else if (doc->passive.outcome != PA_VALID) {
        /* CA proves the chip holds the key in DG14; that only counts when
         * DG14 itself is the issuer's, i.e. Passive Authentication held. */
        doc->chip = EMRTD_NOT_CHECKED;
        snprintf(doc->chip_reason, sizeof doc->chip_reason,
                 "chip answered, but DG14 is not authenticated by Passive Authentication");
    } else {
        doc->chip = EMRTD_VALID;
    }
    return KS_OK;
}

ks_status emrtd_read(transport *t, const emrtd_key *keys, size_t n_keys, const emrtd_opts *opts,
                     emrtd_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    emrtd_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    size_t max = opts->max_file ? opts->max_file : DEFAULT_MAX_FILE;
    double start = clock_ms(CLOCK_MONOTONIC), cpu_start = clock_ms(CLOCK_PROCESS_CPUTIME_ID);

    chan c;
    ks_status st = chan_init(&c, t);
    if (st != KS_OK) {
        fail(doc, "opening the card channel", st, 0);
        chan_free(&c);
        return st;
    }
    /* EF.CardAccess sits in the master file, readable before any access
     * control; read it by SFI (some cards answer SELECT MF with 6D00). */
    secinfo_set access;
    bool have_access = false;
    uint16_t ca_sw = 0;
    st = ef_read(&c, LDS_FID_CARD_ACCESS, LDS_SFI_CARD_ACCESS, max, &doc->card_access.data,
                 &doc->card_access.len, &ca_sw);
    if (st == KS_OK)
        have_access = secinfo_parse(doc->card_access.data, doc->card_access.len, &access) == KS_OK;
    if (st == KS_ERR_REMOVED || st == KS_ERR_TRANSPORT) {
        fail(doc, "reading EF.CardAccess", st, ca_sw);
    } else {
        st = gain_access(&c, have_access ? &access : NULL, keys, n_keys, doc);
    }
    if (st == KS_OK)
        st = read_file(&c, LDS_FID_COM, LDS_SFI_COM, max, &doc->com, doc, "EF.COM");
    if (st == KS_OK) {
        st = lds_parse_com(doc->com.data, doc->com.len, &doc->com_info);
        if (st != KS_OK)
            fail(doc, "parsing EF.COM", st, 0);
    }
    for (size_t i = 0; st == KS_OK && i < sizeof WANTED_DGS / sizeof WANTED_DGS[0]; i++) {
        int dg = WANTED_DGS[i];
        bool listed = false;
        for (size_t j = 0; j < doc->com_info.n_dgs; j++)
            listed = listed || doc->com_info.dgs[j] == dg;
        if (!listed)
            continue;
        char name[8];
        snprintf(name, sizeof name, "DG%d", dg);
        st = read_file(&c, lds_fid_from_dg(dg), lds_sfi_from_dg(dg), max, &doc->dg[dg], doc, name);
    }
    if (st == KS_OK)
        st = read_file(&c, LDS_FID_SOD, LDS_SFI_SOD, max, &doc->sod, doc, "EF.SOD");
    if (st == KS_OK)
        st = parse_and_verify(doc, opts);
    secinfo_set dg14;
    bool have_dg14 = false;
    if (st == KS_OK && doc->dg[14].data) {
        const uint8_t *set;
        size_t set_len;
        have_dg14 = lds_dg14_security_infos(doc->dg[14].data, doc->dg[14].len, &set, &set_len) ==
                        KS_OK &&
                    secinfo_parse(set, set_len, &dg14) == KS_OK;
    }
    /* Active Authentication first: Chip Authentication replaces the session
     * keys, and a chip that fails it leaves no session to run AA in. */
    if (st == KS_OK)
        st = active_authentication(&c, opts, have_dg14 ? &dg14 : NULL, doc);
    if (st == KS_OK)
        st = chip_authentication(&c, have_dg14 ? &dg14 : NULL, doc);
    doc->stats = c.stats;
    doc->elapsed_ms = clock_ms(CLOCK_MONOTONIC) - start;
    doc->cpu_ms = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    chan_free(&c);
    return st;
}

static void free_file(emrtd_file *f)
{
    if (f->data) {
        OPENSSL_cleanse(f->data, f->len);
        free(f->data);
    }
    f->data = NULL;
    f->len = 0;
}

void emrtd_doc_free(emrtd_doc *doc)
{
    free_file(&doc->card_access);
    free_file(&doc->com);
    free_file(&doc->sod);
    for (int i = 0; i <= EMRTD_MAX_DG; i++)
        free_file(&doc->dg[i]);
    OPENSSL_cleanse(doc, sizeof *doc);
}

const char *emrtd_verdict(const emrtd_doc *doc)
{
    if (doc->passive.outcome == PA_INVALID || doc->active == EMRTD_INVALID ||
        doc->chip == EMRTD_INVALID)
        return "not_genuine";
    if (doc->passive.outcome == PA_VALID)
        return "genuine";
    return "unverified";
}

const char *emrtd_check_name(emrtd_check c)
{
    switch (c) {
    case EMRTD_VALID:         return "valid";
    case EMRTD_INVALID:       return "invalid";
    case EMRTD_NOT_SUPPORTED: return "not_supported";
    case EMRTD_UNTRUSTED:     return "untrusted";
    case EMRTD_NOT_CHECKED:   break;
    }
    return "not_checked";
}

const char *emrtd_passive_name(pa_outcome o)
{
    switch (o) {
    case PA_VALID:     return "valid";
    case PA_INVALID:   return "invalid";
    case PA_UNTRUSTED: return "untrusted";
    case PA_NOT_CHECKED: break;
    }
    return "not_checked";
}

ks_status emrtd_mrz_date_iso(const char *yymmdd, bool is_birth, char out[11])
{
    for (int i = 0; i < 6; i++)
        if (yymmdd[i] < '0' || yymmdd[i] > '9')
            return KS_ERR_MALFORMED;
    if (yymmdd[6] != '\0')
        return KS_ERR_MALFORMED;
    int yy = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
    int mm = (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0');
    int dd = (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0');
    if (mm < 1 || mm > 12 || dd < 1 || dd > 31)
        return KS_ERR_MALFORMED;
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    int this_yy = (tmv.tm_year + 1900) % 100;
    int century;
    if (is_birth)
        century = yy > this_yy ? 1900 : 2000;
    else
        century = yy >= 70 ? 1900 : 2000; /* expiry dates: 1970-2069 */
    snprintf(out, 11, "%04d-%02d-%02d", century + yy, mm, dd);
    return KS_OK;
}
