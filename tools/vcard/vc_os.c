#include "vc_os.h"

#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "tlv.h"
#include "vc_aa.h"
#include "vc_ca.h"
#include "vc_crypto.h"

/* Status words (ISO/IEC 7816-4 5.6). */
#define SW_OK 0x9000u
#define SW_END_OF_FILE 0x6282u
#define SW_AUTH_FAILED 0x6300u
#define SW_WRONG_LENGTH 0x6700u
#define SW_NO_LOGICAL_CHANNEL 0x6881u
#define SW_SM_NOT_SUPPORTED 0x6882u
#define SW_NO_CHAINING 0x6884u
#define SW_SECURITY 0x6982u
#define SW_CONDITIONS 0x6985u
#define SW_NO_CURRENT_EF 0x6986u
#define SW_SM_OBJECTS 0x6988u
#define SW_WRONG_DATA 0x6A80u
#define SW_NO_DATA 0x6A88u
#define SW_NOT_FOUND 0x6A82u
#define SW_WRONG_P1P2 0x6A86u
#define SW_WRONG_OFFSET 0x6B00u
#define SW_INS 0x6D00u
#define SW_CLA 0x6E00u
#define SW_UNKNOWN 0x6F00u

#define PLAIN_CAP (APDU_EXT_MAX_NC + VC_SM_MAX_BLOCK)
#define SCRATCH_CAP (APDU_EXT_MAX_NE + 8u)
/* A short Le allows 256 data bytes; the SW comes on top. */
#define SHORT_RESPONSE (256u + 2u)

static const uint8_t emrtd_aid[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

/* One command's outcome before it is framed (plain) or protected. */
typedef struct reply {
    const uint8_t *data;
    size_t len;
    uint16_t sw;
    uint8_t small[48]; /* FCP, challenge, EXTERNAL AUTHENTICATE answer */
} reply;

static ks_status default_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return vc_random(out, len);
}

ks_status vc_os_init(vc_os *os, const vc_card *card, bool extended)
{
    if (!os || !card)
        return KS_ERR_ARG;
    memset(os, 0, sizeof *os);
    if (!card->has_mrz)
        return KS_ERR_ARG;
    ks_status st = vc_bac_keys_from_mrz(card->doc_number, card->birth, card->expiry, &os->bac);
    if (st != KS_OK)
        return st;
    os->plain = malloc(PLAIN_CAP);
    os->scratch = malloc(SCRATCH_CAP);
    if (!os->plain || !os->scratch) {
        vc_os_free(os);
        return KS_ERR_NO_MEMORY;
    }
    os->card = card;
    os->extended = extended;
    os->rng = default_rng;
    vc_pace_init(&os->pace);
    vc_os_reset(os);
    return KS_OK;
}

void vc_os_set_rng(vc_os *os, vc_rng_fn rng, void *ctx)
{
    os->rng = rng ? rng : default_rng;
    os->rng_ctx = rng ? ctx : NULL;
}

void vc_os_set_corrupt_sm(vc_os *os, bool on) { os->corrupt_sm = on; }

void vc_os_set_fault_ca_fail(vc_os *os, bool on) { os->fault_ca_fail = on; }

/* A key of the same kind as the card's AA key, unrelated to DG15. */
static EVP_PKEY *generate_like(const EVP_PKEY *key)
{
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)EVP_PKEY_get_bits(key));
    char curve[80];
    size_t n = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &n) != 1)
        return NULL;
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

ks_status vc_os_set_fault_clone(vc_os *os, bool on)
{
    EVP_PKEY_free(os->clone_key);
    os->clone_key = NULL;
    if (!on || !os->card->aa_key)
        return KS_OK;
    os->clone_key = generate_like(os->card->aa_key);
    return os->clone_key ? KS_OK : KS_ERR_CRYPTO;
}

void vc_os_reset(vc_os *os)
{
    os->app_selected = false;
    os->current_ef = NULL;
    os->challenge_valid = false;
    memset(os->rnd_icc, 0, sizeof os->rnd_icc);
    vc_sm_stop(&os->sm);
    vc_sm_stop(&os->next_sm);
    os->has_next_sm = false;
    os->ca_ready = false;
    vc_pace_reset(&os->pace);
}

bool vc_os_authenticated(const vc_os *os) { return vc_sm_active(&os->sm); }

