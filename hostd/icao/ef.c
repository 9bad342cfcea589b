#include "ef.h"

#include <stdlib.h>
#include <string.h>

#include "tlv.h"

#define INS_SELECT 0xA4
#define INS_READ_BINARY 0xB0
#define INS_READ_BINARY_ODD 0xB1
#define MAX_EVEN_OFFSET 0x7FFFu

static ks_status status_from_sw(uint16_t sw)
{
    switch (sw) {
    case 0x9000:
    case 0x6282:
        return KS_OK;
    case 0x6A82:
        return KS_ERR_NOT_FOUND;
    case 0x6982:
    case 0x6985:
    case 0x6986:
    case 0x6987:
    case 0x6988:
        return KS_ERR_ACCESS;
    default:
        return KS_ERR_CARD;
    }
}

ks_status ef_select(chan *c, uint16_t fid, uint16_t *sw)
{
    uint8_t id[2] = {(uint8_t)(fid >> 8), (uint8_t)fid};
    apdu_cmd cmd = {.cla = 0x00, .ins = INS_SELECT, .p1 = 0x02, .p2 = 0x0C, .data = id, .nc = 2};
    uint8_t resp[64];
    size_t n;
    ks_status st = chan_transmit(c, &cmd, resp, sizeof resp, &n, sw);
    return st != KS_OK ? st : status_from_sw(*sw);
}

ks_status ef_select_aid(chan *c, const uint8_t *aid, size_t aid_len, uint16_t *sw)
{
    apdu_cmd cmd = {.cla = 0x00, .ins = INS_SELECT, .p1 = 0x04, .p2 = 0x0C, .data = aid,
                    .nc = aid_len};
    uint8_t resp[256];
    size_t n;
    ks_status st = chan_transmit(c, &cmd, resp, sizeof resp, &n, sw);
    return st != KS_OK ? st : status_from_sw(*sw);
}

/* One READ BINARY at `offset` of up to `ne` bytes into out. sfi != 0 reads
 * by short EF identifier (offset must then be <= 255). */
static ks_status read_chunk(chan *c, uint8_t sfi, size_t offset, size_t ne, uint8_t *out,
                            size_t cap, size_t *got, uint16_t *sw)
{
    apdu_cmd cmd = {.cla = 0x00, .ins = INS_READ_BINARY, .ne = ne};
    uint8_t odd_data[5];
    if (sfi) {
        cmd.p1 = (uint8_t)(0x80u | sfi);
        cmd.p2 = (uint8_t)offset;
    } else if (offset <= MAX_EVEN_OFFSET) {
        cmd.p1 = (uint8_t)(offset >> 8);
        cmd.p2 = (uint8_t)offset;
    } else {
        /* Odd INS: the offset travels in DO'54, the data comes back in DO'53. */
        cmd.ins = INS_READ_BINARY_ODD;
        odd_data[0] = 0x54;
        odd_data[1] = 0x03;
        odd_data[2] = (uint8_t)(offset >> 16);
        odd_data[3] = (uint8_t)(offset >> 8);
        odd_data[4] = (uint8_t)offset;
        cmd.data = odd_data;
        cmd.nc = sizeof odd_data;
    }
    if (cmd.ins == INS_READ_BINARY) {
        ks_status st = chan_transmit(c, &cmd, out, cap, got, sw);
        if (st != KS_OK)
            return st;
        return status_from_sw(*sw);
    }
    /* The DO'53 header costs up to 4 bytes of the response; ask for it. */
    size_t want = ne + 4 > chan_max_read(c) ? chan_max_read(c) : ne + 4;
    cmd.ne = want;
    uint8_t *tmp = malloc(want + 8);
    if (!tmp)
        return KS_ERR_NO_MEMORY;
    size_t n = 0;
    ks_status st = chan_transmit(c, &cmd, tmp, want + 8, &n, sw);
    if (st == KS_OK)
        st = status_from_sw(*sw);
    tlv e;
    if (st == KS_OK)
        st = tlv_decode(tmp, n, &e);
    if (st == KS_OK && (e.tag != 0x53 || e.len > cap))
        st = KS_ERR_MALFORMED;
    if (st == KS_OK) {
        memcpy(out, e.value, e.len);
        *got = e.len;
    }
    free(tmp);
    return st;
}

