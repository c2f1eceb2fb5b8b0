// SPDX-License-Identifier: Apache-2.0
// fake_pay: a loopback-only fake of the two payment providers the module
// speaks to, for the integration tests.  It keeps their documented request
// and answer shapes and signs its notifications as they do.
//
//   MyFatoorah (API v2) under /mf:   POST /mf/v2/SendPayment,
//                                    POST /mf/v2/GetPaymentStatus
//   Tap (API v2) under /tap:         POST /tap/v2/charges,
//                                    GET  /tap/v2/charges/{id}
//   /mfhang/..., /taphang/...        never answer (held up to 30 s)
//   /mferr/..., /taperr/...          answer 500
//
// Tests drive the patient's side through POST /_control (JSON):
//   {"action":"settle","provider":"mf"|"tap","ref":ID,
//    "outcome":"paid"|"declined"|"cancelled",
//    "amount":"1.000","currency":"USD",  (optional: the status API then
//                                         reports these instead)
//    "version":1|2}                      (MyFatoorah webhook version)
//     -> {"return": the URL the browser is sent back to,
//         "webhook": {"body": text, "headers": {...}}}  signed, not sent
//     A second "paid" on a paid MyFatoorah invoice makes it a
//     DuplicatePayment with two successful transactions.
//   {"action":"event","provider":"mf","version":1|2,"type":"refund"|
//    "deposit","ref":ID[,"gateway":false]}
//                                       -> {"webhook": ...} a notification
//                                         that is not a payment (a refund of
//                                         invoice ID, a balance transfer),
//                                         signed as MyFatoorah signs it
//   {"action":"asked","provider":P,"key":K}
//                                       -> {"count": status calls for K (a
//                                          MyFatoorah Key, a Tap charge id;
//                                          provider "mfhang": those left
//                                          hanging)}
//   {"action":"count","reference":SUB}  -> {"count": payments created}
//   {"action":"last","provider":P[,"reference":SUB]}
//                                       -> the last create request body (for
//                                          our reference SUB: tests run side
//                                          by side)
//
//   node fake_pay.mjs --port-file F --mf-key F --mf-secret F --tap-key F
//
// Every load is bounded: one request at a time per connection, bodies
// capped at 64 KiB, hanging answers released after 30 s.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
    (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const readKey = (f) => fs.readFileSync(f, 'utf8').replace(/\s+$/, '');
const MF_KEY = readKey(args['mf-key']);
const MF_SECRET = readKey(args['mf-secret']);
const TAP_KEY = readKey(args['tap-key']);

const invoices = new Map();       // InvoiceId -> invoice
const charges = new Map();        // chg id -> charge
const creates = new Map();        // our reference -> payments created
const last = {};                  // provider -> last create body
const lastFor = new Map();        // "provider reference" -> its last one
const asked = new Map();          // "provider key" -> status calls
let nextInvoice = 600000 + Math.floor(Math.random() * 100000);

const digits = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const fils = (v) => Math.round(Number(v) * 1000);
const kwd = (f) => (f / 1000).toFixed(3);
const hmac = (key, text, enc) => crypto.createHmac('sha256', key).update(text, 'utf8').digest(enc);
const withQuery = (url, q) => url + (url.includes('?') ? '&' : '?') + q;
const noted = (provider, key) => asked.set(`${provider} ${key}`, (asked.get(`${provider} ${key}`) || 0) + 1);
// PHP's strcasecmp, as MyFatoorah's library sorts V1 fields with it
const caseless = (a, b) => { const x = a.toLowerCase(), y = b.toLowerCase(); return x < y ? -1 : x > y ? 1 : 0; };
const mfSigned = (pairs) => pairs.map(([k, v]) => `${k}=${v ?? ''}`).join(',');

function send(res, status, obj) {
    const text = JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8',
                            'Content-Length': Buffer.byteLength(text) });
    res.end(text);
}

function bearer(req, key) {
    return (req.headers.authorization || '') === `Bearer ${key}`;
}

