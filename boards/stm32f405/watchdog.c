/*
 * watchdog.c — the IWDG, clocked by the ~32 kHz LSI with prescaler /256
 * (one count = 8 ms, reload up to 4095 -> about 32 s).
 * The IWDG starts the LSI itself; its status bits are not polled because
 * QEMU does not emulate the block and a stuck poll would defeat the point.
 */
#include "board.h"
#include "hal_watchdog.h"
#include "regs.h"

#define IWDG_PRESCALER_256 6u
#define IWDG_MS_PER_COUNT 8u
#define IWDG_RELOAD_MAX 4095u

void hal_watchdog_start(uint32_t timeout_ms)
{
    uint32_t counts = timeout_ms / IWDG_MS_PER_COUNT;
    if (counts < 1u)
        counts = 1u;
    if (counts > IWDG_RELOAD_MAX)
        counts = IWDG_RELOAD_MAX;
    IWDG_KR = IWDG_KEY_START;
    IWDG_KR = IWDG_KEY_UNLOCK;
    IWDG_PR = IWDG_PRESCALER_256;
    IWDG_RLR = counts;
    IWDG_KR = IWDG_KEY_RELOAD;
}

void hal_watchdog_kick(void)
{
    IWDG_KR = IWDG_KEY_RELOAD;
}

bool hal_watchdog_caused_reset(void)
{
    return board_watchdog_reset_seen();
}
