/*
 * regs.h — the STM32F405 / Cortex-M4 registers this board uses, written by
 * hand from RM0090 and the ARMv7-M architecture manual (no CMSIS is
 * packaged). Only what the board touches is named here.
 */
#ifndef STM32F405_REGS_H
#define STM32F405_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Reset and clock control (not emulated by QEMU: reads 0). */
#define RCC_BASE        0x40023800u
#define RCC_CR          REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR     REG32(RCC_BASE + 0x04u)
#define RCC_CFGR        REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR     REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR     REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR     REG32(RCC_BASE + 0x44u)
#define RCC_CSR         REG32(RCC_BASE + 0x74u)

#define RCC_CR_HSION    (1u << 0)
#define RCC_CR_HSIRDY   (1u << 1)
#define RCC_CR_HSEON    (1u << 16)
#define RCC_CR_HSERDY   (1u << 17)
#define RCC_CR_PLLON    (1u << 24)
#define RCC_CR_PLLRDY   (1u << 25)
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_PLL     0x2u
#define RCC_CFGR_SWS_MASK   (0x3u << 2)
#define RCC_CFGR_SWS_PLL    (0x2u << 2)
#define RCC_CFGR_PPRE1_DIV4 (0x5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (0x4u << 13)
#define RCC_CSR_LSION   (1u << 0)
#define RCC_CSR_RMVF    (1u << 24)
#define RCC_CSR_IWDGRSTF (1u << 29)

/* Flash interface (wait states). */
#define FLASH_ACR       REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_5WS 5u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN   (1u << 9)
#define FLASH_ACR_DCEN   (1u << 10)

/* GPIO ports A..E, 0x400 apart. */
#define GPIO_BASE(port)   (0x40020000u + 0x400u * (uint32_t)(port))
#define GPIO_MODER(port)  REG32(GPIO_BASE(port) + 0x00u)
#define GPIO_OSPEEDR(port) REG32(GPIO_BASE(port) + 0x08u)
#define GPIO_PUPDR(port)  REG32(GPIO_BASE(port) + 0x0Cu)
#define GPIO_IDR(port)    REG32(GPIO_BASE(port) + 0x10u)
#define GPIO_ODR(port)    REG32(GPIO_BASE(port) + 0x14u)
#define GPIO_BSRR(port)   REG32(GPIO_BASE(port) + 0x18u)
#define GPIO_AFR(port, n) REG32(GPIO_BASE(port) + 0x20u + 4u * (uint32_t)(n))
enum { GPIO_PORT_A, GPIO_PORT_B, GPIO_PORT_C, GPIO_PORT_D };
#define GPIO_MODE_INPUT  0u
#define GPIO_MODE_OUTPUT 1u
#define GPIO_MODE_AF     2u

/* USART (status, data, baud rate, three control registers). */
#define USART_SR(base)  REG32((base) + 0x00u)
#define USART_DR(base)  REG32((base) + 0x04u)
#define USART_BRR(base) REG32((base) + 0x08u)
#define USART_CR1(base) REG32((base) + 0x0Cu)
#define USART_CR2(base) REG32((base) + 0x10u)
#define USART_CR3(base) REG32((base) + 0x14u)
#define USART_SR_ORE    (1u << 3)
#define USART_SR_RXNE   (1u << 5)
#define USART_SR_TC     (1u << 6)
#define USART_SR_TXE    (1u << 7)
#define USART_CR1_RE     (1u << 2)
#define USART_CR1_TE     (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TXEIE  (1u << 7)
#define USART_CR1_UE     (1u << 13)

/* SPI1 (APB2). */
#define SPI1_BASE       0x40013000u
#define SPI_CR1(base)   REG32((base) + 0x00u)
#define SPI_CR2(base)   REG32((base) + 0x04u)
#define SPI_SR(base)    REG32((base) + 0x08u)
#define SPI_DR(base)    REG32((base) + 0x0Cu)
#define SPI_CR1_MSTR    (1u << 2)
#define SPI_CR1_BR_SHIFT 3u
#define SPI_CR1_SPE     (1u << 6)
#define SPI_CR1_SSI     (1u << 8)
#define SPI_CR1_SSM     (1u << 9)
#define SPI_SR_RXNE     (1u << 0)
#define SPI_SR_TXE      (1u << 1)

/* Independent watchdog (clocked by the ~32 kHz LSI). */
#define IWDG_KR         REG32(0x40003000u)
#define IWDG_PR         REG32(0x40003004u)
#define IWDG_RLR        REG32(0x40003008u)
#define IWDG_SR         REG32(0x4000300Cu)
#define IWDG_KEY_RELOAD 0xAAAAu
#define IWDG_KEY_UNLOCK 0x5555u
#define IWDG_KEY_START  0xCCCCu

/* Cortex-M4 system control space. */
#define SYST_CSR        REG32(0xE000E010u)
#define SYST_RVR        REG32(0xE000E014u)
#define SYST_CVR        REG32(0xE000E018u)
#define SYST_CSR_ENABLE  (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CORECLK (1u << 2)
#define NVIC_ISER(n)    REG32(0xE000E100u + 4u * (uint32_t)(n))
#define NVIC_IPR_BYTE(irq) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (uint32_t)(irq)))
#define SCB_VTOR        REG32(0xE000ED08u)
#define SCB_AIRCR       REG32(0xE000ED0Cu)
#define SCB_AIRCR_RESET (0x05FA0000u | (1u << 2))
#define SCB_CPACR       REG32(0xE000ED88u)
#define DHCSR           REG32(0xE000EDF0u)
#define DHCSR_C_DEBUGEN (1u << 0)

/* Interrupt numbers (RM0090 vector table). */
#define IRQ_USART1 37
#define IRQ_USART2 38
#define IRQ_USART3 39
#define IRQ_UART4  52
#define IRQ_USART6 71
#define IRQ_COUNT  82

#endif
