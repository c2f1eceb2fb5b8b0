-- SPDX-License-Identifier: Apache-2.0
-- mod_clinic schema for SQLite (the zero-setup store).
-- Load it with `clinicctl migrate` (which, run as root, creates the file
-- as the folder's owner); by hand, as the Apache user:
--   sudo -u www-data sqlite3 clinic.db < schema/sqlite.sql
-- The file and its directory must be writable by the Apache user; a file
-- of root's there is refused by clinicctl run as root.
-- Prices are kept as exact decimal text ('25.500'), never as a float.

PRAGMA journal_mode = WAL;

CREATE TABLE clinic_schema (
    version INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT    NOT NULL PRIMARY KEY,
    phone_number  TEXT    NOT NULL,
    name          TEXT    NULL,
    national_id   TEXT    NULL,
    is_active     INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    token_version INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX uq_users_phone ON users (phone_number);

CREATE TABLE packages (
    id            TEXT    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    description   TEXT    NULL,
    price         TEXT    NOT NULL,
    duration_days INTEGER NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX idx_packages_active ON packages (is_active, created_at);

CREATE TABLE user_packages (
    id             TEXT NOT NULL PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    package_id     TEXT NOT NULL REFERENCES packages (id),
    purchased_at   TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    active_user_id TEXT NULL
);
CREATE UNIQUE INDEX uq_user_packages_active ON user_packages (active_user_id);
CREATE INDEX idx_user_packages_user ON user_packages (user_id, purchased_at);

CREATE TABLE otp_codes (
    id           TEXT    NOT NULL PRIMARY KEY,
    phone_number TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    owner        TEXT    NOT NULL DEFAULT '',
    code_hash    TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    created_us   INTEGER NOT NULL,
    expires_at   TEXT    NOT NULL,
    consumed_at  TEXT    NULL
);
CREATE INDEX idx_otp_lookup ON otp_codes (phone_number, purpose, owner, status, created_us);
CREATE INDEX idx_otp_expires ON otp_codes (expires_at);

CREATE TABLE rate_slots (
    bucket  TEXT    NOT NULL,
    slot    INTEGER NOT NULL,
    used_at INTEGER NOT NULL,
    PRIMARY KEY (bucket, slot)
);
CREATE INDEX idx_rate_slots_used ON rate_slots (used_at);

-- last: a base schema that stopped half-way has no version, and
-- clinicctl migrate says so instead of building on it
INSERT INTO clinic_schema (version) VALUES (1);
