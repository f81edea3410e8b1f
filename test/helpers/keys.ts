import crypto from 'node:crypto';
import type { KeySigner } from '../../src/keys/index.js';

/** The signer holds the private half of the certificate's key: a signature it makes verifies under the certificate. */
export function signsFor(certificate: Buffer, signer: KeySigner): boolean {
  const data = crypto.randomBytes(32);
  return crypto.verify('sha256', data, new crypto.X509Certificate(certificate).publicKey, signer.sign(data));
}
