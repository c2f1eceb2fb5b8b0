// SPDX-License-Identifier: Apache-2.0
// pairs.mjs API GATEWAY COUNT FIRST: sends a code to COUNT numbers from
// +9655FIRST on, 32 at a time (each from its own address), then reads the
// codes the fake gateway received and prints "phone code" lines for the
// verify-otp benchmark.  The gateway keeps its last 10,000 messages:
// COUNT stays under that.
import http from 'node:http';

const [api, gateway, countText, firstText] = process.argv.slice(2);
const count = Number(countText), first = Number(firstText);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function call(base, method, path, body, headers = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request(base + path, { method, agent, headers: {
            'Content-Type': 'application/json', ...headers } }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end(body);
    });
}

const phone = (i) => `+9655${String(first + i).padStart(7, '0')}`;
let next = 0, failed = 0;
async function worker() {
    while (next < count) {
        const i = next++;
        const n = first + i;      // one address per number: no limit meets twice
        const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
        const r = await call(api, 'POST', '/api/auth/send-otp',
                             JSON.stringify({ phone_number: phone(i), purpose: 'login' }),
                             { 'X-Forwarded-For': ip });
        if (r.status !== 200) failed++;
    }
}
await Promise.all(Array.from({ length: 32 }, worker));
const all = JSON.parse((await call(gateway, 'GET', '/messages', undefined)).body);
const codes = new Map();
for (const m of all.messages || all) {
    const to = m.fields?.to ?? m.to;
    const text = m.fields?.message ?? m.message ?? '';
    const code = /\b(\d{5})\b/.exec(text);
    if (to && code) codes.set(to, code[1]);
}
const out = [];
for (let i = 0; i < count; i++) if (codes.has(phone(i))) out.push(`${phone(i)} ${codes.get(phone(i))}`);
process.stdout.write(out.join('\n') + '\n');
if (failed) process.stderr.write(`pairs: ${failed} of ${count} sends failed\n`);
agent.destroy();