void vc_os_free(vc_os *os)
{
    if (!os)
        return;
    free(os->plain);
    free(os->scratch);
    vc_sm_stop(&os->sm);
    vc_sm_stop(&os->next_sm);
    vc_pace_reset(&os->pace);
    EVP_PKEY_free(os->clone_key);
    memset(os, 0, sizeof *os);
}

static void drop_session(vc_os *os)
{
    vc_sm_stop(&os->sm);
    vc_sm_stop(&os->next_sm);
    os->has_next_sm = false;
    os->ca_ready = false;
    os->challenge_valid = false;
}

/* The session PACE or CA prepared takes over once its answer is out. */
static void switch_session(vc_os *os)
{
    if (!os->has_next_sm)
        return;
    os->sm = os->next_sm;
    vc_sm_stop(&os->next_sm);
    os->has_next_sm = false;
    os->protected_answers = 0;
}

/* --- file access ------------------------------------------------------- */

/* Access rule: application files need the application selected and a session. */
static uint16_t check_access(const vc_os *os, const vc_file *f)
{
    if (!f->in_app)
        return SW_OK;
    if (!os->app_selected)
        return SW_NOT_FOUND;
    return vc_os_authenticated(os) ? SW_OK : SW_SECURITY;
}

static void put_fcp(const vc_file *f, size_t ne, reply *r)
{
    /* 62 { 80 size, 82 01 01 (transparent EF), 83 FID } */
    uint8_t *p = r->small;
    size_t n = 0;
    p[n++] = 0x62;
    p[n++] = 0; /* length, set below */
    p[n++] = 0x80;
    if (f->len > 0xFFFF) {
        p[n++] = 3;
        p[n++] = (uint8_t)(f->len >> 16);
    } else {
        p[n++] = 2;
    }
    p[n++] = (uint8_t)(f->len >> 8);
    p[n++] = (uint8_t)f->len;
    p[n++] = 0x82;
    p[n++] = 1;
    p[n++] = 0x01;
    p[n++] = 0x83;
    p[n++] = 2;
    p[n++] = (uint8_t)(f->fid >> 8);
    p[n++] = (uint8_t)f->fid;
    p[1] = (uint8_t)(n - 2);
    r->data = p;
    r->len = n < ne ? n : ne;
}

static void select_ef(vc_os *os, uint16_t fid, const apdu_cmd *c, reply *r)
{
    const vc_file *f = vc_card_find_fid(os->card, fid);
    if (!f) {
        r->sw = SW_NOT_FOUND;
        return;
    }
    r->sw = check_access(os, f);
    if (r->sw != SW_OK)
        return;
    os->current_ef = f;
    if (c->p2 != 0x0C && c->ne)
        put_fcp(f, c->ne, r);
}

static bool is_mf_select(const apdu_cmd *c)
{
    return c->p1 == 0x00 &&
           (c->nc == 0 || (c->nc == 2 && c->data[0] == 0x3F && c->data[1] == 0x00));
}

static void cmd_select(vc_os *os, const apdu_cmd *c, reply *r)
{
    if (c->p2 != 0x0C && c->p2 != 0x04 && c->p2 != 0x00) {
        r->sw = SW_WRONG_P1P2;
    } else if (c->p1 == 0x04) {
        /* By DF name: only the eMRTD application. No FCI, even when P2 asks for one. */
        if (c->nc != sizeof emrtd_aid || memcmp(c->data, emrtd_aid, sizeof emrtd_aid) != 0) {
            r->sw = SW_NOT_FOUND;
            return;
        }
        os->app_selected = true;
        os->current_ef = NULL;
        r->sw = SW_OK;
    } else if (is_mf_select(c)) {
        if (os->card->quirk_select_mf_6d00) {
            r->sw = SW_INS; /* as CCCDs answer it */
            return;
        }
        os->app_selected = false;
        os->current_ef = NULL;
        r->sw = SW_OK;
    } else if (c->p1 == 0x00 || c->p1 == 0x02) {
        /* An EF by identifier (P1 00 with a FID other than the MF's selects it too). */
        if (c->nc != 2) {
            r->sw = SW_WRONG_LENGTH;
            return;
        }
        select_ef(os, (uint16_t)((c->data[0] << 8) | c->data[1]), c, r);
    } else {
        r->sw = SW_WRONG_P1P2;
    }
}