function counted(ref) {
    creates.set(ref, (creates.get(ref) || 0) + 1);
}

// ---- MyFatoorah ----------------------------------------------------------

function mfError(res, status, message, errors = null) {
    send(res, status, { IsSuccess: false, Message: message, ValidationErrors: errors, Data: null });
}

function mfSendPayment(req, res, body, port) {
    const errors = [];
    if (typeof body.CustomerName !== 'string' || !body.CustomerName) errors.push({ Name: 'CustomerName', Error: 'Customer name is required' });
    if (!['LNK', 'ALL', 'SMS', 'EML'].includes(body.NotificationOption)) errors.push({ Name: 'NotificationOption', Error: 'Invalid notification option' });
    if (typeof body.InvoiceValue !== 'number' || !(body.InvoiceValue > 0)) errors.push({ Name: 'InvoiceValue', Error: 'Invoice value must be more than 0' });
    if (errors.length) return mfError(res, 400, 'Invalid data', errors);
    const id = nextInvoice++;
    const inv = {
        InvoiceId: id, InvoiceStatus: 'Pending', InvoiceReference: `2026${digits(6)}`,
        CustomerReference: body.CustomerReference ?? null, UserDefinedField: body.UserDefinedField ?? null,
        CustomerName: body.CustomerName, CustomerMobile: `${body.MobileCountryCode || ''}${body.CustomerMobile || ''}`,
        valueFils: fils(body.InvoiceValue), currency: body.DisplayCurrencyIso || 'KWD',
        callback: body.CallBackUrl || 'https://portal.example/paid',
        error: body.ErrorUrl || body.CallBackUrl || 'https://portal.example/failed', transactions: [],
        created: new Date().toISOString().replace('Z', ''), reported: null,
    };
    invoices.set(id, inv);
    counted(inv.CustomerReference);
    last.mf = body;
    lastFor.set(`mf ${inv.CustomerReference}`, body);
    send(res, 200, { IsSuccess: true, Message: 'Invoice Created Successfully!', ValidationErrors: null,
                     Data: { InvoiceId: id, InvoiceURL: `http://127.0.0.1:${port}/mf/pay/${id}`,
                             CustomerReference: inv.CustomerReference, UserDefinedField: inv.UserDefinedField } });
}

const SYMBOL = { KWD: 'KD', SAR: 'SR', USD: 'USD', BHD: 'BD' };

function mfStatusData(inv) {
    const value = inv.reported ? fils(inv.reported.amount ?? kwd(inv.valueFils)) : inv.valueFils;
    const cur = inv.reported?.currency ?? inv.currency;
    return {
        InvoiceId: inv.InvoiceId, InvoiceStatus: inv.InvoiceStatus, InvoiceReference: inv.InvoiceReference,
        CustomerReference: inv.CustomerReference, CreatedDate: inv.created, ExpiryDate: 'December 31, 2026',
        ExpiryTime: '00:00:00.000', InvoiceValue: value / 1000, Comments: null, CustomerName: inv.CustomerName,
        CustomerMobile: inv.CustomerMobile, CustomerEmail: null, UserDefinedField: inv.UserDefinedField,
        InvoiceDisplayValue: `${kwd(value)} ${SYMBOL[cur] || cur}`, DueDeposit: 0, DepositStatus: 'Not Deposited',
        InvoiceItems: [],
        InvoiceTransactions: inv.transactions.map((t) => ({ ...t, TransationValue: kwd(value),
            DueValue: kwd(value), PaidCurrency: SYMBOL[cur] || cur, PaidCurrencyValue: kwd(value),
            Currency: SYMBOL[cur] || cur })),
        Suppliers: [],
    };
}

