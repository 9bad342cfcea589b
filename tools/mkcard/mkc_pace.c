#include "mkc_pace.h"

#include <stdio.h>

#include "tlv.h"

bool mkc_pace_is_dh(mkc_pace_alg alg)
{
    return alg == MKC_PACE_DH_GM || alg == MKC_PACE_DH_IM;
}

static bool pace_alg_known(mkc_pace_alg alg)
{
    return alg >= MKC_PACE_DH_GM && alg <= MKC_PACE_ECDH_IM;
}

int mkc_pace_default_param(mkc_pace_alg alg)
{
    return mkc_pace_is_dh(alg) ? MKC_PACE_PARAM_MODP_2048_256 : MKC_PACE_PARAM_BRAINPOOL_P256R1;
}

ks_status mkc_pace_check_param(mkc_pace_alg alg, int parameter_id)
{
    if (!pace_alg_known(alg))
        return mkc_fail(KS_ERR_ARG, "no PACE protocol chosen");
    if (mkc_pace_is_dh(alg)) {
        if (parameter_id < 0 || parameter_id > 2)
            return mkc_fail(KS_ERR_ARG, "PACE DH needs parameter id 0, 1 or 2, not %d",
                            parameter_id);
        return KS_OK;
    }
    if (parameter_id < 8 || parameter_id > 18)
        return mkc_fail(KS_ERR_ARG, "PACE ECDH needs parameter id 8..18, not %d", parameter_id);
    /* TR-03110 Part 3 table A.2: P-224's field does not suit the IM point encoding. */
    if (alg == MKC_PACE_ECDH_IM && parameter_id == 10)
        return mkc_fail(KS_ERR_ARG, "parameter id 10 (NIST P-224) cannot be used with ECDH-IM");
    return KS_OK;
}

ks_status mkc_pace_oid(mkc_pace_alg alg, mkc_cipher cipher, char out[MKC_OID_MAX])
{
    if (!pace_alg_known(alg) || cipher < MKC_CIPHER_3DES || cipher > MKC_CIPHER_AES256)
        return mkc_fail(KS_ERR_ARG, "unknown PACE protocol or cipher");
    snprintf(out, MKC_OID_MAX, "%s.%d.%d", MKC_OID_PACE_PREFIX, (int)alg, (int)cipher);
    return KS_OK;
}

static ks_status encode_pace_info(const mkc_pace_config *pace, mkc_bytes *out)
{
    char oid[MKC_OID_MAX];
    ks_status st = mkc_pace_check_param(pace->alg, pace->parameter_id);
    if (st == KS_OK)
        st = mkc_pace_oid(pace->alg, pace->cipher, oid);
    if (st != KS_OK)
        return st;
    uint8_t buf[64];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x30);
    mkc_put_oid(&w, oid);
    mkc_put_uint(&w, 2); /* PACE v2: v1 is withdrawn */
    mkc_put_uint(&w, (uint32_t)pace->parameter_id);
    tlv_close(&w);
    return mkc_bytes_from_writer(&w, out);
}

ks_status mkc_pace_card_access(const mkc_pace_config *pace, mkc_ca_alg ca, mkc_cipher ca_cipher,
                               mkc_bytes *out)
{
    if (!pace || !out)
        return KS_ERR_ARG;
    mkc_bytes infos[3];
    size_t n = 0;
    ks_status st = encode_pace_info(pace, &infos[n]);
    if (st == KS_OK)
        n++;
    /* Real CCCDs announce CA and TA here too, so readers learn them before DG14. */
    if (st == KS_OK && ca != MKC_CA_NONE) {
        if ((st = mkc_secinfo_ca_info(ca, ca_cipher, &infos[n])) == KS_OK)
            n++;
        if (st == KS_OK && (st = mkc_secinfo_ta_info(&infos[n])) == KS_OK)
            n++;
    }
    if (st == KS_OK)
        st = mkc_secinfo_set(infos, n, out);
    for (size_t i = 0; i < n; i++)
        mkc_bytes_free(&infos[i]);
    return st;
}
