/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_drivers.c: the payment drivers this module carries, registered by
 * name as httpd providers (ap_register_provider, as mod_authn_dbd
 * registers "dbd"), and the lookup of the configured one.  Adding a
 * provider is a driver file and a line here; the core (pay_core.c,
 * payments.c) calls only the interface in pay.h.
 */
#include <httpd.h>
#include <ap_provider.h>

#include "pay.h"


void clinic_pay_register_drivers(apr_pool_t *p)
{
    static const clinic_pay_driver_ops *const drivers[] = {
        &clinic_pay_myfatoorah, &clinic_pay_tap
    };
    size_t i;

    for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        ap_register_provider(p, CLINIC_PAY_PROVIDER_GROUP, drivers[i]->name,
                             CLINIC_PAY_PROVIDER_VERSION, drivers[i]);
    }
}

const clinic_pay_driver_ops *clinic_pay_ops(const clinic_server_conf *c)
{
    const char *name = clinic_pay_driver_name(c);

    return name ? ap_lookup_provider(CLINIC_PAY_PROVIDER_GROUP, name,
                                     CLINIC_PAY_PROVIDER_VERSION)
                : NULL;
}
