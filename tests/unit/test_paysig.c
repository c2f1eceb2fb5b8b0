/*
 * SPDX-License-Identifier: Apache-2.0
 * test_paysig.c: the providers' webhook signatures (amounts and
 * currencies: test_money.c).  The MyFatoorah V1 vectors are the ones its own PHP
 * library tests with; the string layouts are the providers' documented
 * ones.
 */
#include <string.h>
#include <criterion/criterion.h>

#include "paysig.h"

#include "pool_fixture.h"

TestSuite(paysig, .init = setup, .fini = teardown);

#define MF_SECRET_1 "kOYhtuna3DmVilmtlTFI6wNAUX2dH+LSHdMLrmSAjamZKC4B7uSVJmB0+nch4ITGt95ZxoUfQ6Mhbzte7UG7Mw=="

/* MyFatoorah V1: every Data field, sorted by name ignoring case */
static const char mf_v1[] =
    "{\"EventType\":1,\"Event\":\"TransactionsStatusChanged\","
    "\"DateTime\":\"13092021114010\",\"CountryIsoCode\":\"KWT\",\"Data\":{"
    "\"InvoiceId\":994285,\"InvoiceReference\":\"2021001240\","
    "\"CreatedDate\":\"13092021114006\",\"CustomerReference\":\"139\","
    "\"CustomerName\":\"\xd8\xb1\xd8\xb4\xd8\xa7 \xd8\xb3\xd8\xb9\xd9\x8a\xd8\xaf\","
    "\"CustomerMobile\":\"123456789\",\"CustomerEmail\":\"rsaeed@myfatoorah.com\","
    "\"TransactionStatus\":\"FAILED\",\"PaymentMethod\":\"KNET\","
    "\"UserDefinedField\":\"139\",\"ReferenceId\":\"060699428581329564\","
    "\"TrackId\":\"13-09-2021_813295\",\"PaymentId\":\"100202125611400734\","
    "\"AuthorizationId\":\"060699428581329564\","
    "\"InvoiceValueInBaseCurrency\":\"10.942\",\"BaseCurrency\":\"KWD\","
    "\"InvoiceValueInDisplayCurreny\":\"36\",\"DisplayCurrency\":\"USD\","
    "\"InvoiceValueInPayCurrency\":\"10.95\",\"PayCurrency\":\"KWD\"}}";

Test(paysig, myfatoorah_v1_matches_its_library_vector)
{
    cJSON *body = cJSON_Parse(mf_v1);
    const char *s = clinic_mf_v1_string(pool, cJSON_GetObjectItem(body, "Data"), 1);

    cr_assert(!strncmp(s, "AuthorizationId=060699428581329564,BaseCurrency=KWD,"
                          "CreatedDate=13092021114006,CustomerEmail=", 80), "%s", s);
    cr_assert(strstr(s, ",InvoiceId=994285,"), "%s", s);
    cr_assert_str_eq(clinic_hmac_b64(pool, MF_SECRET_1, strlen(MF_SECRET_1), s),
                     "XdNvAIV8ZN6CmB2zzapnSemO6lDUpwKk2g/a11GxI8U=");
    cr_assert(clinic_mf_signature_ok(pool, body, MF_SECRET_1, strlen(MF_SECRET_1),
                                     "XdNvAIV8ZN6CmB2zzapnSemO6lDUpwKk2g/a11GxI8U="));
    cr_assert_not(clinic_mf_signature_ok(pool, body, MF_SECRET_1, strlen(MF_SECRET_1),
                                         "XdNvAIV8ZN6CmB2zzapnSemO6lDUpwKk2g/a11GxI8V="));
    cr_assert_not(clinic_mf_signature_ok(pool, body, "other-secret-123", 16,
                                         "XdNvAIV8ZN6CmB2zzapnSemO6lDUpwKk2g/a11GxI8U="));
    cr_assert_not(clinic_mf_signature_ok(pool, body, MF_SECRET_1, strlen(MF_SECRET_1),
                                         NULL));
    /* one changed value breaks it */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(body, "Data"), "TransactionStatus",
                              cJSON_CreateString("SUCCESS"));
    cr_assert_not(clinic_mf_signature_ok(pool, body, MF_SECRET_1, strlen(MF_SECRET_1),
                                         "XdNvAIV8ZN6CmB2zzapnSemO6lDUpwKk2g/a11GxI8U="));
    cJSON_Delete(body);
}

