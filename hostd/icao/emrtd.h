/*
 * emrtd.h — reading and authenticating a whole eMRTD chip over a transport.
 *
 * emrtd_read() runs the sequence an inspection system does: read
 * EF.CardAccess; gain access with the first key that works (PACE with the CAN
 * or MRZ when the card offers PACE, BAC with the MRZ otherwise or when PACE
 * cannot run); select the eMRTD application; read EF.COM and the data groups
 * the kiosk needs (DG1, DG2, DG11-DG15 when present; never the EAC-protected
 * DG3/DG4) and EF.SOD; run Passive Authentication against the trust store;
 * then Active Authentication (DG15) and Chip Authentication (DG14), the
 * latter proven by a read under the new session keys.
 *
 * The document owns every buffer it holds; emrtd_doc_free() wipes and frees
 * them. Errors come back as a status plus one English line in doc->error that
 * names the step and never contains personal data.
 */
#ifndef KS_EMRTD_H
#define KS_EMRTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aa.h"
#include "chan.h"
#include "dg2.h"
#include "lds.h"
#include "mrz.h"
#include "pa.h"
#include "secinfo.h"
#include "transport.h"

typedef enum emrtd_key_kind { EMRTD_KEY_MRZ = 1, EMRTD_KEY_CAN } emrtd_key_kind;

typedef struct emrtd_key {
    emrtd_key_kind kind;
    char document_number[40];
    char date_of_birth[7];  /* YYMMDD */
    char date_of_expiry[7]; /* YYMMDD */
    char can[16];
} emrtd_key;

typedef enum emrtd_check {
    EMRTD_NOT_CHECKED = 0,
    EMRTD_VALID,
    EMRTD_INVALID,
    EMRTD_NOT_SUPPORTED,
    EMRTD_UNTRUSTED
} emrtd_check;

typedef struct emrtd_file {
    uint8_t *data;
    size_t len;
} emrtd_file;

#define EMRTD_MAX_DG 16

typedef struct emrtd_holder {
    char document_number[40];
    char full_name[200];     /* UTF-8 */
    char date_of_birth[11];  /* YYYY-MM-DD */
    char sex[2];
    char nationality[4];
    char id_number[16];      /* the 12-digit personal ID of a Vietnamese card, else "" */
} emrtd_holder;

typedef struct emrtd_doc {
    char access[8];                 /* "BAC" or "PACE" once access succeeded */
    int key_index;                  /* which of the keys given worked */
    emrtd_file card_access;         /* EF.CardAccess, when the card has one */
    emrtd_file com, sod;
    emrtd_file dg[EMRTD_MAX_DG + 1]; /* dg[n] for DGn; data NULL when not read */
    lds_com com_info;
    mrz_info mrz;
    bool have_mrz;
    dg2_portrait portrait;
    bool have_portrait;
    emrtd_holder holder;
    pa_result passive;
    emrtd_check active;
    emrtd_check chip;
    char active_reason[160];
    char chip_reason[160];
    uint8_t aa_challenge[8];
    aa_result aa;                   /* the chip's signature over aa_challenge */
    chan_stats stats;
    double elapsed_ms;  /* wall time of the whole read */
    double cpu_ms;      /* host CPU time this process spent on it */
    char error[200];
} emrtd_doc;

typedef struct emrtd_opts {
    const pa_trust *trust;  /* NULL: passive authentication ends untrusted */
    const uint8_t *aa_challenge; /* 8 bytes for Active Authentication; NULL = random */
    size_t max_file;        /* refuse files larger than this; 0 = 1 MiB */
} emrtd_opts;

/* Reads the card with the first key of keys[0..n_keys) that opens it.
 * KS_ERR_ACCESS when none does; KS_ERR_REMOVED when the card left. */
ks_status emrtd_read(transport *t, const emrtd_key *keys, size_t n_keys, const emrtd_opts *opts,
                     emrtd_doc *doc);

void emrtd_doc_free(emrtd_doc *doc);

/* "genuine", "not_genuine" or "unverified" from the three checks. */
const char *emrtd_verdict(const emrtd_doc *doc);
const char *emrtd_check_name(emrtd_check c);
const char *emrtd_passive_name(pa_outcome o);

/* YYMMDD to YYYY-MM-DD; birth dates are never in the future. */
ks_status emrtd_mrz_date_iso(const char *yymmdd, bool is_birth, char out[11]);

#endif
