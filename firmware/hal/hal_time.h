/*
 * hal_time.h — a free-running millisecond tick.
 *
 * hal_time_ms() wraps after ~49.7 days; compare times only through
 * hal_time_elapsed()/unsigned subtraction, never with < on raw values.
 * On the MCU the tick is SysTick at 1 kHz; on the native board it is
 * CLOCK_MONOTONIC. hal_time_delay_ms() busy-waits (MCU, sleeping in WFI)
 * or sleeps (native); it is for short hardware settling times only.
 */
#ifndef HAL_TIME_H
#define HAL_TIME_H

#include <stdbool.h>
#include <stdint.h>

uint32_t hal_time_ms(void);

void hal_time_delay_ms(uint32_t ms);

/* True when at least ms milliseconds have passed since the tick value since. */
static inline bool hal_time_elapsed(uint32_t since, uint32_t ms)
{
    return (uint32_t)(hal_time_ms() - since) >= ms;
}

#endif