/* Length of the whole file from the TLV header at its start. */
static ks_status file_size_from_header(const uint8_t *p, size_t n, size_t *total)
{
    if (n < 2)
        return KS_ERR_TRUNCATED;
    size_t tag_len = (p[0] & 0x1Fu) == 0x1Fu ? 2 : 1;
    if (n < tag_len + 1)
        return KS_ERR_TRUNCATED;
    uint8_t l0 = p[tag_len];
    size_t len_len = l0 < 0x80 ? 1 : 1u + (l0 & 0x7Fu);
    if (l0 == 0x80 || len_len > 4)
        return KS_ERR_MALFORMED;
    if (n < tag_len + len_len)
        return KS_ERR_TRUNCATED;
    size_t v = l0 < 0x80 ? l0 : 0;
    for (size_t i = 1; i < len_len; i++)
        v = (v << 8) | p[tag_len + i];
    *total = tag_len + len_len + v;
    return KS_OK;
}

static bool wrong_length(uint16_t sw)
{
    return sw == 0x6700 || (sw & 0xFF00u) == 0x6C00u;
}

ks_status ef_read(chan *c, uint16_t fid, uint8_t sfi, size_t max_len, uint8_t **out,
                  size_t *out_len, uint16_t *sw)
{
    *out = NULL;
    *out_len = 0;
    *sw = 0;
    /* The first chunk: by SFI, as big as the channel allows. */
    size_t first_cap = chan_max_read(c);
    uint8_t *first = malloc(first_cap);
    if (!first)
        return KS_ERR_NO_MEMORY;
    size_t got = 0;
    ks_status st = read_chunk(c, sfi, 0, first_cap, first, first_cap, &got, sw);
    if (st == KS_ERR_CARD && wrong_length(*sw) && c->extended) {
        /* An extended Ne the card does not take: fall back to short APDUs. */
        chan_disable_extended(c);
        first_cap = chan_max_read(c);
        st = read_chunk(c, sfi, 0, first_cap, first, first_cap, &got, sw);
    }
    if (st == KS_ERR_CARD && (*sw == 0x6A86 || *sw == 0x6B00 || *sw == 0x6D00 || *sw == 0x6981)) {
        /* No SFI support: select the file and read by offset. */
        st = ef_select(c, fid, sw);
        if (st == KS_OK)
            st = read_chunk(c, 0, 0, first_cap, first, first_cap, &got, sw);
    }
    if (st != KS_OK) {
        free(first);
        return st;
    }
    size_t total = 0;
    st = file_size_from_header(first, got, &total);
    if (st != KS_OK || total > max_len) {
        free(first);
        return st != KS_OK ? st : KS_ERR_TOO_LARGE;
    }
    uint8_t *file = malloc(total ? total : 1);
    if (!file) {
        free(first);
        return KS_ERR_NO_MEMORY;
    }
    size_t have = got < total ? got : total;
    memcpy(file, first, have);
    free(first);

    /* After a read by SFI the file is the current EF, so offsets work. */
    while (have < total) {
        size_t want = total - have;
        size_t max = chan_max_read(c);
        if (want > max)
            want = max;
        size_t n = 0;
        st = read_chunk(c, 0, have, want, file + have, total - have, &n, sw);
        if (st == KS_OK && n == 0)
            st = KS_ERR_TRUNCATED; /* a card answering nothing would loop forever */
        if (st != KS_OK) {
            free(file);
            return st;
        }
        have += n;
    }
    *out = file;
    *out_len = total;
    return KS_OK;
}
