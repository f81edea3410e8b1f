import crypto from 'node:crypto';
import { KeyError } from './errors.js';

/**
 * Envelope for a private key at rest (JSON, one file per key):
 *   { "format": "water-esign/sealed-key", "v": 1, "kdf": "hkdf-sha256", "alg": "A256GCM",
 *     "label": "pki/issuing", "salt": b64, "iv": b64, "tag": b64, "ct": b64 }
 * The AES key is HKDF(master, salt, info = "water-esign sealed-key v1"); the label is bound as
 * GCM additional data, so swapping two key files is detected like tampering. "v" lets a later
 * format (another KDF, a key-encryption service) coexist with files written by this one.
 */
export interface SealedKeyV1 {
  format: 'water-esign/sealed-key';
  v: 1;
  kdf: 'hkdf-sha256';
  alg: 'A256GCM';
  label: string;
  salt: string;
  iv: string;
  tag: string;
  ct: string;
}

const FORMAT = 'water-esign/sealed-key';
const INFO = Buffer.from('water-esign sealed-key v1');

function deriveKey(masterKey: Buffer, salt: Buffer): Buffer {
  if (masterKey.length !== 32) throw new KeyError('master_key_invalid', 'master key must be 32 bytes');
  return Buffer.from(crypto.hkdfSync('sha256', masterKey, salt, INFO, 32));
}

export function sealPrivateKey(key: crypto.KeyObject, masterKey: Buffer, label: string): string {
  const plain = key.export({ format: 'der', type: 'pkcs8' });
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', deriveKey(masterKey, salt), iv);
  cipher.setAAD(Buffer.from(label));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  const env: SealedKeyV1 = {
    format: FORMAT, v: 1, kdf: 'hkdf-sha256', alg: 'A256GCM', label,
    salt: salt.toString('base64'), iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64'),
  };
  return JSON.stringify(env, null, 2) + '\n';
}

export function openPrivateKey(sealed: string, masterKey: Buffer, label: string): crypto.KeyObject {
  let env: SealedKeyV1;
  try {
    env = JSON.parse(sealed) as SealedKeyV1;
  } catch (err) {
    throw new KeyError('key_decrypt_failed', `sealed key ${label} is not valid JSON`, { cause: err });
  }
  if (env.format !== FORMAT || env.v !== 1 || env.kdf !== 'hkdf-sha256' || env.alg !== 'A256GCM') {
    throw new KeyError('key_decrypt_failed', `sealed key ${label}: unsupported envelope ${env.format}/v${String(env.v)}`);
  }
  if (env.label !== label) {
    throw new KeyError('key_decrypt_failed', `sealed key file holds "${env.label}", expected "${label}"`);
  }
  let plain: Buffer;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', deriveKey(masterKey, Buffer.from(env.salt, 'base64')), Buffer.from(env.iv, 'base64'));
    decipher.setAAD(Buffer.from(label));
    decipher.setAuthTag(Buffer.from(env.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(env.ct, 'base64')), decipher.final()]);
  } catch (err) {
    throw new KeyError(
      'key_decrypt_failed',
      `cannot decrypt private key ${label}: wrong MASTER_KEY (it must be the key the PKI was created with) or the file was altered`,
      { cause: err },
    );
  }
  try {
    return crypto.createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  } finally {
    plain.fill(0);
  }
}
