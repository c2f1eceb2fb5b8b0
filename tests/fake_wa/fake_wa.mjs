// SPDX-License-Identifier: Apache-2.0
// fake_wa: a loopback-only fake of Meta's WhatsApp Cloud API for the
// integration tests.  It takes the documented request of an
// authentication template message and answers Meta's documented shapes,
// and it sends status notifications to a webhook as Meta does: the
// documented payload, signed with X-Hub-Signature-256 (hex HMAC-SHA256 of
// the raw body with the app secret).
//
//   POST /{version}/{phone-number-id}/messages
//     Authorization: Bearer <token>        else 401, OAuthException 190
//     {"messaging_product": "whatsapp", "recipient_type": "individual",
//      "to": "965...", "type": "template", "template": {"name", "language":
//      {"code"}, "components": [body with one text parameter, button
//      sub_type url index "0" with one text parameter, the same text]}}
//                                          else 400, error 100 or 132000
//     -> 200 {"messaging_product": "whatsapp",
//             "contacts": [{"input": to, "wa_id": digits}],
//             "messages": [{"id": "wamid..."}]}
//
// What each recipient meets (POST /_control, JSON):
//   {"action":"mode","to":"965...","mode":M,"webhook":URL,"error":N,
//    "delay_ms":N}
//      deliver     (the default) accepted; with a webhook, `sent` then
//                  `delivered` are notified
//      refuse      400 with Meta's error object (code `error`, default
//                  131030)
//      hang        no answer (the connection held 30 s, then closed)
//      fail_later  accepted, then after delay_ms (default 300) a `failed`
//                  status with error 131026 is notified
//   {"action":"messages","to":"965..."}  -> the messages asked for it,
//      oldest first, refused and hanging ones too: {seq, to,
//      phoneNumberId, template, language, code, button, wamid (null when
//      not accepted), mode, accepted}
//   {"action":"status","wamid":W,"status":S,"webhook":URL,"error":N,
//    "signature":"good"|"bad"|"none"}  -> notifies now; {"status": the
//      webhook's HTTP status, "body": its answer}
//   {"action":"notified","to":"965..."} -> the notifications sent on
//      their own (deliver, fail_later) and what the webhook answered
//   {"action":"count"}                  -> {"count": messages asked for}
//
//   node fake_wa.mjs --port-file F --token F --app-secret F
//
// Bodies are capped at 64 KiB, hanging answers released after 30 s.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
    (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const readKey = (f) => fs.readFileSync(f, 'utf8').replace(/\s+$/, '');
const TOKEN = readKey(args.token);
const APP_SECRET = readKey(args['app-secret']);
const WABA_ID = '102290129340398';

const modes = new Map();        // digits -> {mode, webhook, error, delay}
const messages = new Map();     // digits -> [record]
const byWamid = new Map();      // wamid -> record
const notified = new Map();     // digits -> [{status, answer}]
let seq = 0;

const fbtrace = () => crypto.randomBytes(9).toString('base64url');
const digitsOf = (to) => String(to).replace(/\D/g, '');

function send(res, status, obj) {
    const text = JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8',
                            'Content-Length': Buffer.byteLength(text) });
    res.end(text);
}

function metaError(res, status, code, message, details, type = 'OAuthException') {
    const error = { message, type, code, fbtrace_id: fbtrace() };
    if (details) error.error_data = { messaging_product: 'whatsapp', details };
    send(res, status, { error });
}

// the text parameters of a component: one {"type":"text","text":...}
function oneText(c) {
    const p = c?.parameters;
    return Array.isArray(p) && p.length === 1 && p[0]?.type === 'text'
        && typeof p[0].text === 'string' ? p[0].text : null;
}

// What is wrong with an authentication template message, or null
function badMessage(b) {
    if (b.messaging_product !== 'whatsapp') return [100, 'The parameter messaging_product is required.'];
    if (b.recipient_type !== undefined && b.recipient_type !== 'individual') return [100, 'Invalid parameter: recipient_type'];
    if (typeof b.to !== 'string' || !/^\+?\d{8,15}$/.test(b.to)) return [100, 'Invalid parameter: to'];
    if (b.type !== 'template') return [100, 'Invalid parameter: type'];
    const t = b.template;
    if (typeof t?.name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(t.name)) return [132001, 'Template name does not exist in the translation'];
    if (typeof t.language?.code !== 'string' || !t.language.code) return [100, 'Invalid parameter: template.language.code'];
    const comps = t.components;
    const body = Array.isArray(comps) && comps.find((c) => c?.type === 'body');
    const button = Array.isArray(comps) && comps.find((c) => c?.type === 'button');
    if (!body || !button || comps.length !== 2) return [132000, 'Number of parameters does not match the expected number of params'];
    if (button.sub_type !== 'url' || String(button.index) !== '0') return [132018, 'There was an issue with the parameters in your template.'];
    const code = oneText(body), again = oneText(button);
    if (code === null || again === null || code !== again || code.length > 15) return [132000, 'Number of parameters does not match the expected number of params'];
    return null;
}

function statusPayload(rec, status, error) {
    const now = String(Math.floor(Date.now() / 1000));
    const s = { id: rec.wamid, status, timestamp: now, recipient_id: rec.digits };
    if (status === 'failed') {
        s.errors = [{ code: error, title: 'Message undeliverable', message: 'Message undeliverable',
                      error_data: { details: 'Message Undeliverable.' },
                      href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }];
    } else {
        s.conversation = { id: crypto.randomBytes(16).toString('hex'), origin: { type: 'authentication' } };
        if (status === 'sent') s.conversation.expiration_timestamp = String(Number(now) + 86400);
        s.pricing = { billable: true, pricing_model: 'PMP', category: 'authentication', type: 'regular' };
    }
    return { object: 'whatsapp_business_account',
             entry: [{ id: WABA_ID, changes: [{ value: {
                 messaging_product: 'whatsapp',
                 metadata: { display_phone_number: '96522000000', phone_number_id: rec.phoneNumberId },
                 statuses: [s] }, field: 'messages' }] }] };
}