Test(paysig, myfatoorah_v1_null_is_empty)
{
    const char *secret = "7wNeL4LfSs/EHVOf0Xzeq1ja+HbPr//2XC2fZO24wA6479AT8o84BmELU2FiRwIpd+rM9W5/egjFuihNSXsHKw==";
    cJSON *data = cJSON_Parse("{\"SupplierCode\":null,\"DepositReference\":\"2021000008\","
                              "\"NumberOfTransactions\":47,\"DepositedAmount\":\"1520.664\","
                              "\"DepositFor\":\"VENDOR\"}");
    const char *s = clinic_mf_v1_string(pool, data, 3);

    cr_assert_str_eq(s, "DepositedAmount=1520.664,DepositFor=VENDOR,DepositReference="
                        "2021000008,NumberOfTransactions=47,SupplierCode=");
    cr_assert_str_eq(clinic_hmac_b64(pool, secret, strlen(secret), s),
                     "uRBOogk9ek7Hgsxs/Rt7Nvbu7Vxf+4eI5gwvbtg0NCw=");
    cJSON_Delete(data);
}

Test(paysig, myfatoorah_v2_fixed_fields)
{
    cJSON *body = cJSON_Parse(
        "{\"Event\":{\"Code\":1,\"Name\":\"PAYMENT_STATUS_CHANGED\"},\"Data\":{"
        "\"Invoice\":{\"Id\":\"6409988\",\"Status\":\"PAID\",\"Reference\":\"2026000073\","
        "\"ExternalIdentifier\":\"asdqwd-f13sdf-fasjkz\"},"
        "\"Transaction\":{\"Status\":\"SUCCESS\",\"PaymentId\":\"07076409988323998875\"},"
        "\"Customer\":{\"Reference\":\"cust-1\"}}}");
    cJSON *data = cJSON_GetObjectItem(body, "Data");
    const char *s = clinic_mf_v2_string(pool, data, 1, 0), *sig;

    cr_assert_str_eq(s, "Invoice.Id=6409988,Invoice.Status=PAID,Transaction.Status=SUCCESS,"
                        "Transaction.PaymentId=07076409988323998875,"
                        "Invoice.ExternalIdentifier=asdqwd-f13sdf-fasjkz");
    cr_assert_str_eq(clinic_mf_v2_string(pool, data, 1, 1),
                     "Invoice.Id=6409988,Invoice.Status=PAID,Transaction.Status=SUCCESS,"
                     "Transaction.PaymentId=07076409988323998875,Customer.Reference=cust-1");
    sig = clinic_hmac_b64(pool, "test-secret", 11, s);
    cr_assert_str_eq(sig, "fAHcCPgqkudaxnH5BCT2OQbPzEeHNl8HxD78Gn1rT0A=");
    cr_assert(clinic_mf_signature_ok(pool, body, "test-secret", 11, sig));
    cr_assert_not(clinic_mf_signature_ok(pool, body, "test-secret", 11,
                                         clinic_hmac_b64(pool, "test-secret", 11,
                                                         "Invoice.Id=6409988")));
    cJSON_Delete(body);
}

/* V1 refund (EventType 2), the documented sample: GatewayReference is not
 * signed, whether it is an object or null */
