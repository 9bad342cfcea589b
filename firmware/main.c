/*
 * main.c — the reader firmware's entry point: board bring-up, the list of
 * modules the main loop drives, and the loop itself.
 *
 * Wiring point for the lead: add the CCID slot (firmware/ccid, on
 * HAL_UART_HOST through a hal_link), the NFC card (firmware/nfc, PN532 on
 * HAL_UART_NFC) and later the QR scanner and vendor channel as app_module
 * entries in reader_modules[] below. Each module's state lives in a static
 * here (no heap in the firmware).
 */
#include <stddef.h>

#include "app.h"
#include "hal_system.h"

/* HOOK(modules): { "ccid", ccid_module_init, ccid_module_poll, &ccid_state },
 *                { "nfc",  nfc_module_init,  nfc_module_poll,  &nfc_state  }, */
static const app_module reader_modules[] = {
    {"idle", NULL, NULL, NULL}, /* placeholder so the array is never empty */
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
