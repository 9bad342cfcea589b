/*
 * system.c — bring-up order, semihosting and the ways out.
 *
 * Semihosting is only attempted when something can catch BKPT 0xAB: QEMU
 * (recognised at clock set-up) or an attached debugger (DHCSR.C_DEBUGEN).
 * On a standalone board the same BKPT would fault, so exit means reset.
 */
#include <stddef.h>

#include "board.h"
#include "hal_gpio.h"
#include "hal_system.h"
#include "hal_time.h"
#include "regs.h"

#define SEMIHOST_SYS_EXIT_EXTENDED 0x20u
#define SEMIHOST_APP_EXIT 0x20026u /* ADP_Stopped_ApplicationExit */
#define EMULATOR_EXIT_SETTLE_MS 50u

static bool reset_by_watchdog;

bool board_watchdog_reset_seen(void)
{
    return reset_by_watchdog;
}

ks_status hal_system_init(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    board_clock_init();
    reset_by_watchdog = (RCC_CSR & RCC_CSR_IWDGRSTF) != 0u;
    RCC_CSR |= RCC_CSR_RMVF;
    board_tick_init();
    board_gpio_init();
    __asm volatile("cpsie i" ::: "memory");
    return KS_OK;
}

bool board_semihosting_available(void)
{
    return board_in_emulator || (DHCSR & DHCSR_C_DEBUGEN) != 0u;
}

static uint32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

_Noreturn void board_semihosting_exit(int code)
{
    const uint32_t block[2] = {SEMIHOST_APP_EXIT, (uint32_t)code};
    (void)semihost_call(SEMIHOST_SYS_EXIT_EXTENDED, block);
    hal_system_reset(); /* a debugger that resumes us gets a clean restart */
}

_Noreturn void hal_system_exit(int code)
{
    if (board_in_emulator) {
        /* QEMU closes its pty links the moment it exits, and the host
         * kernel drops what it has not yet handed to the reader: give the
         * last replies a moment to reach the other side. */
        hal_time_delay_ms(EMULATOR_EXIT_SETTLE_MS);
    }
    if (board_semihosting_available())
        board_semihosting_exit(code);
    hal_system_reset();
}

_Noreturn void hal_system_reset(void)
{
    __asm volatile("dsb" ::: "memory");
    SCB_AIRCR = SCB_AIRCR_RESET;
    __asm volatile("dsb" ::: "memory");
    for (;;)
        __asm volatile("nop");
}

void hal_system_idle(void)
{
    __asm volatile("wfi");
}

const char *hal_system_board(void)
{
    return board_in_emulator ? "stm32f405-qemu" : "stm32f405";
}

bool hal_system_stop_requested(void)
{
    return false;
}