/* Bytes of file f from offset, at most `want`; sets the SW per ISO 7816-4 READ BINARY. */
static ks_status file_slice(const vc_file *f, size_t offset, size_t want, size_t room,
                            size_t *take, uint16_t *sw)
{
    if (offset >= f->len) {
        *sw = SW_WRONG_OFFSET;
        return KS_ERR_ARG;
    }
    size_t left = f->len - offset;
    size_t n = want < left ? want : left;
    if (n > room)
        n = room; /* transport limit: a shorter answer, not an error */
    *take = n;
    *sw = (n == left && want > left) ? SW_END_OF_FILE : SW_OK;
    return KS_OK;
}

/* Resolves the EF a READ BINARY names through an SFI, or the current EF. */
static uint16_t ef_by_sfi(vc_os *os, uint8_t sfi, const vc_file **out)
{
    const vc_file *f = vc_card_find_sfi(os->card, sfi);
    if (!f)
        return SW_NOT_FOUND;
    uint16_t sw = check_access(os, f);
    if (sw != SW_OK)
        return sw;
    os->current_ef = f;
    *out = f;
    return SW_OK;
}

static uint16_t current_ef(const vc_os *os, const vc_file **out)
{
    if (!os->current_ef)
        return SW_NO_CURRENT_EF;
    /* The session may have ended since the EF was selected. */
    uint16_t sw = check_access(os, os->current_ef);
    if (sw == SW_OK)
        *out = os->current_ef;
    return sw;
}

static void cmd_read_binary(vc_os *os, const apdu_cmd *c, size_t room, reply *r)
{
    if (c->nc != 0 || c->ne == 0) {
        r->sw = SW_WRONG_LENGTH;
        return;
    }
    const vc_file *f = NULL;
    size_t offset;
    if (c->p1 & 0x80) {
        if (c->p1 & 0x60) {
            r->sw = SW_WRONG_P1P2;
            return;
        }
        r->sw = ef_by_sfi(os, (uint8_t)(c->p1 & 0x1F), &f);
        offset = c->p2;
    } else {
        r->sw = current_ef(os, &f);
        offset = ((size_t)c->p1 << 8) | c->p2;
    }
    if (r->sw != SW_OK)
        return;
    size_t take;
    if (file_slice(f, offset, c->ne, room, &take, &r->sw) != KS_OK)
        return;
    r->data = f->data + offset;
    r->len = take;
}

/* Largest n with DO'53 header + n <= limit. */
static size_t do53_fit(size_t limit)
{
    size_t n = limit;
    while (n > 0 && tlv_header_size(0x53, n) + n > limit)
        n--;
    return n;
}

static void cmd_read_binary_odd(vc_os *os, const apdu_cmd *c, size_t room, reply *r)
{
    if (c->ne == 0) {
        r->sw = SW_WRONG_LENGTH;
        return;
    }
    tlv off;
    if (tlv_expect(c->data, c->nc, 0x54, &off) != KS_OK || off.len == 0 || off.len > 4) {
        r->sw = SW_WRONG_DATA;
        return;
    }
    size_t offset = 0;
    for (size_t i = 0; i < off.len; i++)
        offset = (offset << 8) | off.value[i];

    const vc_file *f = NULL;
    uint16_t p1p2 = (uint16_t)((c->p1 << 8) | c->p2);
    if (p1p2 == 0) {
        r->sw = current_ef(os, &f);
    } else if ((p1p2 & 0xFFE0u) == 0 && (p1p2 & 0x1Fu) != 0x1Fu) {
        r->sw = ef_by_sfi(os, (uint8_t)(p1p2 & 0x1F), &f);
    } else {
        f = vc_card_find_fid(os->card, p1p2);
        r->sw = f ? check_access(os, f) : SW_NOT_FOUND;
        if (r->sw == SW_OK)
            os->current_ef = f;
    }
    if (r->sw != SW_OK)
        return;

    size_t limit = c->ne < room ? c->ne : room;
    size_t fit = do53_fit(limit);
    if (offset >= f->len) {
        r->sw = SW_WRONG_OFFSET;
        return;
    }
    size_t left = f->len - offset;
    size_t take = fit < left ? fit : left;
    if (take > SCRATCH_CAP - 8)
        take = SCRATCH_CAP - 8;
    size_t h = tlv_put_header(os->scratch, SCRATCH_CAP, 0x53, take);
    if (h == 0) {
        r->sw = SW_UNKNOWN;
        return;
    }
    memcpy(os->scratch + h, f->data + offset, take);
    r->data = os->scratch;
    r->len = h + take;
    r->sw = (take == left && h + take < c->ne) ? SW_END_OF_FILE : SW_OK;
}

