/*
 * ef.h — selecting and reading elementary files of an eMRTD.
 *
 * ef_read() returns a whole BER-TLV-wrapped file (DGs, EF.COM, EF.SOD,
 * EF.CardAccess) in as few READ BINARY round trips as the path allows:
 *  - the first read goes by short EF identifier (no SELECT) and asks for the
 *    largest Ne the channel carries, so a file that fits arrives at once;
 *  - the TLV header of the first chunk gives the file size, and the rest is
 *    read in the largest chunks that fit (secure messaging overhead counted);
 *  - offsets above 32767 use READ BINARY with odd INS (B1, DO'54 offset);
 *  - a card that refuses extended length (6700) is read again with short
 *    APDUs; a card without SFI support gets SELECT by file identifier.
 * The caller frees *out with free(). Files larger than max_len are refused
 * before anything is allocated for them.
 */
#ifndef KS_EF_H
#define KS_EF_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"

/* SELECT by file identifier under the current DF (P2 0C: no FCI). */
ks_status ef_select(chan *c, uint16_t fid, uint16_t *sw);

/* SELECT an application by AID. */
ks_status ef_select_aid(chan *c, const uint8_t *aid, size_t aid_len, uint16_t *sw);

/* Reads a whole file. On a card refusal *sw holds the card's status word:
 * KS_ERR_ACCESS for 6982/6985/6988 style refusals, KS_ERR_NOT_FOUND for 6A82. */
ks_status ef_read(chan *c, uint16_t fid, uint8_t sfi, size_t max_len, uint8_t **out,
                  size_t *out_len, uint16_t *sw);

#endif
