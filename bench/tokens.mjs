// SPDX-License-Identifier: Apache-2.0
// tokens.mjs KEYFILE USERS.tsv: one HS256 token per "id<TAB>phone" line, as
// the module signs them (API.md, Tokens), for the profile benchmark's
// thousands of users.
import crypto from 'node:crypto';
import fs from 'node:fs';

const [keyFile, usersFile] = process.argv.slice(2);
const key = fs.readFileSync(keyFile).toString('latin1').replace(/\s+$/, '');
const b64 = (s) => Buffer.from(s).toString('base64url');
const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const iat = Math.floor(Date.now() / 1000);
const out = [];
for (const line of fs.readFileSync(usersFile, 'utf8').split('\n')) {
    const [sub, phone] = line.split('\t');
    if (!sub) continue;
    const body = b64(JSON.stringify({ sub, phone, iat, exp: iat + 86400 }));
    const sig = crypto.createHmac('sha256', Buffer.from(key, 'latin1'))
        .update(`${head}.${body}`).digest('base64url');
    out.push(`${head}.${body}.${sig}`);
}
process.stdout.write(out.join('\n') + '\n');
