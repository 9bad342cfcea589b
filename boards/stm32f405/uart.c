/*
 * uart.c — interrupt-driven USARTs with static rings.
 *
 * Receive: the RXNE interrupt moves each byte into the port's ring; the
 * reader (main loop) only advances the tail, the ISR only the head, so the
 * single-producer/single-consumer ring needs no lock — just volatile
 * indices and a barrier before publishing.
 * Transmit: hal_uart_write() fills the ring and then feeds the data
 * register itself while TXE is set (on QEMU, TXE is always set, so the
 * write completes synchronously); whatever remains is drained by the TXE
 * interrupt on silicon. TX ring updates from the main loop mask the port's
 * interrupt briefly, because both sides advance the TX tail.
 */
#include <string.h>

#include "board.h"
#include "hal_link.h"
#include "hal_time.h"
#include "hal_uart.h"
#include "regs.h"

#define RING_MASK (HAL_UART_RING_SIZE - 1u)
_Static_assert((HAL_UART_RING_SIZE & RING_MASK) == 0, "ring size must be a power of two");

typedef struct ring {
    volatile uint32_t head; /* next write position */
    volatile uint32_t tail; /* next read position */
    uint8_t buf[HAL_UART_RING_SIZE];
} ring;

typedef struct uart_hw {
    uint32_t base;
    uint8_t irq;
    uint8_t apb; /* 1 or 2 */
    uint8_t gpio_port;
    uint8_t tx_pin;
    uint8_t rx_pin;
    uint8_t af;
    uint8_t apb_enable_bit;
} uart_hw;

/* Pins are the board's wiring on hardware (no effect under QEMU). */
static const uart_hw uart_table[HAL_UART_COUNT] = {
    [HAL_UART_HOST] = {0x40011000u, IRQ_USART1, 2, GPIO_PORT_A, 9, 10, 7, 4},
    [HAL_UART_NFC] = {0x40004400u, IRQ_USART2, 1, GPIO_PORT_A, 2, 3, 7, 17},
    [HAL_UART_QR] = {0x40004800u, IRQ_USART3, 1, GPIO_PORT_B, 10, 11, 7, 18},
    [HAL_UART_DEBUG] = {0x40004C00u, IRQ_UART4, 1, GPIO_PORT_C, 10, 11, 8, 19},
    [HAL_UART_VENDOR] = {0x40011400u, IRQ_USART6, 2, GPIO_PORT_C, 6, 7, 8, 5},
};

static ring rx_rings[HAL_UART_COUNT];
static ring tx_rings[HAL_UART_COUNT];
static volatile uint32_t rx_dropped[HAL_UART_COUNT];
static bool opened[HAL_UART_COUNT];

static uint32_t ring_used(const ring *r)
{
    return (uint32_t)(r->head - r->tail);
}

static void irq_enable(uint8_t irq, bool on)
{
    volatile uint32_t *reg = on ? &NVIC_ISER(irq / 32u) : &REG32(0xE000E180u + 4u * (irq / 32u));
    *reg = 1u << (irq % 32u);
    __asm volatile("dsb\n isb" ::: "memory");
}

static void pin_af(uint8_t port, uint8_t pin, uint8_t af)
{
    uint32_t shift2 = 2u * pin;
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << shift2)) | (GPIO_MODE_AF << shift2);
    uint32_t shift4 = 4u * (pin % 8u);
    GPIO_AFR(port, pin / 8u) = (GPIO_AFR(port, pin / 8u) & ~(0xFu << shift4)) | ((uint32_t)af << shift4);
}

ks_status hal_uart_open(hal_uart_port port, uint32_t baud)
{
    if ((unsigned)port >= HAL_UART_COUNT || baud == 0u)
        return KS_ERR_ARG;
    const uart_hw *hw = &uart_table[port];
    irq_enable(hw->irq, false);

    RCC_AHB1ENR |= 1u << hw->gpio_port;
    if (hw->apb == 1)
        RCC_APB1ENR |= 1u << hw->apb_enable_bit;
    else
        RCC_APB2ENR |= 1u << hw->apb_enable_bit;
    pin_af(hw->gpio_port, hw->tx_pin, hw->af);
    pin_af(hw->gpio_port, hw->rx_pin, hw->af);

    uint32_t clk = hw->apb == 1 ? board_apb1_hz : board_apb2_hz;
    USART_CR1(hw->base) = 0u;
    USART_BRR(hw->base) = (clk + baud / 2u) / baud; /* 16x oversampling */
    USART_CR2(hw->base) = 0u;
    USART_CR3(hw->base) = 0u;
    memset(&rx_rings[port], 0, sizeof rx_rings[port]);
    memset(&tx_rings[port], 0, sizeof tx_rings[port]);
    rx_dropped[port] = 0u;
    USART_CR1(hw->base) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    opened[port] = true;
    irq_enable(hw->irq, true);
    return KS_OK;
}

/* Moves bytes from the TX ring to the data register while it has room.
 * Called with the port's interrupt masked or from the ISR itself. */
