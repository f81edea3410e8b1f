-- Several utilities on one service. Each contract, webhook and API key (but the platform admin's)
-- belongs to one organisation; the one the UTILITY_* settings describe is 'default', and everything
-- that existed before is assigned to it. Start-up writes the UTILITY_* values into that row.
CREATE TABLE organisations (
  id                     text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,31}$'),
  name                   text NOT NULL,
  credit_code            text NOT NULL UNIQUE,
  address                text NOT NULL,
  phone                  text NOT NULL,
  contract_number_prefix text NOT NULL UNIQUE,
  seal_number            text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
-- Placeholders: start-up writes the configured values over them before it serves a request.
INSERT INTO organisations (id, name, credit_code, address, phone, contract_number_prefix)
VALUES ('default', 'default organisation', '-', '', '', '-');

ALTER TABLE contracts ADD COLUMN organisation_id text NOT NULL DEFAULT 'default' REFERENCES organisations (id);
ALTER TABLE contracts ALTER COLUMN organisation_id DROP DEFAULT;
CREATE INDEX contracts_organisation_idx ON contracts (organisation_id, seq);

ALTER TABLE webhooks ADD COLUMN organisation_id text NOT NULL DEFAULT 'default' REFERENCES organisations (id);
ALTER TABLE webhooks ALTER COLUMN organisation_id DROP DEFAULT;

-- Platform admin keys belong to no organisation; every other key to exactly one.
ALTER TABLE api_keys ADD COLUMN organisation_id text REFERENCES organisations (id);
UPDATE api_keys SET organisation_id = 'default' WHERE role <> 'admin';
ALTER TABLE api_keys ADD CONSTRAINT api_keys_organisation_check CHECK ((role = 'admin') = (organisation_id IS NULL));

-- Each organisation's certificate is a service identity of its own: 'organisation' stays the default's.
ALTER TABLE pki_identities DROP CONSTRAINT pki_identities_role_check;
ALTER TABLE pki_identities ADD CONSTRAINT pki_identities_role_check
  CHECK (role IN ('root', 'issuing', 'ocsp', 'tsa', 'organisation') OR role ~ '^organisation:[a-z0-9][a-z0-9-]{1,31}$');

-- Whose organisation certificate it is: a contract's utility field may only be sealed by its own organisation.
ALTER TABLE certificates ADD COLUMN organisation_id text REFERENCES organisations (id);
UPDATE certificates SET organisation_id = 'default' WHERE kind = 'organisation';
