// SPDX-License-Identifier: Apache-2.0
// Browser proof of the CORS configuration: a page on an allowed origin logs
// in through the API like the frontend (send-otp, verify-otp, profile with
// Authorization); the same page on another origin is blocked by the browser.
//
// Environment (set by tests/run-integration.sh): CLINIC_CORS (API base),
// CLINIC_PAGE (allowed origin), CLINIC_EVIL (other origin), CLINIC_SMS.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const api = process.env.CLINIC_CORS;
const page_origin = process.env.CLINIC_PAGE;
const evil_origin = process.env.CLINIC_EVIL;
const sms = process.env.CLINIC_SMS;
for (const [k, v] of Object.entries({ api, page_origin, evil_origin, sms })) {
  if (!v) { console.error(`browser test: ${k} is not set`); process.exit(2); }
}

let passed = 0, failed = 0;
function check(name, cond, detail) {
  if (cond) { passed++; console.log(`  ok    ${name}`); }
  else { failed++; console.log(`  FAIL  ${name}: ${JSON.stringify(detail)}`); }
}

async function smsCode(phone) {
  for (let i = 0; i < 30; i++) {
    const r = await fetch(`${sms}/messages?to=${encodeURIComponent(phone)}`);
    const list = await r.json();
    if (list.length) {
      const m = JSON.stringify(list[list.length - 1].fields).match(/\b(\d{5})\b/);
      if (m) return m[1];
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no SMS for ${phone}`);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'clinic-chromium-'));
// a fresh profile each run (playwright passes it as --user-data-dir)
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--disable-quic'],
});
const timer = setTimeout(() => { console.error('browser test: timed out'); process.exit(1); }, 60000);

try {
  const page = await context.newPage();
  // preflights never reach page events: httpd's access log shows them
  const preflights = () => readFileSync(`${process.env.CLINIC_RUN_DIR}/access.log`, 'utf8')
    .split('\n').filter((l) => l.includes('"OPTIONS /api/') && l.includes('host=cors.test')
                             && / 204 /.test(l)).length;
  const before = preflights();

  await page.goto(`${page_origin}/index.html`);
  check('page loaded', (await page.textContent('#state')) === 'ready');

  const phone = '+9655' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
  const call = (method, path, body, token, extra) =>
    page.evaluate(([a, m, p, b, t, x]) => window.clinic.call(a, m, p, b, t, x),
                  [api, method, path, body, token, extra]);

  const sent = await call('POST', '/api/auth/send-otp', { phone_number: phone });
  check('send-otp from the allowed origin', sent.ok && sent.status === 200, sent);

  const code = await smsCode(phone);
  const login = await call('POST', '/api/auth/verify-otp', { phone_number: phone, code });
  check('verify-otp from the allowed origin', login.ok && login.status === 200, login);
  const token = login.json && login.json.data && login.json.data.token;

  const profile = await call('GET', '/api/user/profile', undefined, token);
  check('profile with Authorization (preflighted)',
        profile.ok && profile.status === 200 && profile.json.data.user.phoneNumber === phone, profile);
  check('exposed headers readable', profile.ok && !!profile.requestId && profile.remaining !== null, profile);
  check('the browser sent preflights, answered 204 by Apache', preflights() - before >= 2,
        preflights() - before);

  // API.md's Idempotency-Key on a purchase: a header the preflight must allow
  const bought = await call('POST', '/api/packages/purchase',
                            { package_id: '5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10',
                              user_info: { name: 'Browser Patient', national_id: '290010112345' } },
                            token, { 'Idempotency-Key': `browser-${phone}` });
  check('a purchase with Idempotency-Key from the allowed origin',
        bought.ok && bought.status === 201, bought);

  const denied = await call('GET', '/api/user/profile', undefined, 'not-a-token');
  check('an error answer is readable too (401 with CORS headers)',
        denied.ok && denied.status === 401 && denied.json.error.code === 'INVALID_TOKEN', denied);

  // an Arabic frontend (issue 22): Accept-Language set by the page, as a
  // frontend does with the language the patient picked
  const ar = { 'Accept-Language': 'ar' };
  const arPhone = '+9655' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
  const before_ar = preflights();
  const health = await call('GET', '/api/health', undefined, undefined, ar);
  check('a simple GET with Accept-Language needs no preflight (a safelisted header)',
        health.ok && health.status === 200 && preflights() === before_ar,
        { health, preflights: preflights() - before_ar });
  check('Content-Language is readable without Access-Control-Expose-Headers',
        health.ok && health.language === 'ar' && health.vary === null, health);
  const arSent = await call('POST', '/api/auth/send-otp',
                            { phone_number: arPhone, language: 'ar' }, undefined, ar);
  check('send-otp in Arabic: an Arabic message, the same data',
        arSent.ok && arSent.status === 200 && arSent.language === 'ar'
        && arSent.json.message === 'تم إرسال رمز التحقق في رسالة نصية.'
        && arSent.json.data.phoneNumber === arPhone && arSent.json.data.purpose === 'login',
        arSent);
  check('no bidi control characters in the Arabic',
        arSent.ok && !/[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/.test(arSent.json.message),
        arSent.ok && arSent.json.message);
  const arCode = await smsCode(arPhone);
  const arSms = await (await fetch(`${sms}/messages?to=${encodeURIComponent(arPhone)}`)).json();
  check('the SMS went in Arabic',
        arSms.length > 0 && arSms[arSms.length - 1].fields.message === `رمز التحقق الخاص بك هو ${arCode}`,
        arSms);
  const arBad = await call('POST', '/api/auth/send-otp', { phone_number: '123' }, undefined, ar);
  check('an error in Arabic keeps its code and details',
        arBad.ok && arBad.status === 400 && arBad.language === 'ar'
        && arBad.json.error.code === 'VALIDATION_ERROR'
        && Object.keys(arBad.json.error.details).join() === 'phone_number'
        && arBad.json.error.message === 'يحتوي الطلب على حقول غير صالحة.', arBad);
  const arLogin = await call('POST', '/api/auth/verify-otp', { phone_number: arPhone, code: arCode },
                             undefined, ar);
  check('verify-otp in Arabic',
        arLogin.ok && arLogin.status === 200 && arLogin.json.message === 'تم تسجيل دخولك.'
        && !!arLogin.json.data.token, arLogin);
  const enAgain = await call('GET', '/api/health');
  check('without the header, English as before',
        enAgain.ok && enAgain.language === 'en' && enAgain.json.message === 'The service is healthy.',
        enAgain);

  // the same page from an origin that is not on the list
  const evil = await context.newPage();
  await evil.goto(`${evil_origin}/index.html`);
  const blocked = await evil.evaluate(([a]) =>
    window.clinic.call(a, 'POST', '/api/auth/send-otp', { phone_number: '+96551234567' }), [api]);
  check('another origin is blocked by the browser', blocked.ok === false, blocked);
  const blockedGet = await evil.evaluate(([a]) =>
    window.clinic.call(a, 'GET', '/api/version'), [api]);
  check('another origin cannot read even a simple GET', blockedGet.ok === false, blockedGet);
} catch (e) {
  failed++;
  console.log(`  FAIL  ${e.stack || e}`);
} finally {
  clearTimeout(timer);
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
