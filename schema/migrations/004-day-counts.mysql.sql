-- SPDX-License-Identifier: Apache-2.0
-- 004: counters of one day (or of another period, by its number), exact
-- across children and hosts.  ClinicSMSDailyLimit counts a virtual host's
-- sends here: bucket "sms:<ServerName>", day_no the UTC day (epoch
-- seconds / 86400).  A count only grows by a conditional UPDATE, and a
-- period's row is made once by the primary key.
CREATE TABLE day_counts (
    bucket  VARCHAR(200) NOT NULL,
    day_no  INT          NOT NULL,
    n       INT          NOT NULL,
    PRIMARY KEY (bucket, day_no)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
UPDATE clinic_schema SET version = 4;
