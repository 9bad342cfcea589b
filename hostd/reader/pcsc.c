#include "pcsc.h"

#include <PCSC/winscard.h>
#include <PCSC/reader.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pcsc-lite's own bound on an extended APDU exchange (MAX_BUFFER_SIZE_EXTENDED). */
#define PCSC_EXTENDED_LIMIT (4u + 3u + 65536u + 3u + 2u)

typedef struct pcsc_transport {
    transport base;
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD protocol;
    int in_transaction;
    char reader[256];
} pcsc_transport;

static void set_err(char *err, size_t cap, const char *what, LONG rv)
{
    if (err && cap)
        snprintf(err, cap, "%s: %s", what, pcsc_stringify_error(rv));
}

static ks_status map_rv(LONG rv)
{
    switch (rv) {
    case SCARD_S_SUCCESS:
        return KS_OK;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_RESET_CARD:
    case SCARD_W_UNPOWERED_CARD:
        return KS_ERR_REMOVED;
    case SCARD_E_TIMEOUT:
        return KS_ERR_TIMEOUT;
    case SCARD_E_INSUFFICIENT_BUFFER:
        return KS_ERR_TOO_LARGE;
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
        return KS_ERR_NOT_FOUND;
    default:
        return KS_ERR_TRANSPORT;
    }
}

/* After a failed exchange: did the card leave? pcscd notices a removal by
 * polling the driver, so its view may lag; give it up to CARD_LEFT_WAIT_MS. */
#define CARD_LEFT_WAIT_MS 3000
#define CARD_GONE (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE | SCARD_STATE_MUTE)
static bool card_left(pcsc_transport *p)
{
    SCARD_READERSTATE st = {.szReader = p->reader, .dwCurrentState = SCARD_STATE_UNAWARE};
    for (int waited = 0; waited <= CARD_LEFT_WAIT_MS; waited += 250) {
        LONG rv = SCardGetStatusChange(p->ctx, waited ? 250 : 0, &st, 1);
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
            return false;
        if ((st.dwEventState & CARD_GONE) || !(st.dwEventState & SCARD_STATE_PRESENT))
            return true;
        st.dwCurrentState = st.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    }
    return false;
}

static ks_status pcsc_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len)
{
    pcsc_transport *p = (pcsc_transport *)t;
    const SCARD_IO_REQUEST *pci =
        p->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD rlen = (DWORD)(resp_cap > PCSC_EXTENDED_LIMIT ? PCSC_EXTENDED_LIMIT : resp_cap);
    LONG rv = SCardTransmit(p->card, pci, cmd, (DWORD)cmd_len, NULL, resp, &rlen);
    if (rv != SCARD_S_SUCCESS || rlen < 2) {
        /* A card pulled mid-exchange often surfaces as a generic transmit
         * failure, or as an empty answer; ask whether the card is still there. */
        ks_status st = rv != SCARD_S_SUCCESS ? map_rv(rv) : KS_ERR_TRANSPORT;
        if (st == KS_ERR_TRANSPORT && card_left(p))
            st = KS_ERR_REMOVED;
        return st;
    }
    *resp_len = rlen;
    return KS_OK;
}

static ks_status pcsc_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    pcsc_transport *p = (pcsc_transport *)t;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr, state = 0, proto = 0, name_len = 0;
    LONG rv = SCardStatus(p->card, NULL, &name_len, &state, &proto, atr, &atr_len);
    if (rv != SCARD_S_SUCCESS)
        return map_rv(rv);
    if (atr_len > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out, atr, atr_len);
    *len = atr_len;
    return KS_OK;
}

static ks_status pcsc_caps(transport *t, transport_caps *out)
{
    pcsc_transport *p = (pcsc_transport *)t;
    /* libccid reports its CCID message limit here; a reader that does not
     * (vpcd) is taken to carry whatever pcscd itself can. */
    uint8_t attr[8];
    DWORD attr_len = sizeof attr;
    LONG rv = SCardGetAttrib(p->card, SCARD_ATTR_MAXINPUT, attr, &attr_len);
    size_t max = PCSC_EXTENDED_LIMIT;
    if (rv == SCARD_S_SUCCESS && attr_len >= 4) {
        uint32_t v = (uint32_t)attr[0] | (uint32_t)attr[1] << 8 | (uint32_t)attr[2] << 16 |
                     (uint32_t)attr[3] << 24;
        if (v >= 261 && v < max)
            max = v;
    }
    out->max_command = max;
    out->max_response = max;
    out->extended_length = max > 261;
    return KS_OK;
}

static ks_status pcsc_present(transport *t)
{
    pcsc_transport *p = (pcsc_transport *)t;
    DWORD state = 0, proto = 0, name_len = 0, atr_len = 0;
    LONG rv = SCardStatus(p->card, NULL, &name_len, &state, &proto, NULL, &atr_len);
    if (rv != SCARD_S_SUCCESS)
        return map_rv(rv) == KS_ERR_TRANSPORT ? KS_ERR_TRANSPORT : KS_ERR_REMOVED;
    return (state & SCARD_PRESENT) ? KS_OK : KS_ERR_REMOVED;
}

static void pcsc_close(transport *t)
{
    pcsc_transport *p = (pcsc_transport *)t;
    if (p->in_transaction)
        SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
    /* Reset on disconnect so the chip forgets its secure-messaging session. */
    SCardDisconnect(p->card, SCARD_RESET_CARD);
    SCardReleaseContext(p->ctx);
    free(p);
}

