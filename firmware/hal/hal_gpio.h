/*
 * hal_gpio.h — the reader's discrete pins, by role rather than by port/pin.
 *
 * Outputs: LEDs, buzzer, NFC front-end reset (active low on the PN532 and
 * PN5180: hal_gpio_write(HAL_GPIO_NFC_RESET, false) holds it in reset) and
 * the SPI chip select used by hal_spi.h. Inputs: the front-end's IRQ and the
 * PN5180 BUSY line. hal_system_init() configures every pin; outputs start
 * low except NFC_RESET and SPI_NSS, which start high (released).
 * On QEMU the GPIO block is not emulated: writes vanish, inputs read low.
 * The native board remembers output levels and lets tests read them.
 */
#ifndef HAL_GPIO_H
#define HAL_GPIO_H

#include <stdbool.h>

typedef enum hal_gpio_pin {
    HAL_GPIO_LED_READY = 0, /* green */
    HAL_GPIO_LED_BUSY,      /* amber: card communication in progress */
    HAL_GPIO_LED_ERROR,     /* red */
    HAL_GPIO_BUZZER,
    HAL_GPIO_NFC_RESET,     /* output, active low */
    HAL_GPIO_NFC_IRQ,       /* input, front-end interrupt request */
    HAL_GPIO_NFC_BUSY,      /* input, PN5180 BUSY */
    HAL_GPIO_COUNT
} hal_gpio_pin;

void hal_gpio_write(hal_gpio_pin pin, bool high);

/* Reads an input's level, or an output's last written level. */
bool hal_gpio_read(hal_gpio_pin pin);

#endif