/* --- BAC --------------------------------------------------------------- */

static void cmd_get_challenge(vc_os *os, const apdu_cmd *c, reply *r)
{
    if (c->p1 != 0 || c->p2 != 0) {
        r->sw = SW_WRONG_P1P2;
        return;
    }
    if (c->nc != 0 || c->ne != VC_BAC_RND_LEN) {
        r->sw = SW_WRONG_LENGTH;
        return;
    }
    if (os->rng(os->rng_ctx, os->rnd_icc, VC_BAC_RND_LEN) != KS_OK) {
        r->sw = SW_UNKNOWN;
        return;
    }
    os->challenge_valid = true;
    memcpy(r->small, os->rnd_icc, VC_BAC_RND_LEN);
    r->data = r->small;
    r->len = VC_BAC_RND_LEN;
    r->sw = SW_OK;
}

static void cmd_external_authenticate(vc_os *os, const apdu_cmd *c, bool secured, reply *r)
{
    if (c->p1 != 0 || c->p2 != 0) {
        r->sw = SW_WRONG_P1P2;
        return;
    }
    if (secured || !os->challenge_valid) {
        r->sw = SW_CONDITIONS;
        return;
    }
    /* One challenge, one attempt. */
    os->challenge_valid = false;
    if (c->nc != VC_BAC_CRYPTOGRAM_LEN || (c->ne != 0 && c->ne < VC_BAC_CRYPTOGRAM_LEN)) {
        r->sw = SW_WRONG_LENGTH;
        return;
    }
    uint8_t k_icc[VC_BAC_KEY_LEN];
    if (os->rng(os->rng_ctx, k_icc, sizeof k_icc) != KS_OK) {
        r->sw = SW_UNKNOWN;
        return;
    }
    ks_status st = vc_bac_authenticate(&os->bac, os->rnd_icc, k_icc, c->data, r->small, &os->sm);
    memset(k_icc, 0, sizeof k_icc);
    memset(os->rnd_icc, 0, sizeof os->rnd_icc);
    if (st == KS_ERR_AUTH) {
        r->sw = SW_AUTH_FAILED;
        return;
    }
    if (st != KS_OK) {
        vc_sm_stop(&os->sm);
        r->sw = SW_UNKNOWN;
        return;
    }
    r->data = r->small;
    r->len = VC_BAC_CRYPTOGRAM_LEN;
    r->sw = SW_OK;
}

/* --- PACE, Chip Authentication, Active Authentication ------------------ */

/* One-byte value of an optional DO; -1 when absent, -2 when not one byte. */
static int small_do(const uint8_t *data, size_t len, uint32_t tag)
{
    tlv e;
    if (tlv_find(data, len, tag, &e) != KS_OK)
        return -1;
    return e.len == 1 ? e.value[0] : -2;
}

static bool oid_do_matches(const uint8_t *data, size_t len, const uint8_t *oid, size_t oid_len)
{
    tlv e;
    return tlv_find(data, len, 0x80, &e) == KS_OK && e.len == oid_len &&
           memcmp(e.value, oid, oid_len) == 0;
}

/* Every DO of an MSE command must decode; tags outside `allowed` are refused. */
static bool mse_well_formed(const uint8_t *data, size_t len, const uint32_t *allowed, size_t n)
{
    tlv_iter it;
    tlv e;
    ks_status st;
    tlv_iter_init(&it, data, len);
    while ((st = tlv_iter_next(&it, &e)) == KS_OK) {
        bool ok = false;
        for (size_t i = 0; i < n; i++)
            ok = ok || e.tag == allowed[i];
        if (!ok)
            return false;
    }
    return st == KS_ERR_NOT_FOUND;
}

