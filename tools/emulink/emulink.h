/*
 * emulink.h — what the hardware emulators in tools/ share: the pty they
 * present as the emulated device's serial line, and option parsing.
 *
 * emulink_open_pty() creates a raw pty and symlinks its slave to link_path,
 * so a driver (libccidtwin, libnfc, the firmware's native board) opens a
 * stable name. The slave is kept open here (*slave_keep): the master then
 * never sees a hang-up between clients. Returns the master fd, or -1.
 */
#ifndef KS_EMULINK_H
#define KS_EMULINK_H

#include <stdbool.h>

int emulink_open_pty(const char *link_path, int *slave_keep);

/* A decimal count 0..1e9 with nothing after it (fault options). */
bool emulink_parse_count(const char *s, long *out);

#endif