function mfGetPaymentStatus(req, res, body) {
    const type = String(body.KeyType || '').toLowerCase();
    const key = String(body.Key ?? '');
    let inv;
    if (type === 'invoiceid') inv = invoices.get(Number(key));
    else if (type === 'paymentid') inv = [...invoices.values()].find((i) => i.transactions.some((t) => t.PaymentId === key));
    else if (type === 'customerreference') inv = [...invoices.values()].reverse().find((i) => i.CustomerReference === key);
    else return mfError(res, 400, 'Invalid data', [{ Name: 'KeyType', Error: 'Invalid key type' }]);
    noted('mf', key);
    if (!inv) return mfError(res, 400, 'No data match with the provided key');
    send(res, 200, { IsSuccess: true, Message: '', ValidationErrors: null, Data: mfStatusData(inv) });
}

function mfSettle(c) {
    const inv = invoices.get(Number(c.ref));
    if (!inv) return null;
    const paid = c.outcome === 'paid';
    const pid = `0707${inv.InvoiceId}${digits(8)}`;
    const tx = { TransactionDate: new Date().toISOString(), PaymentGateway: 'KNET', ReferenceId: digits(12),
                 TrackId: `${digits(2)}-11-2026_${digits(6)}`, TransactionId: digits(12), PaymentId: pid,
                 AuthorizationId: paid ? digits(6) : '', TransactionStatus: paid ? 'Succss' : (c.outcome === 'cancelled' ? 'Canceled' : 'Failed'),
                 CustomerServiceCharge: '0.000', TotalServiceCharge: '0.000', VatAmount: '0.000',
                 Error: paid ? null : 'Declined by the issuer', ErrorCode: paid ? '' : 'MF002', CardNumber: '888888xxxxxx0001' };
    // paid again: MyFatoorah keeps both and calls the invoice a duplicate
    if (paid) inv.InvoiceStatus = inv.transactions.some((t) => t.TransactionStatus === 'Succss') ? 'DuplicatePayment' : 'Paid';
    inv.transactions.push(tx);
    if (c.amount || c.currency) inv.reported = { amount: c.amount, currency: c.currency };
    const st = mfStatusData(inv);
    const status = paid ? 'SUCCESS' : (c.outcome === 'cancelled' ? 'CANCELED' : 'FAILED');
    let body, signed;
    if (Number(c.version) === 2) {
        body = { Event: { Code: 1, Name: 'PAYMENT_STATUS_CHANGED', CountryIsoCode: 'KWT',
                          CreationDate: new Date().toISOString(), Reference: `WH-${digits(6)}` },
                 Data: { Invoice: { Id: String(inv.InvoiceId), Status: paid ? 'PAID' : 'PENDING', Reference: inv.InvoiceReference,
                                    CreationDate: inv.created, ExpirationDate: '', UserDefinedField: inv.UserDefinedField || '',
                                    ExternalIdentifier: inv.CustomerReference || '', MetaData: null },
                         Transaction: { Id: digits(5), Status: status, PaymentMethod: 'KNET', PaymentId: pid,
                                        ReferenceId: tx.ReferenceId, TrackId: tx.TrackId, AuthorizationId: tx.AuthorizationId,
                                        TransactionDate: tx.TransactionDate, ECI: '', IP: { Address: '127.0.0.1', Country: 'Kuwait' },
                                        Error: { Code: tx.ErrorCode, Message: tx.Error || '' }, Card: null },
                         Customer: { Name: inv.CustomerName, Mobile: inv.CustomerMobile, Email: '' },
                         Amount: { BaseCurrency: 'KWD', ValueInBaseCurrency: String(st.InvoiceValue), ServiceCharge: '0',
                                   ServiceChargeVAT: '0', ReceivableAmount: String(st.InvoiceValue), DisplayCurrency: inv.currency,
                                   ValueInDisplayCurrency: String(st.InvoiceValue), PayCurrency: 'KWD',
                                   ValueInPayCurrency: String(st.InvoiceValue) } } };
        const d = body.Data;
        signed = [['Invoice.Id', d.Invoice.Id], ['Invoice.Status', d.Invoice.Status], ['Transaction.Status', d.Transaction.Status],
                  ['Transaction.PaymentId', d.Transaction.PaymentId], ['Invoice.ExternalIdentifier', d.Invoice.ExternalIdentifier]]
            .map(([k, v]) => `${k}=${v ?? ''}`).join(',');
    } else {
        const data = { InvoiceId: inv.InvoiceId, InvoiceReference: inv.InvoiceReference, CreatedDate: '29112026120000',
                       CustomerReference: inv.CustomerReference, CustomerName: inv.CustomerName, CustomerMobile: inv.CustomerMobile,
                       CustomerEmail: null, TransactionStatus: status, PaymentMethod: 'KNET', UserDefinedField: inv.UserDefinedField,
                       ReferenceId: tx.ReferenceId, TrackId: tx.TrackId, PaymentId: pid, AuthorizationId: tx.AuthorizationId,
                       InvoiceValueInBaseCurrency: kwd(inv.valueFils), BaseCurrency: 'KWD',
                       InvoiceValueInDisplayCurreny: kwd(inv.valueFils), DisplayCurrency: inv.currency,
                       InvoiceValueInPayCurrency: kwd(inv.valueFils), PayCurrency: 'KWD' };
        body = { EventType: 1, Event: 'TransactionsStatusChanged', DateTime: '29112026120000', CountryIsoCode: 'KWT', Data: data };
        signed = Object.keys(data).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
            .map((k) => `${k}=${data[k] ?? ''}`).join(',');
    }
    const text = JSON.stringify(body);
    return { return: withQuery(paid ? inv.callback : inv.error, `paymentId=${pid}&Id=${pid}`),
             webhook: { body: text, headers: { 'Content-Type': 'application/json',
                                               'MyFatoorah-Signature': hmac(MF_SECRET, signed, 'base64') } } };
}

