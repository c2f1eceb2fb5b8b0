-- SPDX-License-Identifier: Apache-2.0
-- mod_clinic schema for MySQL / MariaDB (InnoDB, utf8mb4).
-- Load once into an empty database:  mysql clinic < schema/mysql.sql
-- Times are UTC "YYYY-MM-DD HH:MM:SS" written by the module.

CREATE TABLE clinic_schema (
    version INT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE users (
    id            CHAR(36)     NOT NULL,
    phone_number  VARCHAR(16)  NOT NULL,
    name          VARCHAR(100) NULL,
    national_id   VARCHAR(50)  NULL,
    is_active     TINYINT(1)   NOT NULL DEFAULT 1,
    created_at    DATETIME     NOT NULL,
    updated_at    DATETIME     NOT NULL,
    -- bumped by a phone change: tokens carrying an older one are refused
    token_version INT          NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY uq_users_phone (phone_number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE packages (
    id            CHAR(36)      NOT NULL,
    name          VARCHAR(200)  NOT NULL,
    description   TEXT          NULL,
    price         DECIMAL(10,3) NOT NULL,
    duration_days INT           NOT NULL,
    is_active     TINYINT(1)    NOT NULL DEFAULT 1,
    created_at    DATETIME      NOT NULL,
    updated_at    DATETIME      NOT NULL,
    PRIMARY KEY (id),
    KEY idx_packages_active (is_active, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- active_user_id equals user_id while the row is the user's live
-- subscription and is NULL otherwise: its unique key allows one live
-- subscription per user, whatever the concurrency.
CREATE TABLE user_packages (
    id             CHAR(36)    NOT NULL,
    user_id        CHAR(36)    NOT NULL,
    package_id     CHAR(36)    NOT NULL,
    purchased_at   DATETIME    NOT NULL,
    expires_at     DATETIME    NOT NULL,
    payment_status VARCHAR(16) NOT NULL,
    active_user_id CHAR(36)    NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_user_packages_active (active_user_id),
    KEY idx_user_packages_user (user_id, purchased_at),
    CONSTRAINT fk_user_packages_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_user_packages_package FOREIGN KEY (package_id) REFERENCES packages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Codes are stored only as HMAC-SHA256 hex.  owner is '' for login codes
-- and the user id for phone-change codes.  status: pending (SMS in
-- flight), active, consumed, replaced, failed (never delivered).
CREATE TABLE otp_codes (
    id           CHAR(36)    NOT NULL,
    phone_number VARCHAR(16) NOT NULL,
    purpose      VARCHAR(16) NOT NULL,
    owner        VARCHAR(36) NOT NULL DEFAULT '',
    code_hash    CHAR(64)    NOT NULL,
    attempts     INT         NOT NULL DEFAULT 0,
    status       VARCHAR(12) NOT NULL,
    created_at   DATETIME    NOT NULL,
    created_us   BIGINT      NOT NULL,
    expires_at   DATETIME    NOT NULL,
    consumed_at  DATETIME    NULL,
    PRIMARY KEY (id),
    KEY idx_otp_lookup (phone_number, purpose, owner, status, created_us),
    KEY idx_otp_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Exact sliding-window limits: a bucket ("otp-phone:+965...") has one row
-- per permitted request; a request takes a row whose last use is older
-- than the window (compare-and-set on used_at, epoch seconds).
CREATE TABLE rate_slots (
    bucket  VARCHAR(80) NOT NULL,
    slot    INT         NOT NULL,
    used_at BIGINT      NOT NULL,
    PRIMARY KEY (bucket, slot),
    KEY idx_rate_slots_used (used_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- last: a base schema that stopped half-way has no version, and
-- clinicctl migrate says so instead of building on it
INSERT INTO clinic_schema (version) VALUES (1);
