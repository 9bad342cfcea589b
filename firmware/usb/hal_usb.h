/*
 * hal_usb.h — the thin port a USB device controller offers the device layer
 * (usb_dev.h), in the manner of TinyUSB's DCD: the port moves packets, the
 * device layer decides what they mean.
 *
 * Calls into the port (struct usb_port_ops):
 * - ep_open: enable an endpoint (address with bit 7 = IN, type USB_EP_*,
 *   max packet size) after SET_CONFIGURATION; (re)opening an endpoint drops
 *   whatever was in flight on it. EP0 is always open.
 * - ep_xfer: IN endpoint: send buf[0..len) as ONE packet (len <= max packet
 *   size; len 0 = a zero-length packet); completion comes back as
 *   usb_dev_in_done(). OUT endpoint: arm it to accept ONE packet of up to
 *   len bytes (buf is NULL; the port hands the bytes over in usb_dev_out());
 *   an OUT endpoint that is not armed NAKs, which is how the device layer
 *   holds the host back while it answers. The port may copy buf; the device
 *   layer keeps it unchanged until the packet's in_done anyway.
 * - ep_stall: set (on) or clear (off) STALL; clearing also resets the data
 *   toggle. For EP0 the stall ends with the next SETUP.
 * - set_address: the address from SET_ADDRESS. It is called before the
 *   status stage is queued; a controller that latches the address at once
 *   (STM32 OTG_FS: DCFG.DAD, whose core still answers the status stage at
 *   address 0) needs nothing more, others apply it after that IN completes.
 *
 * Events into the device layer (usb_dev.h): usb_dev_reset (bus reset),
 * usb_dev_setup (8-byte SETUP on EP0), usb_dev_out (one OUT packet),
 * usb_dev_in_done (an IN packet went out). Ports deliver them from the main
 * loop, never from an interrupt: the OTG ISR only latches what happened.
 *
 * How the STM32F405 plugs in (not written yet; QEMU does not emulate OTG):
 * boards/stm32f405/usb.c would hold a struct usb_port whose ops program the
 * OTG_FS core — ep_open: DIEPCTLx/DOEPCTLx (EPTYP, MPSIZ, USBAEP, TXFNUM)
 * and the TX FIFO sizes; ep_xfer IN: DIEPTSIZx (PKTCNT 1, XFRSIZ len), EPENA
 * then the words into the FIFO; ep_xfer OUT: DOEPTSIZx (PKTCNT 1), CNAK|EPENA;
 * ep_stall: STALL bits; set_address: DCFG.DAD. Its OTG_FS_IRQHandler latches
 * USBRST / RXFLVL (popping OUT data and SETUPs into small buffers) / IEPINT
 * XFRC flags, and a board poll function turns them into the events above.
 * The OTG_FS core has EP0 plus three IN and three OUT endpoints; the
 * composite device of usb_desc.h uses four non-control IN endpoints, so on
 * this MCU it needs the OTG_HS core with its embedded full-speed PHY (PB14/
 * PB15, five IN endpoints besides EP0) — or dropping the CDC notification
 * endpoint, which Linux's cdc_acm refuses.
 */
#ifndef FW_HAL_USB_H
#define FW_HAL_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define USB_EP_CONTROL 0u
#define USB_EP_BULK 2u
#define USB_EP_INTERRUPT 3u
#define USB_EP_IN 0x80u

typedef struct usb_port usb_port;

struct usb_port_ops {
    ks_status (*ep_open)(usb_port *p, uint8_t ep, uint8_t type, uint16_t max_packet);
    ks_status (*ep_xfer)(usb_port *p, uint8_t ep, const uint8_t *buf, size_t len);
    void (*ep_stall)(usb_port *p, uint8_t ep, bool on);
    void (*set_address)(usb_port *p, uint8_t address);
};

/* Implementations embed struct usb_port as their first member. */
struct usb_port {
    const struct usb_port_ops *ops;
};

#endif
