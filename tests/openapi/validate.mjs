// SPDX-License-Identifier: Apache-2.0
// tests/openapi/validate.mjs: docs/openapi.yaml against the OpenAPI 3.1
// meta-schema, then every answer of the integration suite's log against it.
//
//   node validate.mjs DOC LOG...        check the answers (exit 1 on any mismatch)
//   node validate.mjs DOC --operations  the document's operations, "METHOD /path"
//
// A log line is {"method","url","path","status","headers","body"}
// (tests/integration/resplog.h).  The document's description says how a
// request is matched to it; the matching is openapi-backend's router, the
// checks of status, headers and body its validators, on an Ajv for JSON
// Schema 2020-12 (the dialect of OpenAPI 3.1).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Validator } from '@seriousme/openapi-schema-validator';
import OpenAPIBackendModule from 'openapi-backend';
import utilsModule from 'openapi-backend/utils.js';
import Ajv2020Module from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

const OpenAPIBackend = OpenAPIBackendModule.default ?? OpenAPIBackendModule;
const { findStatusCodeMatch } = utilsModule.default ?? utilsModule;
const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = formatsModule.default ?? formatsModule;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// the answers every request may get besides its operation's (see the
// document's description), each checked as an operation of its own
const EXTRA = { unknownPath: 'x-unknown-path', unknownMethod: 'x-unknown-method',
                httpd: 'x-httpd-answers' };

const [docFile, ...args] = process.argv.slice(2);
if (!docFile || !args.length) {
    console.error('usage: validate.mjs DOC LOG... | validate.mjs DOC --operations');
    process.exit(2);
}
let doc;
try {
    doc = parse(readFileSync(docFile, 'utf8'));
}
catch (e) {
    console.error(`openapi: ${docFile}: ${e.message}`);
    process.exit(1);
}

const meta = await new Validator().validate(structuredClone(doc));
if (!meta.valid) {
    console.error(`openapi: ${docFile} is not a valid OpenAPI 3.1 document:`);
    console.error(JSON.stringify(meta.errors, null, 2));
    process.exit(1);
}
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] })));
const unnamed = operations.filter(({ op }) => !op.operationId);
if (unnamed.length) {
    // openapi-backend checks nothing of an operation without an id
    console.error('openapi: operations without an operationId: '
                  + unnamed.map(({ method, path }) => `${method} ${path}`).join(', '));
    process.exit(1);
}
if (args[0] === '--operations') {
    for (const { method, path } of operations) {
        console.log(`${method.toUpperCase()} ${path}`);
    }
    process.exit(0);
}

for (const [id, key] of Object.entries(EXTRA)) {
    if (!doc[key]) {
        console.error(`openapi: ${docFile} has no ${key}`);
        process.exit(1);
    }
    doc.paths[`/.${id}`] = { get: { operationId: id, responses: doc[key] } };
}
const api = new OpenAPIBackend({
    definition: doc,
    quick: true,      // the document was validated above (its own check is 3.0's)
    validate: true,
    ignoreTrailingSlashes: false,
    customizeAjv: (_ajv, opts) => {
        const ajv = new Ajv2020({ ...opts, strict: true, strictTypes: false,
                                  strictRequired: false, allowUnionTypes: true,
                                  allErrors: true });
        addFormats(ajv);
        return ajv;
    },
});
await api.init();
if (JSON.stringify(api.definition).includes('"$ref"')) {
    console.error(`openapi: ${docFile} has a $ref that does not resolve`);
    process.exit(1);
}

// answers that are not JSON are checked against their schema with this
const textAjv = new Ajv2020({ strict: false, allErrors: true });
addFormats(textAjv);

// The operation a request meets, or the extra one its answer falls under.
function operationOf(method, path) {
    // HEAD is the GET of the path; one trailing slash is ignored
    const m = (method === 'HEAD' ? 'GET' : method).toLowerCase();
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    try {
        return api.router.matchOperation({ method: m, path: p, headers: {} }, true);
    }
    catch (e) {
        const id = String(e.message).startsWith('405') ? 'unknownMethod' : 'unknownPath';
        return api.router.getOperation(id);
    }
}

const fmt = (errors) => errors.map((e) =>
    `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length
        ? ' ' + JSON.stringify(e.params) : ''}`).join('; ');

