/*
 * clock.c — HSE 8 MHz -> PLL -> 168 MHz core, APB1 42 MHz, APB2 84 MHz,
 * 48 MHz for USB.
 *
 * Every ready-bit poll is bounded: QEMU does not emulate the RCC (all reads
 * are zero) and a board whose crystal fails must still come up on the
 * 16 MHz HSI instead of hanging before the watchdog is running.
 * QEMU is recognised by RCC_CR reading zero: on silicon HSION/HSIRDY are
 * always set at this point, so a zero read cannot happen on real hardware.
 * QEMU's netduinoplus2 runs the core at 168 MHz regardless.
 */
#include "board.h"
#include "regs.h"

#define HSI_HZ 16000000u
#define PLL_CORE_HZ 168000000u
#define READY_POLL_LIMIT 200000u /* a few ms at 16 MHz; HSE starts in ~2 ms */

uint32_t board_core_hz = HSI_HZ;
uint32_t board_apb1_hz = HSI_HZ;
uint32_t board_apb2_hz = HSI_HZ;
bool board_in_emulator;

static bool wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    for (uint32_t i = 0; i < READY_POLL_LIMIT; i++) {
        if ((*reg & mask) == value)
            return true;
    }
    return false;
}

static void use_pll_speeds(void)
{
    board_core_hz = PLL_CORE_HZ;
    board_apb1_hz = PLL_CORE_HZ / 4u;
    board_apb2_hz = PLL_CORE_HZ / 2u;
}

void board_clock_init(void)
{
    if (RCC_CR == 0u) {
        board_in_emulator = true;
        use_pll_speeds();
        return;
    }

    RCC_CR |= RCC_CR_HSEON;
    if (!wait_bits(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY))
        return; /* stay on HSI; the UART baud math uses the HSI figures */

    /* PLLM=8 (1 MHz in), PLLN=336, PLLP=2 -> 168 MHz, PLLQ=7 -> 48 MHz. */
    RCC_PLLCFGR = 8u | (336u << 6) | (0u << 16) | RCC_PLLCFGR_SRC_HSE | (7u << 24);
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
        return;

    /* Wait states before the speed-up: 5 at 3.3 V and 168 MHz. */
    FLASH_ACR = FLASH_ACR_LATENCY_5WS | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    RCC_CFGR = RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2 | RCC_CFGR_SW_PLL;
    if (!wait_bits(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL)) {
        RCC_CFGR = 0u; /* back to HSI, undivided buses */
        return;
    }
    use_pll_speeds();
}
