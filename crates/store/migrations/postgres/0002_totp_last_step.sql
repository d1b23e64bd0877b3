-- The last one-time-code step accepted per user, so a code is used once.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