static void tx_feed(hal_uart_port port)
{
    const uart_hw *hw = &uart_table[port];
    ring *r = &tx_rings[port];
    while (ring_used(r) > 0u && (USART_SR(hw->base) & USART_SR_TXE)) {
        USART_DR(hw->base) = r->buf[r->tail & RING_MASK];
        r->tail++;
    }
    if (ring_used(r) > 0u)
        USART_CR1(hw->base) |= USART_CR1_TXEIE;
    else
        USART_CR1(hw->base) &= ~USART_CR1_TXEIE;
}

static void uart_isr(hal_uart_port port)
{
    const uart_hw *hw = &uart_table[port];
    uint32_t sr = USART_SR(hw->base);
    if (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        /* Reading DR clears RXNE and, after the SR read, ORE. */
        uint8_t byte = (uint8_t)USART_DR(hw->base);
        if (sr & USART_SR_ORE)
            rx_dropped[port]++;
        ring *r = &rx_rings[port];
        if (ring_used(r) < HAL_UART_RING_SIZE) {
            r->buf[r->head & RING_MASK] = byte;
            __asm volatile("dmb" ::: "memory");
            r->head++;
        } else {
            rx_dropped[port]++;
        }
    }
    if (USART_CR1(hw->base) & USART_CR1_TXEIE)
        tx_feed(port);
}

void USART1_IRQHandler(void);
void USART2_IRQHandler(void);
void USART3_IRQHandler(void);
void UART4_IRQHandler(void);
void USART6_IRQHandler(void);
void USART1_IRQHandler(void) { uart_isr(HAL_UART_HOST); }
void USART2_IRQHandler(void) { uart_isr(HAL_UART_NFC); }
void USART3_IRQHandler(void) { uart_isr(HAL_UART_QR); }
void UART4_IRQHandler(void) { uart_isr(HAL_UART_DEBUG); }
void USART6_IRQHandler(void) { uart_isr(HAL_UART_VENDOR); }

size_t hal_uart_write(hal_uart_port port, const uint8_t *data, size_t len)
{
    if ((unsigned)port >= HAL_UART_COUNT || !opened[port] || (data == NULL && len > 0u))
        return 0u;
    const uart_hw *hw = &uart_table[port];
    ring *r = &tx_rings[port];
    irq_enable(hw->irq, false);
    size_t room = HAL_UART_RING_SIZE - ring_used(r);
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++) {
        r->buf[r->head & RING_MASK] = data[i];
        r->head++;
    }
    tx_feed(port);
    irq_enable(hw->irq, true);
    return n;
}

ks_status hal_uart_write_all(hal_uart_port port, const uint8_t *data, size_t len,
                             uint32_t timeout_ms)
{
    if ((unsigned)port >= HAL_UART_COUNT || !opened[port] || (data == NULL && len > 0u))
        return KS_ERR_ARG;
    uint32_t start = hal_time_ms();
    size_t done = 0u;
    while (done < len) {
        done += hal_uart_write(port, data + done, len - done);
        if (done < len && hal_time_elapsed(start, timeout_ms))
            return KS_ERR_TIMEOUT;
    }
    return KS_OK;
}

ks_status hal_uart_read(hal_uart_port port, uint8_t *buf, size_t cap, size_t *got,
                        uint32_t timeout_ms)
{
    if (got != NULL)
        *got = 0u;
    if ((unsigned)port >= HAL_UART_COUNT || !opened[port] || buf == NULL || got == NULL || cap == 0u)
        return KS_ERR_ARG;
    ring *r = &rx_rings[port];
    uint32_t start = hal_time_ms();
    while (ring_used(r) == 0u) {
        if (hal_time_elapsed(start, timeout_ms))
            return KS_ERR_TIMEOUT;
        __asm volatile("wfi"); /* the RX interrupt or the next tick wakes us */
    }
    size_t n = 0u;
    while (n < cap && ring_used(r) > 0u) {
        buf[n++] = r->buf[r->tail & RING_MASK];
        __asm volatile("dmb" ::: "memory");
        r->tail++;
    }
    *got = n;
    return KS_OK;
}

size_t hal_uart_rx_available(hal_uart_port port)
{
    if ((unsigned)port >= HAL_UART_COUNT)
        return 0u;
    return ring_used(&rx_rings[port]);
}

void hal_uart_rx_flush(hal_uart_port port)
{
    if ((unsigned)port >= HAL_UART_COUNT)
        return;
    rx_rings[port].tail = rx_rings[port].head;
}

bool hal_uart_tx_idle(hal_uart_port port)
{
    if ((unsigned)port >= HAL_UART_COUNT)
        return true;
    return ring_used(&tx_rings[port]) == 0u;
}

ks_status hal_uart_tx_drain(hal_uart_port port, uint32_t timeout_ms)
{
    uint32_t start = hal_time_ms();
    while (!hal_uart_tx_idle(port)) {
        if (hal_time_elapsed(start, timeout_ms))
            return KS_ERR_TIMEOUT;
        __asm volatile("wfi");
    }
    return KS_OK;
}

uint32_t hal_uart_rx_dropped(hal_uart_port port)
{
    if ((unsigned)port >= HAL_UART_COUNT)
        return 0u;
    return rx_dropped[port];
}
