/*
 * SPDX-License-Identifier: Apache-2.0
 * test_whatsapp.c: the WhatsApp Cloud API's shapes (wa_cloud.c): the
 * recipient, the authentication template's body and the answers; the
 * webhook's X-Hub-Signature-256 and statuses (wa_hook.c); and the sealed
 * code a later SMS fallback sends (codebox.c).
 */
#include <string.h>
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "codebox.h"
#include "wa_driver.h"

#include "pool_fixture.h"

TestSuite(whatsapp, .init = setup, .fini = teardown);

Test(whatsapp, recipient_is_the_country_code_and_number_in_digits)
{
    cr_assert_str_eq(clinic_wa_to(pool, "+96551234567"), "96551234567");
    cr_assert_str_eq(clinic_wa_to(pool, "96551234567"), "96551234567");
}

Test(whatsapp, template_language_by_our_language)
{
    apr_table_t *t = apr_table_make(pool, 2);

    cr_assert_str_eq(clinic_wa_lang_code(NULL, "en"), "en_US");
    cr_assert_str_eq(clinic_wa_lang_code(NULL, "ar"), "ar");
    cr_assert_str_eq(clinic_wa_lang_code(NULL, "fr"), "en_US");
    cr_assert_str_eq(clinic_wa_lang_code(NULL, NULL), "en_US");
    apr_table_set(t, "en", "en_GB");
    apr_table_set(t, "ar", "ar_KW");
    cr_assert_str_eq(clinic_wa_lang_code(t, "ar"), "ar_KW");
    cr_assert_str_eq(clinic_wa_lang_code(t, "en"), "en_GB");
    cr_assert_str_eq(clinic_wa_lang_code(t, "fr"), "en_GB",
                     "a language without a template: English's");
    apr_table_unset(t, "ar");
    cr_assert_str_eq(clinic_wa_lang_code(t, "ar"), "ar");
}

Test(whatsapp, body_is_the_authentication_template_with_the_code_twice)
{
    const char *b = clinic_wa_body(pool, "96551234567", "clinic_code",
                                   "ar", "04217");

    cr_assert_str_eq(b,
        "{\"messaging_product\":\"whatsapp\",\"recipient_type\":"
        "\"individual\",\"to\":\"96551234567\",\"type\":\"template\","
        "\"template\":{\"name\":\"clinic_code\",\"language\":{\"code\":"
        "\"ar\"},\"components\":[{\"type\":\"body\",\"parameters\":[{"
        "\"type\":\"text\",\"text\":\"04217\"}]},{\"type\":\"button\","
        "\"sub_type\":\"url\",\"index\":\"0\",\"parameters\":[{\"type\":"
        "\"text\",\"text\":\"04217\"}]}]}}");
}

