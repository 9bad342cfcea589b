/*
 * bac.h — Basic Access Control (ICAO Doc 9303-11 section 4.3 / 9.7), split
 * from the APDU exchange so it can be checked offline against the worked
 * example of Appendix D.
 *
 * The caller does GET CHALLENGE (RND.IC), chooses RND.IFD and K.IFD from a
 * CSPRNG, sends bac_begin()'s 40 bytes in EXTERNAL AUTHENTICATE and passes the
 * card's answer to bac_complete(), which opens 3DES secure messaging.
 * bac_state holds key material: bac_complete() wipes it whatever the outcome;
 * call bac_clear() if the exchange is abandoned before that.
 */
#ifndef KS_BAC_H
#define KS_BAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm.h"
#include "status.h"

typedef struct bac_state {
    uint8_t k_enc[16], k_mac[16], rnd_icc[8], rnd_ifd[8], k_ifd[16];
} bac_state;

#define BAC_CMD_DATA_LEN 40u

/* Derives Kenc/Kmac from the seed and builds E_IFD || M_IFD (40 bytes). */
ks_status bac_begin(bac_state *st, const uint8_t seed[16], const uint8_t rnd_icc[8],
                    const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], uint8_t cmd_data[40]);

/* Checks the card's 40-byte answer (MAC first, then the RND.IFD echo and
 * RND.IC), derives KSenc/KSmac and SSC and initialises *sm. KS_ERR_AUTH when
 * the answer does not verify, KS_ERR_MALFORMED when it is not 40 bytes. */
ks_status bac_complete(bac_state *st, const uint8_t *resp, size_t resp_len, sm_ctx *sm);

void bac_clear(bac_state *st);

#endif