// What is wrong with the answer as op's response for its status: null when
// nothing is, else a list of problems.
function problems(op, a) {
    const res = findStatusCodeMatch(a.status, op.responses);
    if (!res) {
        return [`status ${a.status} is not documented`];
    }
    const out = [];
    const headers = api.validator.validateResponseHeaders(a.headers, op,
        { statusCode: a.status, setMatchType: 'any' });
    if (headers.errors) {
        out.push(`headers: ${fmt(headers.errors)}`);
    }
    // validateResponseHeaders requires no header: each one's own
    // `required` is read here
    for (const [name, h] of Object.entries(res.headers ?? {})) {
        if (h.required && !(name.toLowerCase() in a.headers)) {
            out.push(`header ${name} is missing`);
        }
    }
    const media = res.content ? Object.keys(res.content) : [];
    if (a.method === 'HEAD' || !media.length) {
        if (a.body !== '') {
            out.push(`a body where none is documented: ${a.body.slice(0, 80)}`);
        }
        return out.length ? out : null;
    }
    const type = (a.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!media.includes(type)) {
        out.push(`Content-Type "${a.headers['content-type'] ?? ''}" is not ${media.join(' or ')}`);
        return out;
    }
    if (type !== 'application/json') {
        // a body that is not JSON (the WhatsApp webhook's subscription
        // check answers its challenge as text/plain) is the string it is
        const schema = res.content[type].schema;
        if (schema && !textAjv.validate(schema, a.body)) {
            out.push(`body: ${fmt(textAjv.errors)}`);
        }
        return out.length ? out : null;
    }
    let body;
    try {
        body = JSON.parse(a.body);
    }
    catch {
        out.push(`the body is not JSON: ${a.body.slice(0, 80)}`);
        return out;
    }
    const v = api.validator.validateResponse(body, op, a.status);
    if (v.errors) {
        out.push(`body: ${fmt(v.errors)}`);
    }
    return out.length ? out : null;
}

const checked = new Map();      // "METHOD /path" (or the extra answer) -> count
const skipped = new Map();      // origin -> count of answers not under /api/
const mismatches = [];
let lines = 0;
for (const file of args) {
    const text = readFileSync(file, 'utf8');
    for (const [i, line] of text.split('\n').entries()) {
        if (!line) {
            continue;
        }
        lines++;
        let a;
        try {
            a = JSON.parse(line);
        }
        catch {
            mismatches.push(`${file}:${i + 1}: not a JSON line: ${line.slice(0, 80)}`);
            continue;
        }
        if (!a.path.startsWith('/api/')) {
            const origin = new URL(a.url).origin;
            skipped.set(origin, (skipped.get(origin) ?? 0) + 1);
            continue;
        }
        const op = operationOf(a.method, a.path);
        let wrong = problems(op, a);
        let as = op;
        if (wrong) {
            const httpd = api.router.getOperation('httpd');
            if (!problems(httpd, a)) {
                wrong = null;
                as = httpd;
            }
        }
        const key = as.path.startsWith('/.') ? `(${EXTRA[as.operationId]})`
                                             : `${as.method.toUpperCase()} ${as.path}`;
        checked.set(key, (checked.get(key) ?? 0) + 1);
        if (wrong) {
            mismatches.push(`${a.method} ${a.path} ${a.status} (as ${key}): ${wrong.join('; ')}`);
        }
    }
}

const total = [...checked.values()].reduce((s, n) => s + n, 0);
console.log(`openapi: ${total} answers under /api/ checked against ${docFile}:`);
for (const [key, n] of [...checked].sort()) {
    console.log(`  ${String(n).padStart(6)}  ${key}`);
}
for (const [origin, n] of [...skipped].sort()) {
    console.log(`openapi: ${n} answers not under /api/ skipped (${origin})`);
}
const never = operations.filter(({ method, path }) =>
    method !== 'options' && !checked.has(`${method.toUpperCase()} ${path}`));
if (never.length) {
    console.log('openapi: no answer seen for '
                + never.map(({ method, path }) => `${method.toUpperCase()} ${path}`).join(', '));
}
if (!lines) {
    console.error('openapi: the log is empty: no answer was checked');
    process.exit(1);
}
if (mismatches.length) {
    console.error(`openapi: ${mismatches.length} answers do not match ${docFile}:`);
    for (const m of mismatches.slice(0, 100)) {
        console.error(`  ${m}`);
    }
    if (mismatches.length > 100) {
        console.error(`  ... and ${mismatches.length - 100} more`);
    }
    process.exit(1);
}
console.log(`openapi: every answer matches ${docFile}`);