static const struct transport_ops pcsc_ops = {
    .transmit = pcsc_transmit,
    .atr = pcsc_atr,
    .caps = pcsc_caps,
    .present = pcsc_present,
    .close = pcsc_close,
};

const char *pcsc_reader_name(const transport *t)
{
    return ((const pcsc_transport *)t)->reader;
}

/* Fills `names` (multi-string) with the current readers. */
static LONG list_readers(SCARDCONTEXT ctx, char **names)
{
    DWORD len = 0;
    *names = NULL;
    LONG rv = SCardListReaders(ctx, NULL, NULL, &len);
    if (rv != SCARD_S_SUCCESS)
        return rv;
    *names = malloc(len);
    if (!*names)
        return SCARD_E_NO_MEMORY;
    rv = SCardListReaders(ctx, NULL, *names, &len);
    if (rv != SCARD_S_SUCCESS) {
        free(*names);
        *names = NULL;
    }
    return rv;
}

/* Picks the first reader with a card (or the named one), waiting up to wait_ms. */
static LONG choose_reader(SCARDCONTEXT ctx, const char *want, int wait_ms, char *chosen,
                          size_t cap)
{
    char *names = NULL;
    LONG rv = list_readers(ctx, &names);
    if (rv != SCARD_S_SUCCESS)
        return rv;
    SCARD_READERSTATE states[16];
    DWORD n = 0;
    for (char *r = names; *r && n < 16; r += strlen(r) + 1) {
        if (want && strcmp(want, r) != 0)
            continue;
        memset(&states[n], 0, sizeof states[n]);
        states[n].szReader = r;
        states[n].dwCurrentState = SCARD_STATE_UNAWARE;
        n++;
    }
    if (n == 0) {
        free(names);
        return want ? SCARD_E_UNKNOWN_READER : SCARD_E_NO_READERS_AVAILABLE;
    }
    rv = SCardGetStatusChange(ctx, 0, states, n);
    int waited = 0;
    for (;;) {
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
            break;
        for (DWORD i = 0; i < n; i++) {
            if ((states[i].dwEventState & SCARD_STATE_PRESENT) &&
                !(states[i].dwEventState & SCARD_STATE_MUTE)) {
                snprintf(chosen, cap, "%s", states[i].szReader);
                free(names);
                return SCARD_S_SUCCESS;
            }
            states[i].dwCurrentState = states[i].dwEventState;
        }
        if (waited >= wait_ms) {
            rv = SCARD_E_NO_SMARTCARD;
            break;
        }
        int step = wait_ms - waited > 500 ? 500 : wait_ms - waited;
        rv = SCardGetStatusChange(ctx, (DWORD)step, states, n);
        waited += step;
    }
    free(names);
    return rv;
}

ks_status pcsc_open(const pcsc_open_opts *opts, transport **out, char *err, size_t err_cap)
{
    if (!opts || !out)
        return KS_ERR_ARG;
    pcsc_transport *p = calloc(1, sizeof *p);
    if (!p)
        return KS_ERR_NO_MEMORY;
    p->base.ops = &pcsc_ops;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (rv != SCARD_S_SUCCESS) {
        set_err(err, err_cap, "cannot reach pcscd", rv);
        free(p);
        return KS_ERR_TRANSPORT;
    }
    rv = choose_reader(p->ctx, opts->reader, opts->wait_ms, p->reader, sizeof p->reader);
    if (rv != SCARD_S_SUCCESS) {
        set_err(err, err_cap, rv == SCARD_E_NO_SMARTCARD ? "no card in any reader" : "no reader",
                rv);
        SCardReleaseContext(p->ctx);
        free(p);
        return rv == SCARD_E_NO_SMARTCARD ? KS_ERR_NOT_FOUND : map_rv(rv);
    }
    rv = SCardConnect(p->ctx, p->reader, SCARD_SHARE_SHARED,
                      SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &p->protocol);
    if (rv != SCARD_S_SUCCESS) {
        set_err(err, err_cap, "cannot connect to the card", rv);
        SCardReleaseContext(p->ctx);
        free(p);
        return map_rv(rv) == KS_ERR_REMOVED ? KS_ERR_REMOVED : KS_ERR_TRANSPORT;
    }
    rv = SCardBeginTransaction(p->card);
    p->in_transaction = rv == SCARD_S_SUCCESS;
    *out = &p->base;
    return KS_OK;
}

ks_status pcsc_list(void (*each)(const char *name, int has_card, void *ctx), void *ctx,
                    size_t *count, char *err, size_t err_cap)
{
    SCARDCONTEXT sc;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &sc);
    if (rv != SCARD_S_SUCCESS) {
        set_err(err, err_cap, "cannot reach pcscd", rv);
        return KS_ERR_TRANSPORT;
    }
    char *names = NULL;
    size_t n = 0;
    rv = list_readers(sc, &names);
    if (rv == SCARD_S_SUCCESS) {
        for (char *r = names; *r; r += strlen(r) + 1) {
            SCARD_READERSTATE st = {.szReader = r, .dwCurrentState = SCARD_STATE_UNAWARE};
            int has = SCardGetStatusChange(sc, 0, &st, 1) == SCARD_S_SUCCESS &&
                      (st.dwEventState & SCARD_STATE_PRESENT);
            if (each)
                each(r, has, ctx);
            n++;
        }
    }
    free(names);
    SCardReleaseContext(sc);
    if (count)
        *count = n;
    if (rv == SCARD_E_NO_READERS_AVAILABLE)
        return KS_OK;
    if (rv != SCARD_S_SUCCESS) {
        set_err(err, err_cap, "cannot list readers", rv);
        return map_rv(rv);
    }
    return KS_OK;
}
