/*
 * vc_card.h — the card image the emulator serves (docs/card-image.md).
 *
 * A vc_card owns copies of the elementary files (named by FID, with the SFI
 * and the DF they live in derived from the FID) and the settings of
 * card.json the emulator needs: the three MRZ fields BAC keys come from and
 * the extended-length default. vc_card_load() reads an image directory;
 * tests build a card with vc_card_add_file()/vc_card_set_mrz(). Error
 * messages name the file and the problem, never a personal value.
 */
#ifndef VC_CARD_H
#define VC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define VC_CARD_MAX_FILES 32u
#define VC_CARD_MAX_FILE_SIZE (1u << 20)
#define VC_CARD_DOC_MAX 22u

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

const vc_file *vc_card_find_fid(const vc_card *card, uint16_t fid);
const vc_file *vc_card_find_sfi(const vc_card *card, uint8_t sfi);

/* Frees the file copies and wipes the MRZ. */
void vc_card_free(vc_card *card);

#endif
