/*
 * mkc_pace.h — PACE choices and EF.CardAccess (Doc 9303 Part 11 section 9.2,
 * BSI TR-03110 Part 3).
 *
 * EF.CardAccess (011C, in the master file, readable without authentication;
 * not an LDS data group, so neither EF.COM nor EF.SOD mention it) is the bare
 * DER SET OF SecurityInfo, tag 31, with no application tag:
 *   PACEInfo { id-PACE-<KA>-<mapping>-<cipher>, version 2, parameterId },
 *   and when the chip has Chip Authentication, its ChipAuthenticationInfo
 *   (exactly as in DG14) and TerminalAuthenticationInfo { id-TA, 1 }.
 *
 * Parameter ids are the standardised domain parameters of TR-03110 Part 3
 * table A.2: 0-2 MODP groups (RFC 5114) for DH, 8-18 NIST/Brainpool curves
 * for ECDH. NIST P-224 (10) cannot be used with the integrated mapping.
 *
 * Ownership: encodings are new mkc_bytes. Errors: KS_ERR_ARG with a detail
 * (mkc_last_error) for an unknown or mismatched choice.
 */
#ifndef MKC_PACE_H
#define MKC_PACE_H

#include <stdbool.h>

#include "mkc_secinfo.h"
#include "mkc_util.h"
#include "status.h"

/* The value of each protocol is its OID arc under id-PACE (0.4.0.127.0.7.2.2.4). */
typedef enum mkc_pace_alg {
    MKC_PACE_NONE = 0,
    MKC_PACE_DH_GM = 1,
    MKC_PACE_ECDH_GM = 2,
    MKC_PACE_DH_IM = 3,
    MKC_PACE_ECDH_IM = 4
} mkc_pace_alg;

#define MKC_OID_PACE_PREFIX "0.4.0.127.0.7.2.2.4"
/* "Use the default parameter id of the key agreement." */
#define MKC_PACE_PARAM_DEFAULT (-1)
#define MKC_PACE_PARAM_BRAINPOOL_P256R1 13
#define MKC_PACE_PARAM_MODP_2048_256 2

typedef struct mkc_pace_config {
    mkc_pace_alg alg;
    mkc_cipher cipher;
    int parameter_id; /* a concrete id, never MKC_PACE_PARAM_DEFAULT here */
} mkc_pace_config;

/* True for the DH variants (MODP groups), false for ECDH and NONE. */
bool mkc_pace_is_dh(mkc_pace_alg alg);

/* 13 (brainpoolP256r1) for ECDH, 2 (2048-bit MODP, 256-bit subgroup) for DH. */
int mkc_pace_default_param(mkc_pace_alg alg);

/* KS_OK when id is a standardised parameter id usable with alg. */
ks_status mkc_pace_check_param(mkc_pace_alg alg, int parameter_id);

/* The dotted id-PACE-... OID; KS_ERR_ARG for NONE or a bad cipher. */
ks_status mkc_pace_oid(mkc_pace_alg alg, mkc_cipher cipher, char out[MKC_OID_MAX]);

/* EF.CardAccess; ca may be MKC_CA_NONE (then only the PACEInfo). */
ks_status mkc_pace_card_access(const mkc_pace_config *pace, mkc_ca_alg ca, mkc_cipher ca_cipher,
                               mkc_bytes *out);

#endif