Test(paysig, myfatoorah_v1_refund_leaves_the_gateway_reference_out)
{
    const char *want = "iqQ0qLeP+7grAN7PToNu1kB1O0/CNOvK8BRPtC2AkxM=";
    cJSON *body = cJSON_Parse(
        "{\"EventType\":2,\"Event\":\"RefundStatusChanged\",\"DateTime\":\"04032021211057\","
        "\"CountryIsoCode\":\"KWT\",\"Data\":{\"RefundId\":2840,\"RefundReference\":\"2021000019\","
        "\"CreatedDate\":\"04032021210447\",\"RefundStatus\":\"REFUNDED\",\"Amount\":\"40\","
        "\"Comments\":\"Test Webhook\",\"InvoiceId\":\"585757\",\"GatewayReference\":{"
        "\"AuthorizationId\":\"B64769\",\"PaymentId\":\"100202109798688317\"}}}");
    cJSON *data = cJSON_GetObjectItem(body, "Data");

    cr_assert_str_eq(clinic_mf_v1_string(pool, data, 2),
                     "Amount=40,Comments=Test Webhook,CreatedDate=04032021210447,"
                     "InvoiceId=585757,RefundId=2840,RefundReference=2021000019,"
                     "RefundStatus=REFUNDED");
    cr_assert(clinic_mf_signature_ok(pool, body, "test-secret", 11, want));
    cJSON_ReplaceItemInObject(data, "GatewayReference", cJSON_CreateNull());
    cr_assert(clinic_mf_signature_ok(pool, body, "test-secret", 11, want));
    /* a payment event (EventType 1) signs a null field as "" */
    cJSON_ReplaceItemInObject(body, "EventType", cJSON_CreateNumber(1));
    cr_assert_not(clinic_mf_signature_ok(pool, body, "test-secret", 11, want));
    cJSON_Delete(body);
}

/* V2 refund (Code 2) and balance transferred (Code 3): their own fields */
Test(paysig, myfatoorah_v2_refund_and_deposit)
{
    cJSON *refund = cJSON_Parse(
        "{\"Event\":{\"Code\":2,\"Name\":\"REFUND_STATUS_CHANGED\"},\"Data\":{"
        "\"Refund\":{\"Id\":2840,\"Reference\":\"2021000019\",\"Status\":\"REFUNDED\"},"
        "\"Amount\":{\"BaseCurrency\":\"KWD\",\"ValueInBaseCurrency\":\"40.5\"},"
        "\"ReferencedInvoice\":{\"Id\":\"585757\",\"Reference\":\"2021000031\"}}}");
    cJSON *deposit = cJSON_Parse(
        "{\"Event\":{\"Code\":3,\"Name\":\"BALANCE_TRANSFERRED\"},\"Data\":{"
        "\"Deposit\":{\"Reference\":\"2021000002\",\"BaseCurrency\":\"KWD\","
        "\"ValueInBaseCurrency\":\"6917.282\",\"NumberOfTransactions\":\"24\"},"
        "\"Supplier\":null,\"Bank\":{\"Name\":\"NBK\"}}}");
    const char *r = "lDjcXvZStG0uYnaq5FLFibC+i6T4bTPsrNFOV8kztlA=";
    const char *d = "Rn2pP0RjGDGae2kaU7bzXGk1nntGGbmS11xrACA3FeA=";

    cr_assert_str_eq(clinic_mf_v2_string(pool, cJSON_GetObjectItem(refund, "Data"), 2, 0),
                     "Refund.Id=2840,Refund.Status=REFUNDED,"
                     "Amount.ValueInBaseCurrency=40.5,ReferencedInvoice.Id=585757");
    cr_assert(clinic_mf_signature_ok(pool, refund, "test-secret", 11, r));
    cr_assert(clinic_mf_signature_ok(pool, deposit, "test-secret", 11, d));
    cr_assert_not(clinic_mf_signature_ok(pool, deposit, "test-secret", 11, r));
    /* the code picks the fields: a refund's body called a deposit fails */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(refund, "Event"), "Code",
                              cJSON_CreateNumber(3));
    cr_assert_not(clinic_mf_signature_ok(pool, refund, "test-secret", 11, r));
    cr_assert_null(clinic_mf_v2_string(pool, cJSON_GetObjectItem(refund, "Data"), 9, 0));
    cJSON_Delete(refund);
    cJSON_Delete(deposit);
}