Test(whatsapp, accepted_answer_gives_the_wamid)
{
    static const char ok[] = "{\"messaging_product\":\"whatsapp\","
        "\"contacts\":[{\"input\":\"+96551234567\",\"wa_id\":\"96551234567\"}],"
        "\"messages\":[{\"id\":\"wamid.HBgLOTY1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA\"}]}";
    clinic_wa_result_t r;

    cr_assert_eq(clinic_wa_answer(pool, 200, ok, strlen(ok), &r),
                 APR_SUCCESS);
    cr_assert_str_eq(r.wamid,
                     "wamid.HBgLOTY1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
    cr_assert_eq(r.error, 0);
    cr_assert_eq(r.http_status, 200);
}

Test(whatsapp, error_answer_gives_metas_error_code)
{
    static const char err[] = "{\"error\":{\"message\":\"(#131030) Recipient "
        "phone number not in allowed list\",\"type\":\"OAuthException\","
        "\"code\":131030,\"error_data\":{\"messaging_product\":\"whatsapp\","
        "\"details\":\"Recipient phone number not in allowed list\"},"
        "\"fbtrace_id\":\"AbCdEf\"}}";
    clinic_wa_result_t r;

    cr_assert_eq(clinic_wa_answer(pool, 400, err, strlen(err), &r),
                 APR_EGENERAL);
    cr_assert_eq(r.error, 131030);
    cr_assert_null(r.wamid);
}

Test(whatsapp, answers_without_a_message_id_are_failures)
{
    static const char none[] = "{\"messaging_product\":\"whatsapp\","
                               "\"messages\":[]}";
    clinic_wa_result_t r;

    cr_assert_eq(clinic_wa_answer(pool, 200, none, strlen(none), &r),
                 APR_EGENERAL);
    cr_assert_eq(clinic_wa_answer(pool, 200, "<html>", 6, &r), APR_EGENERAL);
    cr_assert_eq(clinic_wa_answer(pool, 502, "", 0, &r), APR_EGENERAL);
    cr_assert_eq(r.error, 0);
    cr_assert_eq(clinic_wa_answer(pool, 200, "{\"messages\":[{\"id\":7}]}",
                                  24, &r), APR_EGENERAL);
}

#define SECRET "test-app-secret-0123456789"
#define BODY "{\"object\":\"whatsapp_business_account\",\"entry\":[]}"
/* openssl dgst -sha256 -hmac SECRET of BODY */
#define SIG "d575c15ad5363595dcbce767752cec51e6f84d031a61d9cf7db37b6564129131"

Test(whatsapp, signature_is_hmac_sha256_hex_of_the_raw_body)
{
    clinic_secret_t k = { (unsigned char *)SECRET, strlen(SECRET), NULL };
    char upper[80];
    size_t i;

    cr_assert(clinic_wa_signature_ok(&k, BODY, strlen(BODY),
                                     "sha256=" SIG));
    strcpy(upper, "sha256=" SIG);
    for (i = 7; upper[i]; i++) {
        upper[i] = (char)(upper[i] >= 'a' && upper[i] <= 'f'
                          ? upper[i] - 32 : upper[i]);
    }
    cr_assert(clinic_wa_signature_ok(&k, BODY, strlen(BODY), upper));
}

Test(whatsapp, signature_refuses_everything_else)
{
    clinic_secret_t k = { (unsigned char *)SECRET, strlen(SECRET), NULL };
    clinic_secret_t other = { (unsigned char *)"another-secret-0123456789",
                              25, NULL };

    /* one byte more of the body, another key, no prefix, cut, longer,
     * sha1, missing, no key at all */
    cr_assert_not(clinic_wa_signature_ok(&k, BODY " ", strlen(BODY) + 1,
                                         "sha256=" SIG));
    cr_assert_not(clinic_wa_signature_ok(&other, BODY, strlen(BODY),
                                         "sha256=" SIG));
    cr_assert_not(clinic_wa_signature_ok(&k, BODY, strlen(BODY), SIG));
    cr_assert_not(clinic_wa_signature_ok(&k, BODY, strlen(BODY),
                                         "sha256=d575c15ad536"));
    cr_assert_not(clinic_wa_signature_ok(&k, BODY, strlen(BODY),
                                         "sha256=" SIG "00"));
    cr_assert_not(clinic_wa_signature_ok(&k, BODY, strlen(BODY),
                                         "sha1=" SIG));
    cr_assert_not(clinic_wa_signature_ok(&k, BODY, strlen(BODY), NULL));
    cr_assert_not(clinic_wa_signature_ok(NULL, BODY, strlen(BODY),
                                         "sha256=" SIG));
}

Test(whatsapp, statuses_are_read_from_every_entry_and_change)
{
    cJSON *j = cJSON_Parse(
        "{\"object\":\"whatsapp_business_account\",\"entry\":["
        "{\"id\":\"102290129340398\",\"changes\":[{\"field\":\"messages\","
        "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
        "\"display_phone_number\":\"15550783881\",\"phone_number_id\":"
        "\"106540352242922\"},\"statuses\":[{\"id\":\"wamid.A\","
        "\"status\":\"delivered\",\"timestamp\":\"1750263773\","
        "\"recipient_id\":\"96551234567\"},{\"id\":\"wamid.B\",\"status\":"
        "\"failed\",\"timestamp\":\"1750263774\",\"recipient_id\":"
        "\"96551234568\",\"errors\":[{\"code\":131026,\"title\":\"Message "
        "undeliverable\",\"message\":\"Message undeliverable\","
        "\"error_data\":{\"details\":\"Message Undeliverable.\"}}]},"
        "{\"status\":\"read\"},{\"id\":5,\"status\":\"sent\"}]}}]},"
        "{\"id\":\"2\",\"changes\":[{\"field\":\"messages\",\"value\":{"
        "\"messages\":[{\"from\":\"96551234567\",\"id\":\"wamid.IN\"}],"
        "\"statuses\":[{\"id\":\"wamid.C\",\"status\":\"read\"}]}}]}]}");
    apr_array_header_t *s = clinic_wa_statuses(pool, j, 100);
    clinic_wa_status_t *v = (clinic_wa_status_t *)s->elts;

    cr_assert_eq(s->nelts, 3);
    cr_assert_str_eq(v[0].id, "wamid.A");
    cr_assert_str_eq(v[0].status, "delivered");
    cr_assert_eq(v[0].error, 0);
    cr_assert_str_eq(v[1].id, "wamid.B");
    cr_assert_str_eq(v[1].status, "failed");
    cr_assert_eq(v[1].error, 131026);
    cr_assert_str_eq(v[2].id, "wamid.C");
    cr_assert_eq(clinic_wa_statuses(pool, j, 2)->nelts, 2);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"entry\":{\"changes\":7}}");
    cr_assert_eq(clinic_wa_statuses(pool, j, 100)->nelts, 0);
    cJSON_Delete(j);
}