static uint16_t pace_set_at(vc_os *os, const apdu_cmd *c)
{
    static const uint32_t tags[] = {0x80, 0x83, 0x84};
    const vc_card *card = os->card;
    vc_pace_reset(&os->pace);
    if (!card->has_pace)
        return SW_NO_DATA;
    if (!mse_well_formed(c->data, c->nc, tags, 3) ||
        !oid_do_matches(c->data, c->nc, card->pace_oid, card->pace_oid_len))
        return SW_WRONG_DATA;
    int pw_ref = small_do(c->data, c->nc, 0x83);
    int param = small_do(c->data, c->nc, 0x84);
    if (param == -2 || (param >= 0 && card->pace_parameter_id >= 0 &&
                        param != card->pace_parameter_id))
        return SW_WRONG_DATA;
    if (param < 0)
        param = card->pace_parameter_id;
    uint8_t pw[VC_PACE_PW_MAX];
    size_t pw_len = 0;
    if (pw_ref == 1) {
        if (vc_mrz_password(card->doc_number, card->birth, card->expiry, pw) != KS_OK)
            return SW_UNKNOWN;
        pw_len = VC_SHA1_LEN;
    } else if (pw_ref == 2 && card->has_can) {
        pw_len = strlen(card->can);
        memcpy(pw, card->can, pw_len);
    } else {
        return pw_ref == 2 ? SW_NO_DATA : SW_WRONG_DATA;
    }
    ks_status st = param < 0 ? KS_ERR_UNSUPPORTED
                             : vc_pace_set_at(&os->pace, card->pace_oid, card->pace_oid_len,
                                              param, pw, pw_len);
    OPENSSL_cleanse(pw, sizeof pw);
    return st == KS_OK ? SW_OK : SW_WRONG_DATA;
}

static bool ca_key_id_matches(const vc_os *os, const apdu_cmd *c)
{
    tlv e;
    if (tlv_find(c->data, c->nc, 0x84, &e) != KS_OK)
        return true;
    if (e.len == 0 || e.len > 4 || os->card->ca_key_id < 0)
        return false;
    long id = 0;
    for (size_t i = 0; i < e.len; i++)
        id = (id << 8) | e.value[i];
    return id == os->card->ca_key_id;
}

/* Runs the CA key agreement; the new session waits in next_sm. */
static uint16_t ca_agree(vc_os *os, const uint8_t *pk, size_t pk_len)
{
    ks_status st = vc_ca_agree(os->card->ca_key, os->card->ca_oid, os->card->ca_oid_len, pk,
                               pk_len, os->fault_ca_fail, &os->next_sm);
    if (st != KS_OK) {
        vc_sm_stop(&os->next_sm);
        return st == KS_ERR_MALFORMED ? SW_WRONG_DATA : SW_UNKNOWN;
    }
    os->has_next_sm = true;
    return SW_OK;
}

static void cmd_mse(vc_os *os, const apdu_cmd *c, bool secured, reply *r)
{
    uint16_t p1p2 = (uint16_t)((c->p1 << 8) | c->p2);
    os->ca_ready = false;
    if (p1p2 == 0xC1A4) {
        r->sw = secured ? SW_CONDITIONS : pace_set_at(os, c);
        return;
    }
    if (p1p2 != 0x41A4 && p1p2 != 0x41A6) {
        r->sw = SW_WRONG_P1P2;
        return;
    }
    if (!secured || !os->card->ca_key) {
        r->sw = !os->card->ca_key ? SW_NO_DATA : SW_CONDITIONS;
        return;
    }
    static const uint32_t at_tags[] = {0x80, 0x84};
    static const uint32_t kat_tags[] = {0x91, 0x84};
    if (!mse_well_formed(c->data, c->nc, p1p2 == 0x41A4 ? at_tags : kat_tags, 2) ||
        !ca_key_id_matches(os, c)) {
        r->sw = SW_WRONG_DATA;
        return;
    }
    if (p1p2 == 0x41A4) {
        bool ok = oid_do_matches(c->data, c->nc, os->card->ca_oid, os->card->ca_oid_len);
        os->ca_ready = ok;
        r->sw = ok ? SW_OK : SW_WRONG_DATA;
        return;
    }
    /* Set KAT (CA with 3DES): the key agreement happens right away. */
    tlv pk;
    if (tlv_find(c->data, c->nc, 0x91, &pk) != KS_OK || pk.len == 0) {
        r->sw = SW_WRONG_DATA;
        return;
    }
    r->sw = ca_agree(os, pk.value, pk.len);
}

static uint16_t pace_error_sw(ks_status st)
{
    switch (st) {
    case KS_ERR_AUTH: return SW_AUTH_FAILED;
    case KS_ERR_MALFORMED:
    case KS_ERR_UNSUPPORTED: return SW_WRONG_DATA;
    case KS_ERR_ACCESS: return SW_CONDITIONS;
    default: return SW_UNKNOWN;
    }
}

