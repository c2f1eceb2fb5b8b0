-- SPDX-License-Identifier: Apache-2.0
-- 005: one live code per number, purpose and owner (API.md, send-otp),
-- held by a unique key over the live codes alone: live is 1 for an
-- active code and NULL for any other, and a unique key takes any number
-- of NULLs.  Codes that racing sends left live before it are retired
-- first, the newest kept (ties: the greatest id).  The derived tables
-- group, so they are read whole before the update (MySQL refuses an
-- update that reads its own table in a subquery, error 1093).
UPDATE otp_codes o
    JOIN (SELECT phone_number, purpose, owner, MAX(created_us) AS newest
            FROM otp_codes WHERE status = 'active'
           GROUP BY phone_number, purpose, owner) n
      ON n.phone_number = o.phone_number AND n.purpose = o.purpose
     AND n.owner = o.owner
    SET o.status = 'replaced'
  WHERE o.status = 'active' AND o.created_us < n.newest;
UPDATE otp_codes o
    JOIN (SELECT phone_number, purpose, owner, MAX(id) AS kept
            FROM otp_codes WHERE status = 'active'
           GROUP BY phone_number, purpose, owner) k
      ON k.phone_number = o.phone_number AND k.purpose = o.purpose
     AND k.owner = o.owner
    SET o.status = 'replaced'
  WHERE o.status = 'active' AND o.id <> k.kept;
ALTER TABLE otp_codes
    ADD COLUMN live TINYINT
        GENERATED ALWAYS AS (CASE WHEN status = 'active' THEN 1 END) STORED,
    ADD UNIQUE KEY uq_otp_live (phone_number, purpose, owner, live);
UPDATE clinic_schema SET version = 5;
