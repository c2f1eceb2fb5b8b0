-- SPDX-License-Identifier: Apache-2.0
-- 006: codes sent by WhatsApp (ClinicOTPChannel, ClinicOTPFallback).
-- channel: how the code went out ('sms', or 'whatsapp'; 'sms' too after
-- an immediate fallback).  lang: the language of its text, for a later
-- fallback's SMS.  wamid: the id WhatsApp gave the message, unique, so a
-- status on the webhook finds its code.  code_box: the code sealed with
-- AES-256-GCM under a key derived from the code key, kept only while a
-- later fallback may still send it (WhatsApp with ClinicOTPFallback sms),
-- emptied once the code is used, replaced, expired or sent by SMS.
-- fallback_at: when its one fallback was claimed (a conditional UPDATE
-- from NULL), so a code falls back to SMS once at most.
ALTER TABLE otp_codes ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';
ALTER TABLE otp_codes ADD COLUMN lang TEXT NULL;
ALTER TABLE otp_codes ADD COLUMN wamid TEXT NULL;
ALTER TABLE otp_codes ADD COLUMN code_box TEXT NULL;
ALTER TABLE otp_codes ADD COLUMN fallback_at TEXT NULL;
CREATE UNIQUE INDEX uq_otp_wamid ON otp_codes (wamid);
UPDATE clinic_schema SET version = 6;