// Notifications that are not about a payment: a refund of invoice c.ref,
// a balance transferred to the bank; signed with the fields MyFatoorah's
// library signs for each event type
function mfEvent(c) {
    const inv = invoices.get(Number(c.ref));
    const value = inv ? kwd(inv.valueFils) : '25.000';
    const now = new Date().toISOString();
    let body, signed;
    if (Number(c.version) === 2 && c.type === 'deposit') {
        const d = { Deposit: { Reference: `2026${digits(6)}`, BaseCurrency: 'KWD', ValueInBaseCurrency: '6917.282',
                               NumberOfTransactions: '24', DepositDate: now },
                    Supplier: null, Bank: { Name: 'National Bank of Kuwait', IBAN: `KW81NBOK${digits(22)}`,
                                            AccountNumber: digits(12), AccountHolderName: 'Clinic' } };
        body = { Event: { Code: 3, Name: 'BALANCE_TRANSFERRED', CountryIsoCode: 'KWT', CreationDate: now, Reference: `WH-${digits(6)}` }, Data: d };
        signed = mfSigned([['Deposit.Reference', d.Deposit.Reference], ['Deposit.ValueInBaseCurrency', d.Deposit.ValueInBaseCurrency],
                           ['Deposit.NumberOfTransactions', d.Deposit.NumberOfTransactions]]);
    } else if (Number(c.version) === 2) {
        const d = { Refund: { Id: Number(digits(5)), Reference: `2026${digits(6)}`, Status: 'REFUNDED', InvoiceId: String(c.ref),
                              CreationDate: now, RefundDate: now, RRN: digits(12), Comment: null, VendorComment: 'duplicate' },
                    Amount: { BaseCurrency: 'KWD', ValueInBaseCurrency: value, ServiceCharge: '0', ServiceChargeVAT: '0',
                              ReceivableAmount: value, DisplayCurrency: 'KWD', ValueInDisplayCurrency: value },
                    ReferencedInvoice: { Id: String(c.ref), Reference: inv?.InvoiceReference ?? '', ExternalIdentifier: inv?.CustomerReference ?? '' } };
        body = { Event: { Code: 2, Name: 'REFUND_STATUS_CHANGED', CountryIsoCode: 'KWT', CreationDate: now, Reference: `WH-${digits(6)}` }, Data: d };
        signed = mfSigned([['Refund.Id', d.Refund.Id], ['Refund.Status', d.Refund.Status],
                           ['Amount.ValueInBaseCurrency', d.Amount.ValueInBaseCurrency], ['ReferencedInvoice.Id', d.ReferencedInvoice.Id]]);
    } else {
        const deposit = c.type === 'deposit';
        const data = deposit
            ? { DepositReference: `2026${digits(6)}`, DepositedAmount: '6917.282', NumberOfTransactions: '24', DepositFor: 'VENDOR', SupplierCode: '' }
            : { RefundId: Number(digits(4)), RefundReference: `2026${digits(6)}`, CreatedDate: '04032026210447', RefundStatus: 'REFUNDED',
                Amount: value, Comments: 'duplicate', InvoiceId: String(c.ref),
                // none yet for a refund the gateway has not taken ("gateway": false)
                GatewayReference: c.gateway === false ? null
                    : { AuthorizationId: `B${digits(5)}`, PaymentId: digits(18), ReferenceId: digits(12),
                        RefundAmount: value, TransactionId: digits(15), Currency: 'KWD', PaymentMethod: 'KNET' } };
        body = { EventType: deposit ? 3 : 2, Event: deposit ? 'BalanceTransferred' : 'RefundStatusChanged',
                 DateTime: '04032026211057', CountryIsoCode: 'KWT', Data: data };
        // a refund's GatewayReference is left out of what is signed
        signed = mfSigned(Object.keys(data).filter((k) => deposit || k !== 'GatewayReference').sort(caseless).map((k) => [k, data[k]]));
    }
    return { webhook: { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json',
                                                             'MyFatoorah-Signature': hmac(MF_SECRET, signed, 'base64') } } };
}

