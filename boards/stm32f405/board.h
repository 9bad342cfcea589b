/*
 * board.h — what the STM32F405 board's files share among themselves (not
 * part of the HAL): the clock the core really runs at and whether we are
 * inside QEMU, decided once by board_clock_init().
 */
#ifndef STM32F405_BOARD_H
#define STM32F405_BOARD_H

#include <stdbool.h>
#include <stdint.h>

extern uint32_t board_core_hz;   /* SysTick and delay loops use this */
extern uint32_t board_apb1_hz;   /* USART2/3/4, IWDG-independent */
extern uint32_t board_apb2_hz;   /* USART1/6, SPI1 */
extern bool board_in_emulator;   /* QEMU netduinoplus2: RCC reads as zero */

void board_clock_init(void);
void board_tick_init(void);
void board_gpio_init(void);
/* Whether the last reset came from the IWDG (captured before the flags are cleared). */
bool board_watchdog_reset_seen(void);

/* Semihosting: true when a debugger or QEMU can catch a BKPT 0xAB. */
bool board_semihosting_available(void);
_Noreturn void board_semihosting_exit(int code);

#endif
