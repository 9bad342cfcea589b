/*
 * gpio.c — the reader's discrete pins (port C: LEDs and buzzer; port B: the
 * NFC front-end's reset, IRQ and BUSY lines; port A: SPI chip select).
 * Output levels are remembered in software too, because QEMU has no GPIO
 * block and hal_gpio_read() on an output must still answer sensibly.
 */
#include "board.h"
#include "hal_gpio.h"
#include "regs.h"

typedef struct pin_def {
    uint8_t port;
    uint8_t pin;
    bool output;
    bool initial_high;
} pin_def;

static const pin_def pins[HAL_GPIO_COUNT] = {
    [HAL_GPIO_LED_READY] = {GPIO_PORT_C, 0, true, false},
    [HAL_GPIO_LED_BUSY] = {GPIO_PORT_C, 1, true, false},
    [HAL_GPIO_LED_ERROR] = {GPIO_PORT_C, 2, true, false},
    [HAL_GPIO_BUZZER] = {GPIO_PORT_C, 3, true, false},
    [HAL_GPIO_NFC_RESET] = {GPIO_PORT_B, 0, true, true},
    [HAL_GPIO_NFC_IRQ] = {GPIO_PORT_B, 1, false, false},
    [HAL_GPIO_NFC_BUSY] = {GPIO_PORT_B, 2, false, false},
};

static bool output_level[HAL_GPIO_COUNT];

void board_gpio_init(void)
{
    RCC_AHB1ENR |= (1u << GPIO_PORT_A) | (1u << GPIO_PORT_B) | (1u << GPIO_PORT_C);
    for (unsigned i = 0; i < HAL_GPIO_COUNT; i++) {
        const pin_def *p = &pins[i];
        uint32_t shift = 2u * p->pin;
        if (p->output)
            hal_gpio_write((hal_gpio_pin)i, p->initial_high);
        uint32_t mode = p->output ? GPIO_MODE_OUTPUT : GPIO_MODE_INPUT;
        GPIO_MODER(p->port) = (GPIO_MODER(p->port) & ~(3u << shift)) | (mode << shift);
    }
}

void hal_gpio_write(hal_gpio_pin pin, bool high)
{
    if ((unsigned)pin >= HAL_GPIO_COUNT || !pins[pin].output)
        return;
    const pin_def *p = &pins[pin];
    /* BSRR: low half sets, high half resets, atomically. */
    GPIO_BSRR(p->port) = high ? (1u << p->pin) : (1u << (p->pin + 16u));
    output_level[pin] = high;
}

bool hal_gpio_read(hal_gpio_pin pin)
{
    if ((unsigned)pin >= HAL_GPIO_COUNT)
        return false;
    if (pins[pin].output)
        return output_level[pin];
    return (GPIO_IDR(pins[pin].port) & (1u << pins[pin].pin)) != 0u;
}
