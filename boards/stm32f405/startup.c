/*
 * startup.c — the vector table and the reset handler.
 *
 * The reset handler turns the FPU on before any C code can touch a float
 * register (the image is built for the hard-float ABI), copies .data from
 * flash, clears .bss and calls main(0, NULL). Unused interrupts land in
 * board_unexpected_irq(), which resets the chip (or ends the QEMU run with
 * a distinctive code) rather than spinning forever with the watchdog fed.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "hal_system.h"
#include "regs.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(int argc, char **argv);

void Reset_Handler(void);
void board_unexpected_irq(void);
void HardFault_Handler(void);
void SysTick_Handler(void);
void USART1_IRQHandler(void);
void USART2_IRQHandler(void);
void USART3_IRQHandler(void);
void UART4_IRQHandler(void);
void USART6_IRQHandler(void);

/* Exit code used when the firmware faults under QEMU, so a test sees it. */
#define STARTUP_FAULT_EXIT 99

_Noreturn void board_fault(void);

void board_unexpected_irq(void)
{
    board_fault();
}

void HardFault_Handler(void)
{
    board_fault();
}

_Noreturn void board_fault(void)
{
    if (board_semihosting_available())
        board_semihosting_exit(STARTUP_FAULT_EXIT);
    hal_system_reset();
}

void Reset_Handler(void)
{
    SCB_CPACR |= (0xFu << 20); /* CP10 + CP11 full access */
    __asm volatile("dsb\n isb" ::: "memory");

    size_t data_len = (size_t)((uintptr_t)&_edata - (uintptr_t)&_sdata);
    memcpy(&_sdata, &_sidata, data_len);
    size_t bss_len = (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sbss);
    memset(&_sbss, 0, bss_len);

    int code = main(0, NULL);
    hal_system_exit(code);
}

typedef void (*vector_fn)(void);

/* Slot 0 is the initial stack pointer; 1..15 the Cortex-M exceptions;
 * from 16 on the STM32F405's IRQ_COUNT peripheral interrupts. */
__attribute__((section(".isr_vector"), used))
static const vector_fn vector_table[16 + IRQ_COUNT] = {
    [0] = (vector_fn)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = board_unexpected_irq,  /* NMI */
    [3] = HardFault_Handler,
    [4] = HardFault_Handler,     /* MemManage */
    [5] = HardFault_Handler,     /* BusFault */
    [6] = HardFault_Handler,     /* UsageFault */
    [11] = board_unexpected_irq, /* SVCall */
    [12] = board_unexpected_irq, /* DebugMon */
    [14] = board_unexpected_irq, /* PendSV */
    [15] = SysTick_Handler,
    [16 + IRQ_USART1] = USART1_IRQHandler,
    [16 + IRQ_USART2] = USART2_IRQHandler,
    [16 + IRQ_USART3] = USART3_IRQHandler,
    [16 + IRQ_UART4] = UART4_IRQHandler,
    [16 + IRQ_USART6] = USART6_IRQHandler,
};