static void cmd_general_authenticate(vc_os *os, const apdu_cmd *c, bool secured, reply *r)
{
    if (c->p1 != 0 || c->p2 != 0) {
        r->sw = SW_WRONG_P1P2;
        return;
    }
    if (!secured) {
        bool done = false;
        size_t n = 0;
        ks_status st = vc_pace_general_authenticate(&os->pace, c->data, c->nc, os->rng,
                                                    os->rng_ctx, os->scratch, SCRATCH_CAP, &n,
                                                    &os->next_sm, &done);
        if (st != KS_OK) {
            r->sw = pace_error_sw(st);
            return;
        }
        os->has_next_sm = done;
        r->data = os->scratch;
        r->len = n;
        r->sw = SW_OK;
        return;
    }
    /* Under SM: Chip Authentication with the key MSE:Set AT chose. */
    if (!os->ca_ready) {
        r->sw = SW_CONDITIONS;
        return;
    }
    os->ca_ready = false;
    tlv outer, pk;
    if (tlv_expect(c->data, c->nc, 0x7C, &outer) != KS_OK ||
        tlv_expect(outer.value, outer.len, 0x80, &pk) != KS_OK || pk.len == 0) {
        r->sw = SW_WRONG_DATA;
        return;
    }
    r->sw = ca_agree(os, pk.value, pk.len);
    if (r->sw == SW_OK) {
        r->small[0] = 0x7C;
        r->small[1] = 0x00;
        r->data = r->small;
        r->len = 2;
    }
}

#define AA_CHALLENGE_LEN 8u

static void cmd_internal_authenticate(vc_os *os, const apdu_cmd *c, bool secured, size_t room,
                                      reply *r)
{
    if (c->p1 != 0 || c->p2 != 0) {
        r->sw = SW_WRONG_P1P2;
        return;
    }
    if (!os->card->aa_key) {
        r->sw = SW_INS;
        return;
    }
    if (!secured) {
        r->sw = SW_SECURITY;
        return;
    }
    if (c->nc != AA_CHALLENGE_LEN) {
        r->sw = SW_WRONG_LENGTH;
        return;
    }
    EVP_PKEY *key = os->clone_key ? os->clone_key : os->card->aa_key;
    size_t n = 0;
    ks_status st = vc_aa_sign(key, os->card->aa_ecdsa, os->card->aa_digest, c->data, c->nc,
                              os->rng, os->rng_ctx, os->scratch, SCRATCH_CAP, &n);
    if (st != KS_OK) {
        r->sw = SW_UNKNOWN;
        return;
    }
    if (n > room || (c->ne != 0 && c->ne < n)) {
        r->sw = SW_WRONG_LENGTH; /* the signature does not fit the allowed answer */
        return;
    }
    r->data = os->scratch;
    r->len = n;
    r->sw = SW_OK;
}

/* --- dispatch ---------------------------------------------------------- */

static void execute(vc_os *os, const apdu_cmd *c, bool secured, size_t room, reply *r)
{
    if (c->cla & 0x80) {
        r->sw = SW_CLA;
        return;
    }
    /* Command chaining only for GENERAL AUTHENTICATE, where PACE uses it to mark steps. */
    if ((c->cla & 0x10) && c->ins != 0x86) {
        r->sw = SW_NO_CHAINING;
        return;
    }
    if (c->cla & 0x03) {
        r->sw = SW_NO_LOGICAL_CHANNEL;
        return;
    }
    if (c->cla & 0x0C) {
        r->sw = SW_SM_NOT_SUPPORTED;
        return;
    }
    switch (c->ins) {
    case 0xA4: cmd_select(os, c, r); break;
    case 0xB0: cmd_read_binary(os, c, room, r); break;
    case 0xB1: cmd_read_binary_odd(os, c, room, r); break;
    case 0x84: cmd_get_challenge(os, c, r); break;
    case 0x82: cmd_external_authenticate(os, c, secured, r); break;
    case 0x22: cmd_mse(os, c, secured, r); break;
    case 0x86: cmd_general_authenticate(os, c, secured, r); break;
    case 0x88: cmd_internal_authenticate(os, c, secured, room, r); break;
    default: r->sw = SW_INS; break;
    }
}

static void frame_plain(const reply *r, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = r->len;
    if (n > cap - 2)
        n = cap - 2; /* cannot happen: room already bounded the data */
    if (n)
        memmove(out, r->data, n);
    out[n] = apdu_sw1(r->sw);
    out[n + 1] = apdu_sw2(r->sw);
    *out_len = n + 2;
}

