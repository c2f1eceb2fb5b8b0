-- SPDX-License-Identifier: Apache-2.0
-- 005: one live code per number, purpose and owner (API.md, send-otp),
-- held by a unique index over the active codes alone.  Codes that racing
-- sends left live before it are retired first, the newest kept (ties: the
-- greatest id).
UPDATE otp_codes SET status = 'replaced'
 WHERE status = 'active'
   AND EXISTS (SELECT 1 FROM otp_codes n
                WHERE n.phone_number = otp_codes.phone_number
                  AND n.purpose = otp_codes.purpose
                  AND n.owner = otp_codes.owner AND n.status = 'active'
                  AND (n.created_us > otp_codes.created_us
                       OR (n.created_us = otp_codes.created_us
                           AND n.id > otp_codes.id)));
CREATE UNIQUE INDEX uq_otp_live ON otp_codes (phone_number, purpose, owner)
    WHERE status = 'active';
UPDATE clinic_schema SET version = 5;