#define OTP_KEY "0123456789abcdef0123456789abcdef-otp"
#define NEW_KEY "fedcba9876543210fedcba9876543210-new"
#define ID "3f2b9c1e-8a4d-4e6f-9b2a-1c3d5e7f9a0b"

Test(whatsapp, a_sealed_code_opens_only_for_its_row)
{
    clinic_secret_t k = { (unsigned char *)OTP_KEY, strlen(OTP_KEY), NULL };
    const char *box = clinic_codebox_seal(pool, &k, ID, "+96551234567",
                                          "04217");
    const char *again = clinic_codebox_seal(pool, &k, ID, "+96551234567",
                                            "04217");
    char code[CLINIC_OTP_DIGITS + 1];

    cr_assert_not_null(box);
    cr_assert_eq(strlen(box), CLINIC_CODEBOX_LEN);
    cr_assert(!strncmp(box, "b1.", 3));
    cr_assert_null(strstr(box, "04217"));
    cr_assert_str_neq(box, again, "a fresh nonce each time");
    cr_assert(clinic_codebox_open(code, &k, 1, ID, "+96551234567", box));
    cr_assert_str_eq(code, "04217");
    /* another row, another number, a changed byte: opens nowhere */
    cr_assert_not(clinic_codebox_open(code, &k, 1,
                                      "3f2b9c1e-8a4d-4e6f-9b2a-1c3d5e7f9a0c",
                                      "+96551234567", box));
    cr_assert_str_eq(code, "");
    cr_assert_not(clinic_codebox_open(code, &k, 1, ID, "+96551234568", box));
    {
        char *bad = apr_pstrdup(pool, box);
        bad[20] = bad[20] == '0' ? '1' : '0';
        cr_assert_not(clinic_codebox_open(code, &k, 1, ID, "+96551234567",
                                          bad));
    }
    cr_assert_not(clinic_codebox_open(code, &k, 1, ID, "+96551234567",
                                      "04217"));
    cr_assert_not(clinic_codebox_open(code, &k, 1, ID, "+96551234567",
                                      NULL));
}

Test(whatsapp, a_sealed_code_opens_with_any_key_of_the_ring)
{
    clinic_secret_t ring[2] = {
        { (unsigned char *)NEW_KEY, strlen(NEW_KEY), NULL },
        { (unsigned char *)OTP_KEY, strlen(OTP_KEY), NULL },
    };
    const char *box = clinic_codebox_seal(pool, &ring[1], ID,
                                          "+96551234567", "99001");
    char code[CLINIC_OTP_DIGITS + 1];

    cr_assert_not(clinic_codebox_open(code, ring, 1, ID, "+96551234567",
                                      box), "the new key alone");
    cr_assert(clinic_codebox_open(code, ring, 2, ID, "+96551234567", box));
    cr_assert_str_eq(code, "99001");
    cr_assert_null(clinic_codebox_seal(pool, &ring[0], ID, "+96551234567",
                                       "9900"));
    cr_assert_null(clinic_codebox_seal(pool, &ring[0], ID, "+96551234567",
                                       "9900a"));
}
