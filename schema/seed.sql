-- SPDX-License-Identifier: Apache-2.0
-- One package on sale: 30 days for 25.000 KWD.  Works on MySQL and SQLite.
INSERT INTO packages (id, name, description, price, duration_days, is_active, created_at, updated_at)
VALUES ('5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10', 'Monthly care package',
        'Unlimited consultations for 30 days', '25.000', 30, 1,
        '2026-01-01 00:00:00', '2026-01-01 00:00:00');
