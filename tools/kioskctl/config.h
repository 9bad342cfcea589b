/*
 * config.h — kioskctl's configuration file. Every setting is also an
 * environment variable (KIOSK_*); the file fills in those the environment
 * does not set, so a test or an operator can override one value at a time.
 * The file is $KIOSK_CONFIG, else /etc/kiosk/kiosk.conf when it exists
 * (format in common/kvconf.h, keys in docs/configuration.md).
 */
#ifndef KIOSKCTL_CONFIG_H
#define KIOSKCTL_CONFIG_H

/* 0 when there is no file or it loaded; otherwise one line on stderr and 2. */
int config_load(void);

#endif
