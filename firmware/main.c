/*
 * main.c — the reader firmware's entry point: board bring-up, the list of
 * modules the main loop drives, and the loop itself.
 *
 * The modules (app_reader.h) share one static struct reader (no heap in the
 * firmware). Order matters at start-up: the NFC card exists before the CCID
 * slot that borrows it.
 */
#include <stddef.h>

#include "app.h"
#include "app_reader.h"
#include "hal_system.h"

static reader reader_state;

static const app_module reader_modules[] = {
    {"nfc", reader_nfc_init, reader_nfc_poll, &reader_state},
    {"ccid", reader_ccid_init, reader_ccid_poll, &reader_state},
    {"qr", reader_qr_init, reader_qr_poll, &reader_state},
    {"vendor", reader_vendor_init, reader_vendor_poll, &reader_state},
};

static app reader_app;

int main(int argc, char **argv)
{
    if (hal_system_init(argc, argv) != KS_OK)
        hal_system_exit(2);
    if (app_init(&reader_app, reader_modules, sizeof reader_modules / sizeof reader_modules[0]) != KS_OK)
        hal_system_exit(3);
    hal_system_exit(app_run(&reader_app));
}
