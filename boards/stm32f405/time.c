/*
 * time.c — SysTick at 1 kHz from the core clock.
 */
#include "board.h"
#include "hal_time.h"
#include "regs.h"

static volatile uint32_t tick_ms;

void SysTick_Handler(void);

void SysTick_Handler(void)
{
    tick_ms++;
}

void board_tick_init(void)
{
    SYST_RVR = board_core_hz / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CORECLK | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint32_t hal_time_ms(void)
{
    return tick_ms;
}

void hal_time_delay_ms(uint32_t ms)
{
    uint32_t start = tick_ms;
    while ((uint32_t)(tick_ms - start) < ms)
        __asm volatile("wfi");
}