Test(paysig, return_signature)
{
    const char *key = "0123456789abcdef0123456789abcdef";
    const char *id = "4f7d2a8e-0b1c-4c3e-9d5a-6e7f8a9b0c1d";

    cr_assert_str_eq(clinic_pay_return_sig(pool, key, 32, id),
                     "x_JkNdcFcLTraiCsBLIjUg9aUBCIXntbk50FinMIiVo");
    cr_assert_str_neq(clinic_pay_return_sig(pool, key, 32,
                                            "4f7d2a8e-0b1c-4c3e-9d5a-6e7f8a9b0c1e"),
                      "x_JkNdcFcLTraiCsBLIjUg9aUBCIXntbk50FinMIiVo");
    cr_assert_null(clinic_pay_return_sig(pool, key, 32, ""));
    cr_assert_null(clinic_pay_return_sig(pool, key, 0, id));
}

#define TAP_KEY "sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"

Test(paysig, tap_hashstring)
{
    cJSON *ch = cJSON_Parse(
        "{\"id\":\"chg_TS05A4120230736x9K22710693\",\"amount\":1.0,\"currency\":\"SAR\","
        "\"status\":\"CAPTURED\",\"reference\":{\"gateway\":"
        "\"mada_pg70983e7a-a686-40ba-83e2-c5e9f4074fe5\",\"payment\":\"4327230736106619650\"},"
        "\"transaction\":{\"created\":\"1698392202943\"}}");
    const char *want = "a5335ad4bf54b5304821eba79c74943daba772b7cae882d743257868698639f5";

    cr_assert_str_eq(clinic_tap_string(pool, ch, 2),
                     "x_idchg_TS05A4120230736x9K22710693x_amount1.00x_currencySAR"
                     "x_gateway_referencemada_pg70983e7a-a686-40ba-83e2-c5e9f4074fe5"
                     "x_payment_reference4327230736106619650x_statusCAPTURED"
                     "x_created1698392202943");
    cr_assert(clinic_tap_signature_ok(pool, ch, TAP_KEY, strlen(TAP_KEY), want));
    cr_assert(clinic_tap_signature_ok(pool, ch, TAP_KEY, strlen(TAP_KEY),
                                      "A5335AD4BF54B5304821EBA79C74943DABA772B7CAE882D743257868698639F5"));
    cr_assert_not(clinic_tap_signature_ok(pool, ch, "sk_test_other_key_0000", 22, want));
    /* a status changed after signing */
    cJSON_ReplaceItemInObject(ch, "status", cJSON_CreateString("DECLINED"));
    cr_assert_not(clinic_tap_signature_ok(pool, ch, TAP_KEY, strlen(TAP_KEY), want));
    cJSON_Delete(ch);
}

Test(paysig, tap_kwd_uses_three_decimals)
{
    cJSON *ch = cJSON_Parse(
        "{\"id\":\"chg_1\",\"amount\":25.5,\"currency\":\"KWD\",\"status\":\"CAPTURED\","
        "\"reference\":{\"gateway\":\"g\",\"payment\":\"p\"},"
        "\"transaction\":{\"created\":\"1\"}}");

    cr_assert(strstr(clinic_tap_string(pool, ch, 3), "x_amount25.500x_currencyKWD"));
    cr_assert(clinic_tap_signature_ok(pool, ch, TAP_KEY, strlen(TAP_KEY),
                                      clinic_hmac_hex(pool, TAP_KEY, strlen(TAP_KEY),
                                                      clinic_tap_string(pool, ch, 3))));
    cJSON_Delete(ch);
}
