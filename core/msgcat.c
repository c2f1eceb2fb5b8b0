/*
 * SPDX-License-Identifier: Apache-2.0
 * msgcat.c: the catalogue of the API's messages in Arabic (msgcat.h).
 *
 * Modern Standard Arabic as a clinic in Kuwait writes to its patients:
 * polite ("يرجى"), short, the national ID as Kuwait names it (الرقم
 * المدني).  Protocol words (header names, media types, JSON, UTF-8) stay
 * as the client sends them.  Plain UTF-8, no bidirectional controls: the
 * reader's display orders the text.
 */
#include <string.h>
#include <apr_strings.h>

#include "json.h"
#include "msgcat.h"

typedef struct {
    const char *en, *ar;
} msg_t;

static const msg_t catalogue[] = {
    /* request.c: the envelope's own answers and the body's errors */
    { "The request has invalid fields.",
      "يحتوي الطلب على حقول غير صالحة." },
    { "Too many requests. Please try again later.",
      "عدد الطلبات كبير جدًا. يرجى المحاولة لاحقًا." },
    { "The service is temporarily unavailable. Please try again shortly.",
      "الخدمة غير متاحة مؤقتًا. يرجى المحاولة بعد قليل." },
    { "Something went wrong. Reference: %s.",
      "حدث خطأ ما. الرقم المرجعي: %s." },
    { "The body is larger than %s bytes.",
      "حجم محتوى الطلب أكبر من %s بايت." },
    { "Send the body as application/json.",
      "يرجى إرسال محتوى الطلب بصيغة application/json." },
    { "The Content-Length is invalid.",
      "قيمة Content-Length غير صالحة." },
    { "The body could not be read.",
      "تعذرت قراءة محتوى الطلب." },
    { "The body is not valid UTF-8.",
      "محتوى الطلب ليس نصًا صالحًا بترميز UTF-8." },
    { "The body may not contain NUL characters.",
      "لا يجوز أن يحتوي محتوى الطلب على محارف NUL." },
    { "The body must be a JSON object.",
      "يجب أن يكون محتوى الطلب كائن JSON." },
    { "The body names a field twice.",
      "يتكرر أحد الحقول في محتوى الطلب." },
    { "The body is not valid JSON.",
      "محتوى الطلب ليس JSON صالحًا." },
    /* request.c: errors httpd raises, made JSON by the error filter */
    { "The request is malformed.", "صيغة الطلب غير صحيحة." },
    { "Authentication is required.", "يلزم تسجيل الدخول." },
    { "Access is forbidden.", "الوصول غير مسموح به." },
    { "No such API route.", "هذا المسار غير موجود في الواجهة البرمجية." },
    { "This method is not allowed here.",
      "هذه الطريقة غير مسموح بها هنا." },
    { "The request took too long.", "استغرق الطلب وقتًا أطول من المسموح." },
    { "A Content-Length is required.", "يلزم إرسال Content-Length." },
    { "The request is too large.", "حجم الطلب كبير جدًا." },
    { "The address is too long.", "العنوان طويل جدًا." },
    { "The request headers are too large.",
      "ترويسات الطلب كبيرة جدًا." },
    { "This method is not supported.", "هذه الطريقة غير مدعومة." },
    { "The service is temporarily unavailable.",
      "الخدمة غير متاحة مؤقتًا." },
    { "The request uses a transfer coding the server does not support.",
      "يستخدم الطلب ترميز نقل لا يدعمه الخادم." },
    { "Something went wrong.", "حدث خطأ ما." },
    { "The request could not be handled.", "تعذرت معالجة الطلب." },
    /* mod_clinic.c: routes */
    { "Use %s for this route.", "استخدم %s لهذا المسار." },
    { "The service is not configured.", "الخدمة غير مهيأة بعد." },
    /* system.c */
    { "The service is healthy.", "الخدمة تعمل بشكل سليم." },
    { "mod_clinic %s", "mod_clinic، الإصدار %s" },
    /* auth.c: tokens */
    { "Log in first: send Authorization: Bearer <token>.",
      "يرجى تسجيل الدخول أولًا: أرسل Authorization: Bearer <token>." },
    { "The session has expired. Please log in again.",
      "انتهت صلاحية الجلسة. يرجى تسجيل الدخول مرة أخرى." },
    { "The token is invalid.", "رمز الدخول غير صالح." },
    { "This account is disabled.", "تم إيقاف هذا الحساب." },
    /* auth.c: codes */
    { "This code is no longer valid. Request a new one.",
      "لم يعد هذا الرمز صالحًا. يرجى طلب رمز جديد." },
    { "The code has expired. Request a new one.",
      "انتهت صلاحية الرمز. يرجى طلب رمز جديد." },
    { "Too many wrong codes. Request a new one.",
      "أُدخلت رموز خاطئة مرات كثيرة. يرجى طلب رمز جديد." },
    { "The code is not correct.", "الرمز غير صحيح." },
    { "No code is pending for this number. Request a new one.",
      "لا يوجد رمز بانتظار التحقق لهذا الرقم. يرجى طلب رمز جديد." },
    { "This code was replaced by a newer one. Use the code of the latest "
      "SMS.",
      "استُبدل هذا الرمز برمز أحدث. يرجى استخدام الرمز الوارد في آخر "
      "رسالة نصية." },
    { "You are logged in.", "تم تسجيل دخولك." },
    /* otp_send.c, budget.c */
    { "The SMS could not be sent. Please try again.",
      "تعذر إرسال الرسالة النصية. يرجى المحاولة مرة أخرى." },
    { "This phone number belongs to another account.",
      "رقم الهاتف هذا مسجل في حساب آخر." },
    { "A verification code was sent by SMS.",
      "تم إرسال رمز التحقق في رسالة نصية." },
    { "A verification code was sent by WhatsApp.",
      "تم إرسال رمز التحقق عبر واتساب." },
    { "The WhatsApp message could not be sent. Please try again.",
      "تعذر إرسال رسالة واتساب. يرجى المحاولة مرة أخرى." },
    /* wa_webhook.c */
    { "WhatsApp is not used here.", "لا يُستخدم واتساب هنا." },
    { "The verify token does not match.", "رمز التحقق من الاشتراك غير مطابق." },
    { "No more codes can be sent today. Please try again tomorrow.",
      "لا يمكن إرسال مزيد من الرموز اليوم. يرجى المحاولة غدًا." },
    /* user.c */
    { "Your profile.", "ملفك الشخصي." },
    { "Nothing to update.", "لا توجد بيانات لتحديثها." },
    { "Your profile was updated.", "تم تحديث ملفك الشخصي." },
    { "Your phone number was changed.", "تم تغيير رقم هاتفك." },
    /* packages.c, pay_core.c */
    { "No package is on sale right now.",
      "لا توجد باقات متاحة للشراء حاليًا." },
    { "Packages on sale.", "الباقات المتاحة للشراء." },
    { "This Idempotency-Key was used for another package.",
      "سبق استخدام مفتاح Idempotency-Key هذا لباقة أخرى." },
    { "There is no such package.", "هذه الباقة غير موجودة." },
    { "This package is no longer on sale.",
      "هذه الباقة لم تعد متاحة للشراء." },
    { "Add your name and national ID first.",
      "يرجى إضافة اسمك ورقمك المدني أولًا." },
    { "You already have an active package.", "لديك باقة سارية بالفعل." },
    { "Your packages, newest first.", "باقاتك، الأحدث أولًا." },
    { "There is no such subscription.", "هذا الاشتراك غير موجود." },
    { "Your subscription.", "اشتراكك." },
    { "Your package is active.", "باقتك مفعلة." },
    { "Pay on the payment page to activate your package.",
      "يرجى إتمام الدفع في صفحة الدفع لتفعيل باقتك." },
    { "The payment provider could not be reached; please try again.",
      "تعذر الاتصال بمزود خدمة الدفع؛ يرجى المحاولة مرة أخرى." },
    /* payments.c */
    { "Payments are not taken online here.",
      "لا يُقبل الدفع الإلكتروني هنا." },
    { "There is no such payment.", "عملية الدفع هذه غير موجودة." },
    { "Back to the clinic's site.", "العودة إلى موقع العيادة." },
    { "The notification's signature is not valid.",
      "توقيع الإشعار غير صالح." },
    { "Nothing to do for this event.", "لا يلزم أي إجراء لهذا الحدث." },
    { "Notification received.", "تم استلام الإشعار." },
};

