-- SPDX-License-Identifier: Apache-2.0
-- 003: payments through a provider (API.md, Payments).  A subscription
-- remembers what it costs (amount, currency: the provider must confirm
-- exactly these), the provider's id for its payment (pay_ref: a
-- MyFatoorah invoice id or a Tap charge id, unique per provider), the page
-- the patient pays on and until when.  A pending subscription holds the
-- user's slot (active_user_id) like an active one.
ALTER TABLE user_packages
    ADD COLUMN amount DECIMAL(10,3) NULL,
    ADD COLUMN currency CHAR(3) NULL,
    ADD COLUMN pay_provider VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN pay_ref VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN pay_url VARCHAR(2048) NULL,
    ADD COLUMN pay_expires_at DATETIME NULL,
    ADD UNIQUE KEY uq_user_packages_pay_ref (pay_provider, pay_ref),
    ADD KEY idx_user_packages_pending (user_id, payment_status, created_at);
UPDATE user_packages up JOIN packages p ON p.id = up.package_id
    SET up.amount = p.price;
UPDATE clinic_schema SET version = 3;
