#include "vn_cccd.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vn_keys.h"

size_t vn_cccd_keys(const vn_qr *qr, emrtd_key *out, size_t cap)
{
    vn_key keys[VN_KEYS_MAX];
    size_t n = vn_keys_from_qr(qr, keys, VN_KEYS_MAX);
    size_t written = 0;
    for (size_t i = 0; i < n && written < cap; i++) {
        emrtd_key *k = &out[written++];
        memset(k, 0, sizeof *k);
        if (keys[i].kind == VN_KEY_CAN) {
            k->kind = EMRTD_KEY_CAN;
            snprintf(k->can, sizeof k->can, "%s", keys[i].can);
        } else {
            k->kind = EMRTD_KEY_MRZ;
            snprintf(k->document_number, sizeof k->document_number, "%s", keys[i].document_number);
            memcpy(k->date_of_birth, keys[i].date_of_birth, sizeof k->date_of_birth);
            memcpy(k->date_of_expiry, keys[i].date_of_expiry, sizeof k->date_of_expiry);
        }
    }
    OPENSSL_cleanse(keys, sizeof keys);
    return written;
}

void vn_cccd_examine(const emrtd_doc *doc, const vn_qr *qr, vn_cccd *out)
{
    memset(out, 0, sizeof *out);
    if (qr) {
        out->qr = *qr;
        out->have_qr = true;
    }
    const emrtd_file *dg13 = &doc->dg[13];
    if (!dg13->data) {
        out->dg13_status = KS_ERR_NOT_FOUND;
    } else {
        out->dg13_status = vn_dg13_parse(dg13->data, dg13->len, &out->dg13);
        out->have_dg13 = out->dg13_status == KS_OK;
    }

    /* The MRZ side: the 12-digit ID from the optional data, the name as the
     * MRZ spells it (surname, then given names), DOB and sex. */
    char mrz_name[200] = "";
    const char *mrz_id = NULL, *mrz_dob = NULL;
    char mrz_sex = 0;
    if (doc->have_mrz) {
        snprintf(mrz_name, sizeof mrz_name, "%s%s%s", doc->mrz.surname,
                 doc->mrz.given_names[0] ? " " : "", doc->mrz.given_names);
        mrz_id = doc->holder.id_number[0] ? doc->holder.id_number : NULL;
        mrz_dob = doc->mrz.date_of_birth;
        mrz_sex = doc->mrz.sex;
    }
    vn_check(out->have_qr ? &out->qr : NULL, out->have_dg13 ? &out->dg13 : NULL, mrz_id,
             doc->have_mrz ? mrz_name : NULL, mrz_dob, mrz_sex, &out->mismatches);
}