// ---- Tap -----------------------------------------------------------------

function tapError(res, status, code, description) {
    send(res, status, { errors: [{ code, description }], http_code: String(status) });
}

function tapCreate(req, res, body, port) {
    if (typeof body.amount !== 'number' || !(body.amount > 0)) return tapError(res, 400, '1117', 'Amount is invalid');
    if (typeof body.currency !== 'string' || body.currency.length !== 3) return tapError(res, 400, '1118', 'Currency is invalid');
    if (!body.source?.id || !body.redirect?.url || !body.customer) return tapError(res, 400, '1105', 'Source, redirect and customer are required');
    const id = `chg_TS0${digits(2)}A${digits(8)}${digits(10)}`;
    const ch = {
        id, object: 'charge', live_mode: false, customer_initiated: true, api_version: 'V2', method: 'CREATE',
        status: 'INITIATED', amount: body.amount, currency: body.currency, threeDSecure: true, save_card: false,
        description: body.description, metadata: body.metadata,
        transaction: { timezone: 'UTC+03:00', created: String(Date.now()), url: `http://127.0.0.1:${port}/tap/pay/${id}`,
                       expiry: body.transaction?.expiry || { period: 30, type: 'MINUTE' }, asynchronous: false,
                       amount: body.amount, currency: body.currency },
        reference: { transaction: body.reference?.transaction, order: body.reference?.order },
        response: { code: '100', message: 'Initiated' }, customer: body.customer, source: body.source,
        redirect: { status: 'PENDING', url: body.redirect.url }, post: { status: 'PENDING', url: body.post?.url },
    };
    charges.set(id, ch);
    counted(body.reference?.transaction ?? null);
    last.tap = body;
    lastFor.set(`tap ${body.reference?.transaction}`, body);
    send(res, 200, ch);
}

function tapView(ch) {
    const out = structuredClone(ch);
    out.method = 'GET';
    if (ch.reported?.amount) out.amount = Number(ch.reported.amount);
    if (ch.reported?.currency) out.currency = ch.reported.currency;
    delete out.reported;
    return out;
}

