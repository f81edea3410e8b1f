import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts short secrets (webhook signing secrets, personal data) for storage in the database, so a
 * dump of the database alone neither lets anyone forge signed webhook requests nor reads who signed.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>` (base64url). The version prefix lets a later scheme (another KDF,
 * a key-encryption service, a rotated master key) coexist with rows written by this one. The context
 * (e.g. the webhook id) is bound as GCM additional data, so copying one row's secret onto another is detected.
 */
const INFO = 'water-esign webhook secrets v1';
const VERSION = 'v1';

export interface SecretBox {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

export class SecretBoxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}

/** `info` separates the keys of different uses, all derived from the one master key. */
export function createSecretBox(masterKey: Buffer, info = INFO): SecretBox {
  if (masterKey.length !== 32) throw new SecretBoxError('the master key must be 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));

  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) {
        throw new SecretBoxError(`unsupported sealed secret format ${JSON.stringify(parts[0])}`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1], 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(parts[3], 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(parts[2], 'base64url')), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new SecretBoxError('cannot decrypt the secret: wrong MASTER_KEY or the stored value was altered', { cause: err });
      }
    },
  };
}
