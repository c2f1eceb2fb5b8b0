-- SPDX-License-Identifier: Apache-2.0
-- 003: payments through a provider (API.md, Payments).  A subscription
-- remembers what it costs (amount, currency: the provider must confirm
-- exactly these), the provider's id for its payment (pay_ref: a
-- MyFatoorah invoice id or a Tap charge id, unique per provider), the page
-- the patient pays on and until when.  A pending subscription holds the
-- user's slot (active_user_id) like an active one.
ALTER TABLE user_packages ADD COLUMN amount TEXT NULL;
ALTER TABLE user_packages ADD COLUMN currency TEXT NULL;
ALTER TABLE user_packages ADD COLUMN pay_provider TEXT NULL;
ALTER TABLE user_packages ADD COLUMN pay_ref TEXT NULL;
ALTER TABLE user_packages ADD COLUMN pay_url TEXT NULL;
ALTER TABLE user_packages ADD COLUMN pay_expires_at TEXT NULL;
CREATE UNIQUE INDEX uq_user_packages_pay_ref
    ON user_packages (pay_provider, pay_ref);
CREATE INDEX idx_user_packages_pending
    ON user_packages (user_id, payment_status, created_at);
UPDATE user_packages SET amount =
    (SELECT price FROM packages WHERE packages.id = user_packages.package_id);
UPDATE clinic_schema SET version = 3;