#define N_MSGS (sizeof(catalogue) / sizeof(catalogue[0]))

apr_size_t clinic_msg_count(void)
{
    return N_MSGS;
}

const char *clinic_msg_english(apr_size_t i)
{
    return i < N_MSGS ? catalogue[i].en : NULL;
}

const char *clinic_msg_arabic(apr_size_t i)
{
    return i < N_MSGS ? catalogue[i].ar : NULL;
}

/* en against an entry with one "%s": its Arabic with what stood there,
 * or NULL */
static const char *msg_fill(apr_pool_t *p, const msg_t *m, const char *en,
                            apr_size_t len)
{
    const char *hole = strstr(m->en, "%s"), *at;
    apr_size_t pre, post;

    pre = (apr_size_t)(hole - m->en);
    post = strlen(hole + 2);
    if (len < pre + post || strncmp(en, m->en, pre)
        || strcmp(en + len - post, hole + 2)) {
        return NULL;
    }
    at = strstr(m->ar, "%s");
    return apr_pstrcat(p, apr_pstrndup(p, m->ar, (apr_size_t)(at - m->ar)),
                       apr_pstrndup(p, en + pre, len - pre - post), at + 2,
                       NULL);
}

const char *clinic_msg_in(apr_pool_t *p, const char *en, clinic_lang_t lang)
{
    const char *ar;
    apr_size_t i, len;

    if (!en || lang != CLINIC_LANG_AR) {
        return en;
    }
    for (i = 0; i < N_MSGS; i++) {
        if (!strcmp(en, catalogue[i].en)) {
            return catalogue[i].ar;
        }
    }
    len = strlen(en);
    for (i = 0; i < N_MSGS; i++) {
        if (strstr(catalogue[i].en, "%s")
            && (ar = msg_fill(p, &catalogue[i], en, len))) {
            return ar;
        }
    }
    return NULL;
}

const char *clinic_msg_envelope(apr_pool_t *p, const char *text,
                                clinic_lang_t lang, int *translated)
{
    static const char key[] = ",\"message\":\"";
    const char *at = NULL, *s, *msg, *ar;
    apr_size_t len = strlen(text), mlen;

    *translated = 0;
    if (lang != CLINIC_LANG_AR) {
        return text;
    }
    for (s = text; (s = strstr(s, key)); s++) {
        at = s;                                  /* the last one */
    }
    if (!at || len < 2 || strcmp(text + len - 2, "\"}")) {
        return text;
    }
    msg = at + sizeof(key) - 1;
    mlen = (apr_size_t)(text + len - 2 - msg);
    if (memchr(msg, '"', mlen) || memchr(msg, '\\', mlen)
        || !(ar = clinic_msg_in(p, apr_pstrndup(p, msg, mlen), lang))) {
        return text;                    /* not a plain message: as it is */
    }
    *translated = 1;
    return apr_pstrcat(p, apr_pstrndup(p, text, (apr_size_t)(msg - text)),
                       clinic_json_escape(p, ar), "\"}", NULL);
}
