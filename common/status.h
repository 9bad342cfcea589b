/*
 * status.h — the one status enum every module returns.
 *
 * Contract: functions return KS_OK on success and one of the KS_ERR_* codes
 * otherwise; outputs go through pointers and are only meaningful on KS_OK.
 * ks_status_str() gives a short, fixed English phrase (never personal data)
 * suitable for a one-line error message.
 */
#ifndef KS_STATUS_H
#define KS_STATUS_H

typedef enum ks_status {
    KS_OK = 0,
    KS_ERR_ARG,         /* the caller passed an invalid argument */
    KS_ERR_TRUNCATED,   /* input ended before a complete element */
    KS_ERR_MALFORMED,   /* input is not well formed */
    KS_ERR_TOO_LARGE,   /* output buffer or a fixed limit is too small */
    KS_ERR_NOT_FOUND,   /* a looked-for element, file or key is absent */
    KS_ERR_UNSUPPORTED, /* well formed but not something we implement */
    KS_ERR_CRYPTO,      /* the crypto library failed */
    KS_ERR_AUTH,        /* a MAC, cryptogram or signature did not verify */
    KS_ERR_ACCESS,      /* the card refused access (wrong key, not authenticated) */
    KS_ERR_CARD,        /* the card answered an unexpected status word */
    KS_ERR_TRANSPORT,   /* the reader or its link failed */
    KS_ERR_REMOVED,     /* the card left the reader */
    KS_ERR_NO_MEMORY,
    KS_ERR_IO,          /* a file or socket operation failed */
    KS_ERR_TIMEOUT,
    KS_STATUS_COUNT_
} ks_status;

const char *ks_status_str(ks_status st);

#endif
