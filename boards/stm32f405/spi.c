/*
 * spi.c — SPI1 master, mode 0, 8-bit, MSB first, software chip select on
 * PA4; SCK/MISO/MOSI on PA5/PA6/PA7 (AF5). Every wait is bounded by the
 * caller's timeout so a missing device gives KS_ERR_TIMEOUT, never a hang.
 */
#include "board.h"
#include "hal_spi.h"
#include "hal_time.h"
#include "regs.h"

#define SPI1_APB2_BIT 12u
#define NSS_PIN 4u

static bool spi_ready;

ks_status hal_spi_open(uint32_t max_hz)
{
    if (max_hz == 0u)
        return KS_ERR_ARG;
    RCC_AHB1ENR |= 1u << GPIO_PORT_A;
    RCC_APB2ENR |= 1u << SPI1_APB2_BIT;
    hal_spi_select(false);
    uint32_t moder = GPIO_MODER(GPIO_PORT_A);
    moder &= ~((3u << (2u * NSS_PIN)) | (0x3Fu << 10));
    moder |= (GPIO_MODE_OUTPUT << (2u * NSS_PIN)) | (GPIO_MODE_AF << 10) |
             (GPIO_MODE_AF << 12) | (GPIO_MODE_AF << 14);
    GPIO_MODER(GPIO_PORT_A) = moder;
    GPIO_AFR(GPIO_PORT_A, 0) = (GPIO_AFR(GPIO_PORT_A, 0) & ~0xFFF00000u) | 0x55500000u;

    /* Baud divider 2^(br+1): pick the smallest that stays under max_hz. */
    uint32_t br = 0u;
    while (br < 7u && (board_apb2_hz >> (br + 1u)) > max_hz)
        br++;
    SPI_CR1(SPI1_BASE) = 0u;
    SPI_CR1(SPI1_BASE) = SPI_CR1_MSTR | SPI_CR1_SSM | SPI_CR1_SSI | (br << SPI_CR1_BR_SHIFT) | SPI_CR1_SPE;
    spi_ready = true;
    return KS_OK;
}

void hal_spi_select(bool selected)
{
    GPIO_BSRR(GPIO_PORT_A) = selected ? (1u << (NSS_PIN + 16u)) : (1u << NSS_PIN);
}

static bool wait_flag(uint32_t flag, uint32_t start, uint32_t timeout_ms)
{
    while (!(SPI_SR(SPI1_BASE) & flag)) {
        if (hal_time_elapsed(start, timeout_ms))
            return false;
    }
    return true;
}

ks_status hal_spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len, uint32_t timeout_ms)
{
    if (!spi_ready)
        return KS_ERR_ARG;
    uint32_t start = hal_time_ms();
    for (size_t i = 0; i < len; i++) {
        if (!wait_flag(SPI_SR_TXE, start, timeout_ms))
            return KS_ERR_TIMEOUT;
        SPI_DR(SPI1_BASE) = tx != NULL ? tx[i] : 0xFFu;
        if (!wait_flag(SPI_SR_RXNE, start, timeout_ms))
            return KS_ERR_TIMEOUT;
        uint8_t in = (uint8_t)SPI_DR(SPI1_BASE);
        if (rx != NULL)
            rx[i] = in;
    }
    return KS_OK;
}
