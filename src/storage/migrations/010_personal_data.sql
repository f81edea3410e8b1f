-- ID and mobile numbers are stored sealed (AES-256-GCM under MASTER_KEY, in the application); the
-- blind index (an HMAC of the mobile number) finds a signer by number without decrypting every row.
ALTER TABLE signers ADD COLUMN mobile_index text;
CREATE INDEX signers_mobile_index_idx ON signers (mobile_index) WHERE mobile_index IS NOT NULL;
