/*
 * config_int.h - what config.c shares with the other files of the
 * configuration layer (config_check.c): the checks that run on the loaded
 * struct ds_config, before ds_config_load() returns it.
 *
 * Must not: be included outside the configuration layer.
 */
#ifndef DS_CONFIG_INT_H
#define DS_CONFIG_INT_H

#include "dsconfig.h"
#include "diag.h"

/* Checks across sections: bindings bound twice, send-list domains no
 * domain-secure send connector covers, receive lists and connectors that
 * do not meet, receive connectors without TLS. */
void ds_config_check_cross(const struct ds_config *c, struct ds_diag *diag);

/* The files the configuration names that are not certificates:
 * transport.partner_trust_store. */
void ds_config_check_files(const struct ds_config *c, struct ds_diag *diag);

#endif
