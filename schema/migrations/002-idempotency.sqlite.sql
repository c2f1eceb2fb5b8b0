-- SPDX-License-Identifier: Apache-2.0
-- 002: a purchase may carry an Idempotency-Key, unique per user (API.md,
-- Payments): retries with one key make one subscription.  created_at is
-- when the purchase was asked for (purchased_at becomes the payment's
-- confirmation time once a payment provider is in use).
ALTER TABLE user_packages ADD COLUMN idempotency_key TEXT NULL;
ALTER TABLE user_packages ADD COLUMN created_at TEXT NULL;
CREATE UNIQUE INDEX uq_user_packages_idempotency
    ON user_packages (user_id, idempotency_key);
UPDATE user_packages SET created_at = purchased_at;
UPDATE clinic_schema SET version = 2;