static void answer_sw(uint16_t sw, uint8_t *out, size_t *out_len)
{
    out[0] = apdu_sw1(sw);
    out[1] = apdu_sw2(sw);
    *out_len = 2;
}

/* Largest plain data length whose protected response fits in `limit` bytes. */
static size_t sm_room(const vc_sm *sm, bool odd, size_t limit)
{
    if (vc_sm_wrapped_size(sm, odd, 0) > limit)
        return 0;
    size_t lo = 0, hi = limit;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (vc_sm_wrapped_size(sm, odd, mid) <= limit)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static void process_secured(vc_os *os, const apdu_cmd *outer, bool outer_ext, uint8_t *out,
                            size_t cap, size_t *out_len)
{
    apdu_cmd inner;
    bool inner_ext = false;
    if (vc_sm_unwrap(&os->sm, outer, os->plain, PLAIN_CAP, &inner, &inner_ext) != KS_OK) {
        drop_session(os);
        answer_sw(SW_SM_OBJECTS, out, out_len);
        return;
    }
    os->trace.secured = true;
    os->trace.in_ins = inner.ins;
    os->trace.in_p1 = inner.p1;
    os->trace.in_p2 = inner.p2;
    os->trace.in_nc = inner.nc;
    os->trace.in_ne = inner.ne;

    bool odd = (inner.ins & 1u) != 0;
    size_t limit = os->extended ? cap : (cap < SHORT_RESPONSE ? cap : SHORT_RESPONSE);
    reply r;
    memset(&r, 0, sizeof r);
    if ((outer_ext || inner_ext) && !os->extended)
        r.sw = SW_WRONG_LENGTH;
    else
        execute(os, &inner, true, sm_room(&os->sm, odd, limit), &r);

    /* EXTERNAL AUTHENTICATE cannot run inside a session, so the session is still the same. */
    if (!vc_sm_active(&os->sm) ||
        vc_sm_wrap(&os->sm, odd, r.data, r.len, r.sw, out, cap, out_len) != KS_OK) {
        drop_session(os);
        answer_sw(SW_UNKNOWN, out, out_len);
        return;
    }
    os->protected_answers++;
    if (os->corrupt_sm && os->protected_answers > 1)
        out[*out_len - 2 - VC_MAC_LEN] ^= 0x01;
    switch_session(os);
}

ks_status vc_os_process(vc_os *os, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap,
                        size_t *out_len)
{
    if (!os || !os->card || !apdu || !out || !out_len || cap < 2)
        return KS_ERR_ARG;
    if (cap > VC_OS_MAX_RESPONSE)
        cap = VC_OS_MAX_RESPONSE;
    memset(&os->trace, 0, sizeof os->trace);
    apdu_cmd c;
    bool ext = false;
    bool parsed = apdu_parse_command(apdu, len, &c, &ext) == KS_OK;
    if (len >= 4) {
        os->trace.cla = apdu[0];
        os->trace.ins = apdu[1];
        os->trace.p1 = apdu[2];
        os->trace.p2 = apdu[3];
    }
    if (parsed) {
        os->trace.nc = c.nc;
        os->trace.ne = c.ne;
        os->trace.extended = ext;
    }

    if (vc_sm_active(&os->sm)) {
        if (!parsed || !vc_sm_cla_protected(c.cla)) {
            drop_session(os);
            answer_sw(SW_SM_OBJECTS, out, out_len);
        } else {
            process_secured(os, &c, ext, out, cap, out_len);
        }
    } else if (!parsed) {
        answer_sw(SW_WRONG_LENGTH, out, out_len);
    } else if (vc_sm_cla_protected(c.cla)) {
        answer_sw(SW_SM_OBJECTS, out, out_len); /* no session to check it with */
    } else if (ext && !os->extended) {
        answer_sw(SW_WRONG_LENGTH, out, out_len);
    } else {
        reply r;
        memset(&r, 0, sizeof r);
        execute(os, &c, false, cap - 2, &r);
        frame_plain(&r, out, cap, out_len);
        switch_session(os);
    }
    os->trace.sw = (uint16_t)((out[*out_len - 2] << 8) | out[*out_len - 1]);
    os->trace.resp_len = *out_len;
    return KS_OK;
}
