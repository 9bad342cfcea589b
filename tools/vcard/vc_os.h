/*
 * vc_os.h — the emulated chip's operating system: one command APDU in, one
 * response APDU out.
 *
 * It keeps the state a real eMRTD chip keeps between commands: the selected
 * DF (MF or the eMRTD application), the current EF, the pending BAC
 * challenge and the secure messaging session. Files of the application need
 * a BAC session (6982 before); once a session runs every command must be
 * protected, and an unprotected command or a bad MAC ends it with a plain
 * 6988. Commands: SELECT (AID, MF, EF by FID), READ BINARY (B0 with SFI or
 * offset, B1 with DO'54 offset and DO'53 answer), GET CHALLENGE, EXTERNAL
 * AUTHENTICATE (BAC), MSE:Set AT + GENERAL AUTHENTICATE (PACE when the card
 * has it; Chip Authentication under SM), MSE:Set KAT (Chip Authentication
 * with 3DES), INTERNAL AUTHENTICATE (Active Authentication under SM).
 * A session that PACE or Chip Authentication establishes starts after the
 * answer to the command that established it has gone out (CA's answer is
 * protected under the old keys). The quirk select-mf-6d00 answers SELECT of
 * the MF with 6D00.
 *
 * The vc_os borrows the vc_card (which must outlive it) and owns two
 * scratch buffers. vc_os_process() always produces a response APDU (status
 * words carry the card's errors); it fails only on bad arguments. Responses
 * are limited to `cap` bytes: with vpcd that is 65535, so a read asking for
 * more returns what fits, with 9000, and the reader continues at the next
 * offset. With extended length off, a protected response body is kept to
 * the 256 bytes a short Le allows.
 */
#ifndef VC_OS_H
#define VC_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "vc_bac.h"
#include "vc_card.h"
#include "vc_group.h"
#include "vc_pace.h"
#include "vc_sm.h"

/* What the last command looked like, for --verbose: headers and lengths only. */
typedef struct vc_os_trace {
    uint8_t cla, ins, p1, p2;
    size_t nc, ne;
    bool extended;
    bool secured;               /* it was a valid protected command */
    uint8_t in_ins, in_p1, in_p2; /* the plain command inside, when secured */
    size_t in_nc, in_ne;
    uint16_t sw;
    size_t resp_len;
} vc_os_trace;

typedef struct vc_os {
    const vc_card *card;
    bool extended;
    vc_bac_keys bac;
    bool app_selected;
    const vc_file *current_ef;
    uint8_t rnd_icc[VC_BAC_RND_LEN];
    bool challenge_valid;
    vc_sm sm;
    vc_pace pace;
    bool ca_ready;              /* MSE:Set AT for Chip Authentication accepted */
    vc_sm next_sm;              /* the session to switch to after this answer */
    bool has_next_sm;
    bool fault_ca_fail;         /* fault: CA derives its keys from a wrong secret */
    EVP_PKEY *clone_key;        /* fault: AA signs with this key, not DG15's */
    vc_rng_fn rng;
    void *rng_ctx;
    bool corrupt_sm;            /* fault: flip a MAC bit after the first protected answer */
    unsigned long protected_answers;
    uint8_t *plain;             /* decrypted command data */
    uint8_t *scratch;           /* built response data (DO'53) */
    vc_os_trace trace;
} vc_os;

/* The largest response the emulator builds: vpcd frames carry a 16-bit length. */
#define VC_OS_MAX_RESPONSE 65535u

/* Prepares a powered-off chip for `card`; extended = extended length on. */
ks_status vc_os_init(vc_os *os, const vc_card *card, bool extended);

/* Replaces the random source (tests fix RND.ICC and K.ICC this way). */
void vc_os_set_rng(vc_os *os, vc_rng_fn rng, void *ctx);

/* Fault injection: corrupt DO'8E of every protected response after the first. */
void vc_os_set_corrupt_sm(vc_os *os, bool on);

/* Fault injection: Chip Authentication answers 9000 but switches to wrong keys. */
void vc_os_set_fault_ca_fail(vc_os *os, bool on);

/* Fault injection: Active Authentication signs with a fresh key unlike DG15's (a clone). */
ks_status vc_os_set_fault_clone(vc_os *os, bool on);

/* Power-on or reset: MF selected, no challenge, no session. */
void vc_os_reset(vc_os *os);

/* Runs one command APDU; out receives the response APDU (data + SW1 SW2). */
ks_status vc_os_process(vc_os *os, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap,
                        size_t *out_len);

/* True while a secure messaging session (BAC, PACE, CA) is running. */
bool vc_os_authenticated(const vc_os *os);

/* Frees the scratch buffers and wipes keys. */
void vc_os_free(vc_os *os);

#endif
