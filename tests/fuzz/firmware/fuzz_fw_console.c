/*
 * fuzz_fw_console.c — the firmware debug console's line parser on
 * arbitrary bytes (the debug UART is reachable by anyone with a cable).
 */
#include <stddef.h>
#include <stdint.h>

#include "app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    app_cmd cmd;
    if (app_console_parse((const char *)data, size, &cmd) == KS_OK && cmd.kind == APP_CMD_EXIT &&
        (cmd.exit_code < 0 || cmd.exit_code > 255))
        __builtin_trap();
    return 0;
}