// POST a status of rec to url; resolves {status, body}
function notify(url, rec, status, error = 131026, signature = 'good') {
    const text = JSON.stringify(statusPayload(rec, status, error));
    const headers = { 'Content-Type': 'application/json', 'User-Agent': 'facebookexternalua',
                      'Content-Length': Buffer.byteLength(text) };
    if (signature === 'good') headers['X-Hub-Signature-256'] = 'sha256=' + crypto.createHmac('sha256', APP_SECRET).update(text).digest('hex');
    if (signature === 'bad') headers['X-Hub-Signature-256'] = 'sha256=' + crypto.createHmac('sha256', 'not-the-app-secret').update(text).digest('hex');
    return new Promise((resolve) => {
        const req = http.request(url, { method: 'POST', headers, timeout: 30000 }, (res) => {
            const chunks = [];
            res.on('data', (d) => chunks.push(d));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', (e) => resolve({ status: 0, body: String(e.message) }));
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end(text);
    });
}

function later(rec, m, status, delay, error) {
    setTimeout(async () => {
        const answer = await notify(m.webhook, rec, status, error);
        const list = notified.get(rec.digits) || [];
        list.push({ wamid: rec.wamid, status, answer });
        notified.set(rec.digits, list);
    }, delay).unref();
}

function sendMessage(req, res, body, phoneNumberId) {
    if ((req.headers.authorization || '') !== `Bearer ${TOKEN}`) {
        return metaError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    }
    const bad = badMessage(body);
    if (bad) return metaError(res, 400, bad[0], `(#${bad[0]}) ${bad[1]}`, bad[1]);
    const digits = digitsOf(body.to);
    const m = modes.get(digits) || { mode: 'deliver' };
    const c = body.template.components;
    const accepted = m.mode === 'deliver' || m.mode === 'fail_later';
    const wamid = accepted ? 'wamid.' + Buffer.from(`HBgL${digits}FQIAERgS${crypto.randomBytes(9).toString('hex').toUpperCase()}`).toString('base64') : null;
    const rec = { seq: ++seq, to: body.to, digits, phoneNumberId, template: body.template.name,
                  language: body.template.language.code, code: oneText(c.find((x) => x.type === 'body')),
                  button: oneText(c.find((x) => x.type === 'button')), wamid, mode: m.mode, accepted };
    messages.set(digits, (messages.get(digits) || []).concat([rec]));
    if (m.mode === 'hang') {
        setTimeout(() => res.destroy(), 30000).unref();
        return;
    }
    if (m.mode === 'refuse') {
        const code = Number(m.error || 131030);
        return metaError(res, 400, code, `(#${code}) Recipient phone number not in allowed list`,
                         'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.');
    }
    byWamid.set(wamid, rec);
    send(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: digits }],
                     messages: [{ id: wamid }] });
    if (m.webhook && m.mode === 'fail_later') later(rec, m, 'failed', Number(m.delay_ms ?? 300), 131026);
    if (m.webhook && m.mode === 'deliver') {
        later(rec, m, 'sent', 50);
        later(rec, m, 'delivered', 150);
    }
}

async function control(res, c) {
    if (c.action === 'mode') {
        modes.set(digitsOf(c.to), { mode: c.mode, webhook: c.webhook, error: c.error, delay_ms: c.delay_ms });
        return send(res, 200, { ok: true });
    }
    if (c.action === 'messages') return send(res, 200, messages.get(digitsOf(c.to)) || []);
    if (c.action === 'notified') return send(res, 200, notified.get(digitsOf(c.to)) || []);
    if (c.action === 'count') return send(res, 200, { count: seq });
    if (c.action === 'status') {
        const rec = byWamid.get(c.wamid) || { wamid: c.wamid, digits: '96550000000', phoneNumberId: '0' };
        return send(res, 200, await notify(c.webhook, rec, c.status, Number(c.error || 131026), c.signature || 'good'));
    }
    return send(res, 400, { error: 'unknown action' });
}

const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (d) => { size += d.length; if (size <= 65536) chunks.push(d); });
    req.on('end', () => {
        serve(req, res, chunks, size).catch((e) => {
            console.error(e);
            if (!res.headersSent) send(res, 500, { error: `fake_wa failed: ${e.message}` });
        });
    });
});

async function serve(req, res, chunks, size) {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    let body = {};
    if (size > 65536) return send(res, 413, { error: 'too large' });
    if (chunks.length) {
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); }
        catch { return metaError(res, 400, 100, '(#100) The request body is not valid JSON', null); }
    }
    if (path === '/_control' && req.method === 'POST') return control(res, body);
    const m = path.match(/^\/v\d+\.\d+\/(\d+)\/messages$/);
    if (m && req.method === 'POST') return sendMessage(req, res, body, m[1]);
    return metaError(res, 400, 100, 'Unsupported post request.', null, 'GraphMethodException');
}
server.keepAliveTimeout = 5000;
server.listen(Number(args.port || 0), '127.0.0.1', () => {
    fs.writeFileSync(args['port-file'] + '.tmp', String(server.address().port));
    fs.renameSync(args['port-file'] + '.tmp', args['port-file']);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
