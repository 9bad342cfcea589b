#include "status.h"

const char *ks_status_str(ks_status st)
{
    switch (st) {
    case KS_OK:              return "ok";
    case KS_ERR_ARG:         return "invalid argument";
    case KS_ERR_TRUNCATED:   return "input truncated";
    case KS_ERR_MALFORMED:   return "malformed input";
    case KS_ERR_TOO_LARGE:   return "too large";
    case KS_ERR_NOT_FOUND:   return "not found";
    case KS_ERR_UNSUPPORTED: return "not supported";
    case KS_ERR_CRYPTO:      return "cryptographic failure";
    case KS_ERR_AUTH:        return "authentication failed";
    case KS_ERR_ACCESS:      return "access denied";
    case KS_ERR_CARD:        return "card error";
    case KS_ERR_TRANSPORT:   return "reader error";
    case KS_ERR_REMOVED:     return "card removed";
    case KS_ERR_NO_MEMORY:   return "out of memory";
    case KS_ERR_IO:          return "input/output error";
    case KS_ERR_TIMEOUT:     return "timed out";
    case KS_STATUS_COUNT_:   break;
    }
    return "unknown status";
}