function tapSettle(c) {
    const ch = charges.get(c.ref);
    if (!ch) return null;
    const words = { paid: ['CAPTURED', '000', 'Captured'], declined: ['DECLINED', '505', 'Insufficient Funds'],
                    cancelled: ['CANCELLED', '302', 'Cancelled'] }[c.outcome] || ['FAILED', '408', 'Unspecified Failure'];
    [ch.status, ch.response.code, ch.response.message] = words;
    ch.reference.gateway = digits(15);
    ch.reference.payment = digits(19);
    if (c.amount || c.currency) ch.reported = { amount: c.amount, currency: c.currency };
    const view = tapView(ch);
    const dec = ['KWD', 'BHD', 'OMR', 'JOD'].includes(view.currency) ? 3 : 2;
    const signed = `x_id${view.id}x_amount${Number(view.amount).toFixed(dec)}x_currency${view.currency}` +
        `x_gateway_reference${view.reference.gateway}x_payment_reference${view.reference.payment}` +
        `x_status${view.status}x_created${view.transaction.created}`;
    return { return: withQuery(ch.redirect.url, `tap_id=${ch.id}`),
             webhook: { body: JSON.stringify(view), headers: { 'Content-Type': 'application/json',
                                                              hashstring: hmac(TAP_KEY, signed, 'hex') } } };
}

// ---- the server ----------------------------------------------------------

function control(res, c) {
    if (c.action === 'settle') {
        const out = c.provider === 'tap' ? tapSettle(c) : mfSettle(c);
        return out ? send(res, 200, out) : send(res, 404, { error: 'no such payment' });
    }
    if (c.action === 'count') return send(res, 200, { count: creates.get(c.reference) || 0 });
    if (c.action === 'event') return send(res, 200, mfEvent(c));
    if (c.action === 'asked') return send(res, 200, { count: asked.get(`${c.provider} ${c.key}`) || 0 });
    if (c.action === 'last') {
        return send(res, 200, (c.reference ? lastFor.get(`${c.provider} ${c.reference}`)
                                           : last[c.provider]) || null);
    }
    return send(res, 400, { error: 'unknown action' });
}

const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (d) => { size += d.length; if (size <= 65536) chunks.push(d); });
    req.on('end', () => {
        try {
            serve(req, res, chunks, size);
        } catch (e) {
            console.error(e);
            if (!res.headersSent) send(res, 500, { error: `fake_pay failed: ${e.message}` });
        }
    });
});

function serve(req, res, chunks, size) {
    const port = server.address().port;
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;
    let body = {};
    if (size > 65536) return send(res, 413, { error: 'too large' });
    if (chunks.length) {
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return send(res, 400, { error: 'bad json' }); }
    }
    if (path === '/_control' && req.method === 'POST') return control(res, body);
    if (/^\/(mf|tap)hang\//.test(path)) {
        if (path === '/mfhang/v2/GetPaymentStatus') noted('mfhang', String(body.Key ?? ''));
        setTimeout(() => res.destroy(), 30000).unref();
        return;
    }
    if (/^\/(mf|tap)err\//.test(path)) return send(res, 500, { error: 'internal' });
    if (path.startsWith('/mf/v2/')) {
        if (!bearer(req, MF_KEY)) return send(res, 401, { Message: 'Authorization has been denied for this request.' });
        if (req.method === 'POST' && path === '/mf/v2/SendPayment') return mfSendPayment(req, res, body, port);
        if (req.method === 'POST' && path === '/mf/v2/GetPaymentStatus') return mfGetPaymentStatus(req, res, body);
    }
    if (path.startsWith('/tap/v2/')) {
        if (!bearer(req, TAP_KEY)) return tapError(res, 401, '2107', 'Authentication failed');
        if (req.method === 'POST' && /^\/tap\/v2\/charges\/?$/.test(path)) return tapCreate(req, res, body, port);
        const m = path.match(/^\/tap\/v2\/charges\/([^/]+)$/);
        if (req.method === 'GET' && m) {
            const ch = charges.get(m[1]);
            noted('tap', m[1]);
            return ch ? send(res, 200, tapView(ch)) : tapError(res, 404, '1141', 'Charge not found');
        }
    }
    send(res, 404, { error: 'not found' });
}
server.keepAliveTimeout = 5000;
server.listen(Number(args.port || 0), '127.0.0.1', () => {
    fs.writeFileSync(args['port-file'], String(server.address().port));
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
