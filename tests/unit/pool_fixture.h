/*
 * SPDX-License-Identifier: Apache-2.0
 * pool_fixture.h: the APR pool every unit test allocates from, fresh for
 * each test.  Include once per test file and name it in TestSuite:
 *     TestSuite(phone, .init = setup, .fini = teardown);
 */
#ifndef CLINIC_POOL_FIXTURE_H
#define CLINIC_POOL_FIXTURE_H

#include <apr_general.h>
#include <apr_pools.h>
#include <criterion/criterion.h>

static apr_pool_t *pool;

static void setup(void)
{
    cr_assert_eq(apr_initialize(), APR_SUCCESS);
    cr_assert_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

#endif
