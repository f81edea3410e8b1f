-- The service speaks to applicants: SMS queued with the event that calls for it, sent by a dispatcher.
-- notify = false: the connection workflow sends the signing links itself.
ALTER TABLE contracts ADD COLUMN notify boolean NOT NULL DEFAULT true;

-- 'act' codes sign, decline or ask for a correction; 'access' codes only reopen a signed contract for reading.
ALTER TABLE otp_challenges ADD COLUMN purpose text NOT NULL DEFAULT 'act';

-- The utility as the contract printed it (name, credit code, address, phone): the reading on a phone is
-- composed from it, so an organisation's later change of phone or address does not take it away.
ALTER TABLE contracts ADD COLUMN printed_party jsonb;

-- Whether applicants of the organisation may draw a handwritten signature into their signature appearance.
ALTER TABLE organisations ADD COLUMN handwritten_signature boolean NOT NULL DEFAULT true;

-- No mobile number, text or link is stored: they are composed at sending time from the signer row (whose
-- mobile is sealed at rest), the template's messages and the derived signing link.
CREATE TABLE sms_notifications (
  id              bigserial PRIMARY KEY,
  -- One message per occasion: 'signing_link:<signer>', 'reminder:<signer>:<China day>', ...
  dedupe_key      text NOT NULL UNIQUE,
  kind            text NOT NULL,
  contract_id     text NOT NULL REFERENCES contracts (id),
  signer_id       text NOT NULL REFERENCES signers (id),
  status          text NOT NULL DEFAULT 'pending',
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX sms_notifications_due_idx ON sms_notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX sms_notifications_contract_idx ON sms_notifications (contract_id);
