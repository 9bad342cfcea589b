/*
 * vc_card.h — the card image the emulator serves (docs/card-image.md).
 *
 * A vc_card owns copies of the elementary files (named by FID, with the SFI
 * and the DF they live in derived from the FID) and the settings of
 * card.json the emulator needs: the three MRZ fields BAC keys come from,
 * the extended-length default, the CAN, the PACE and Chip Authentication
 * protocol choices (OIDs kept DER-encoded, without tag and length), the
 * Active Authentication and Chip Authentication private keys (owned
 * EVP_PKEYs, loaded from the PEM files card.json names) and the quirks. vc_card_load() reads an image directory;
 * tests build a card with vc_card_add_file()/vc_card_set_mrz(). Error
 * messages name the file and the problem, never a personal value.
 */
#ifndef VC_CARD_H
#define VC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "status.h"

#define VC_CARD_MAX_FILES 32u
#define VC_CARD_MAX_FILE_SIZE (1u << 20)
#define VC_CARD_DOC_MAX 22u
#define VC_CARD_CAN_MAX 12u
#define VC_CARD_OID_MAX 16u

typedef struct vc_file {
    uint16_t fid;
    uint8_t sfi;  /* 0 when the file has none */
    bool in_app;  /* in the eMRTD application (needs access control), else in the MF */
    uint8_t *data;
    size_t len;
} vc_file;

typedef struct vc_card {
    vc_file files[VC_CARD_MAX_FILES];
    size_t nfiles;
    char doc_number[VC_CARD_DOC_MAX + 1];
    char birth[7];
    char expiry[7];
    bool has_mrz;
    bool extended_length;
    char can[VC_CARD_CAN_MAX + 1];
    bool has_can;
    /* PACE, when EF.CardAccess offers it. */
    bool has_pace;
    uint8_t pace_oid[VC_CARD_OID_MAX];
    size_t pace_oid_len;
    int pace_parameter_id;       /* -1 when card.json gives none */
    /* Chip Authentication. */
    EVP_PKEY *ca_key;
    uint8_t ca_oid[VC_CARD_OID_MAX];
    size_t ca_oid_len;
    int ca_key_id;               /* -1 when the card has none */
    /* Active Authentication. */
    EVP_PKEY *aa_key;
    bool aa_ecdsa;               /* else RSA with ISO/IEC 9796-2 */
    char aa_digest[16];          /* OpenSSL digest name */
    bool quirk_select_mf_6d00;
} vc_card;

/* Empty card: no files, no MRZ, extended length on. */
void vc_card_init(vc_card *card);

/* Copies data in as file `fid`; KS_ERR_ARG when the FID is already there. */
ks_status vc_card_add_file(vc_card *card, uint16_t fid, const uint8_t *data, size_t len);

/* Sets the BAC fields (document number without filler, YYMMDD dates); checks their syntax. */
ks_status vc_card_set_mrz(vc_card *card, const char *doc_number, const char *birth,
                          const char *expiry);

/* Loads DIR/card.json and every DIR/XXXX.bin; on error writes a one-line reason to err. */
ks_status vc_card_load(vc_card *card, const char *dir, char *err, size_t err_cap);

/* Sets the CAN (1 to 12 digits). */
ks_status vc_card_set_can(vc_card *card, const char *can);

/* Encodes a dotted OID ("0.4.0.127.0.7.2.2.4.2.2") as DER content bytes. */
ks_status vc_oid_encode(const char *dotted, uint8_t *out, size_t cap, size_t *out_len);

const vc_file *vc_card_find_fid(const vc_card *card, uint16_t fid);
const vc_file *vc_card_find_sfi(const vc_card *card, uint8_t sfi);

/* Frees the file copies and keys and wipes the MRZ and CAN. */
void vc_card_free(vc_card *card);

#endif
