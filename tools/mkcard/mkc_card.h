/*
 * mkc_card.h — builds a whole virtual card image directory (the format is
 * docs/card-image.md) and reads back the printed QR text.
 *
 * mkc_card_build() computes every file first (DG1, DG2, DG13 for a CCCD,
 * DG14, DG15, EF.COM, EF.SOD, EF.CardAccess when PACE is on, keys, test PKI) and writes them only when all
 * succeeded. It creates out_dir if missing, overwrites existing files, and
 * removes the image files a previous run left that this card does not have
 * (e.g. 010D.bin for a passport), so the directory always matches card.json.
 * Secrets (keys) and card.json are written with mode 0600, chip files 0600,
 * trust/csca.pem 0644.
 *
 * Errors: the first failing step's status; mkc_last_error() says which step.
 */
#ifndef MKC_CARD_H
#define MKC_CARD_H

#include <stdbool.h>
#include <stdio.h>

#include "mkc_cert.h"
#include "mkc_pace.h"
#include "mkc_profile.h"
#include "mkc_secinfo.h"
#include "status.h"

typedef struct mkc_options {
    const char *portrait_path;
    const char *out_dir;
    const char *dsc_key_path;  /* both or neither */
    const char *dsc_cert_path;
    mkc_sig_alg sig;
    const char *hash;          /* sha1, sha224, sha256, sha384, sha512 */
    mkc_aa_alg aa;
    mkc_ca_alg ca;
    mkc_cipher ca_cipher;
    bool pace_by_profile;      /* true: ECDH-GM for a CCCD, no PACE for a passport */
    mkc_pace_alg pace;         /* used when pace_by_profile is false */
    mkc_cipher pace_cipher;
    int pace_param;            /* MKC_PACE_PARAM_DEFAULT: by key agreement */
    bool extended_length;
} mkc_options;

/* Defaults: rsa, sha256, AA rsa, CA ecdh AES-128, PACE by profile with
 * AES-128 and the key agreement's default parameters, extended length. */
void mkc_options_default(mkc_options *o);

/* Replaces the profile-dependent defaults by concrete choices (idempotent)
 * and checks the PACE parameter id; KS_ERR_ARG with a detail otherwise. */
ks_status mkc_options_resolve(mkc_options *o, const mkc_profile *p);

/* The digest for a --hash name, NULL when unknown. */
const EVP_MD *mkc_card_digest(const char *name);

ks_status mkc_card_build(const mkc_options *o, const mkc_profile *p);

/* The QR text of a CCCD profile (ID|old ID|name|DOB ddMMyyyy|sex|residence|issue). */
ks_status mkc_card_qr_text(const mkc_cccd_fields *c, char *out, size_t cap);

/* Writes the "qr" member of dir/card.json and a newline to out. */
ks_status mkc_card_print_qr(const char *dir, FILE *out);

#endif
