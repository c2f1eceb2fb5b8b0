/*
 * SPDX-License-Identifier: Apache-2.0
 * test_mac.c: HMAC-SHA256 gives RFC 4231's answers with and without the
 * kept contexts, the same answer on every reuse, the right one when more
 * keys are used than a thread keeps, the right ones from many threads at
 * once, and init/fini cycles (a module reloaded) leave nothing behind.
 */
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mac.h"

static void hex(char out[2 * CLINIC_MAC_LEN + 1], const unsigned char *mac)
{
    int i;

    for (i = 0; i < CLINIC_MAC_LEN; i++) {
        sprintf(out + 2 * i, "%02x", mac[i]);
    }
}

static void expect(const void *key, size_t klen, const void *msg, size_t len,
                   const char *want)
{
    unsigned char mac[CLINIC_MAC_LEN];
    char got[2 * CLINIC_MAC_LEN + 1];

    cr_assert(clinic_hmac_sha256(mac, key, klen, msg, len));
    hex(got, mac);
    cr_assert_str_eq(got, want);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block) */
static void rfc4231(void)
{
    unsigned char k1[20], k6[131];
    const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    int round;

    memset(k1, 0x0b, sizeof(k1));
    memset(k6, 0xaa, sizeof(k6));
    for (round = 0; round < 3; round++) {
        expect(k1, sizeof(k1), "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        expect("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        expect(k6, sizeof(k6), d6, strlen(d6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
}

Test(mac, rfc4231_vectors_with_one_shot_hmac)
{
    rfc4231();
}

Test(mac, rfc4231_vectors_with_kept_contexts_on_every_reuse)
{
    cr_assert(clinic_mac_init(), "the self-test of kept contexts failed");
    rfc4231();
    clinic_mac_fini();
}

/* against OpenSSL's one-shot HMAC(): more keys than a thread keeps, in an
 * order that makes every slot change hands, empty key and empty message */
Test(mac, many_keys_in_turn_match_the_one_shot_hmac)
{
    unsigned char key[40], mac[CLINIC_MAC_LEN], ref[CLINIC_MAC_LEN];
    unsigned int n;
    char msg[64];
    int i;

    cr_assert(clinic_mac_init());
    for (i = 0; i < 200; i++) {
        size_t klen = (size_t)(i % 11) * 4;     /* 0, 4, ..., 40 bytes */
        memset(key, 'a' + i % 7, sizeof(key));
        snprintf(msg, sizeof(msg), "message %d", i);
        cr_assert(clinic_hmac_sha256(mac, klen ? key : NULL, klen, msg,
                                     (size_t)(i % 5 ? strlen(msg) : 0)));
        cr_assert(HMAC(EVP_sha256(), klen ? key : (unsigned char *)"", (int)klen,
                       (unsigned char *)msg, (size_t)(i % 5 ? strlen(msg) : 0),
                       ref, &n));
        cr_assert_eq(memcmp(mac, ref, CLINIC_MAC_LEN), 0, "key %d", i);
    }
    clinic_mac_fini();
}

Test(mac, null_key_or_data_with_a_length_is_refused)
{
    unsigned char mac[CLINIC_MAC_LEN];

    cr_assert_not(clinic_hmac_sha256(mac, NULL, 3, "x", 1));
    cr_assert_not(clinic_hmac_sha256(mac, "k", 1, NULL, 1));
    cr_assert(clinic_hmac_sha256(mac, "k", 1, NULL, 0));
}

/* a module loaded again and again (httpd's restarts): glibc has 1,024
 * thread keys, so a key left behind per cycle would fail here */
Test(mac, two_thousand_init_fini_cycles_keep_working)
{
    int i;

    for (i = 0; i < 2000; i++) {
        cr_assert(clinic_mac_init(), "cycle %d", i);
        expect("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        clinic_mac_fini();
    }
}

static void *worker(void *arg)
{
    long id = (long)arg;
    unsigned char mac[CLINIC_MAC_LEN], ref[CLINIC_MAC_LEN];
    unsigned int n;
    char key[16], msg[32];
    long bad = 0;
    int i;

    for (i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "key-%ld", (id + i) % 6);
        snprintf(msg, sizeof(msg), "%ld/%d", id, i);
        if (!clinic_hmac_sha256(mac, key, strlen(key), msg, strlen(msg))
            || !HMAC(EVP_sha256(), key, (int)strlen(key),
                     (unsigned char *)msg, strlen(msg), ref, &n)
            || memcmp(mac, ref, CLINIC_MAC_LEN) != 0) {
            bad++;
        }
    }
    return (void *)bad;
}

Test(mac, threads_with_their_own_contexts_agree_with_the_one_shot_hmac)
{
    pthread_t t[8];
    void *bad;
    long i;

    cr_assert(clinic_mac_init());
    for (i = 0; i < 8; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(t[i], &bad);
        cr_expect_eq((long)bad, 0, "thread %ld: %ld wrong", i, (long)bad);
    }
    clinic_mac_fini();
}

/* ---- constant-time compare ---- */

Test(mac, ct_streq)
{
    cr_assert_eq(clinic_ct_streq("abc", "abc"), 1);
    cr_assert_eq(clinic_ct_streq("", ""), 1);
    cr_assert_eq(clinic_ct_streq("abc", "abd"), 0);
    cr_assert_eq(clinic_ct_streq("abc", "xbc"), 0);
    cr_assert_eq(clinic_ct_streq("abc", "ab"), 0);
    cr_assert_eq(clinic_ct_streq("ab", "abc"), 0);
    cr_assert_eq(clinic_ct_streq("", "a"), 0);
    cr_assert_eq(clinic_ct_streq("a", ""), 0);
    cr_assert_eq(clinic_ct_streq(NULL, "a"), 0);
    cr_assert_eq(clinic_ct_streq("a", NULL), 0);
    cr_assert_eq(clinic_ct_streq(NULL, NULL), 0);
}
