import crypto from 'node:crypto';

/**
 * A private key as the code that signs sees it: the public half and a signing operation, never
 * the key material. Keys in a PKCS#11 token cannot be anything else; keys held in memory are
 * wrapped the same way so certificate, CRL, OCSP, timestamp and CMS code has one path.
 */
export interface KeySigner {
  readonly publicKey: crypto.KeyObject;
  /** 'ec' (P-256, ECDSA) or 'rsa' (PKCS#1 v1.5). */
  readonly keyType: 'ec' | 'rsa';
  /** AlgorithmIdentifier DER of the signatures this key makes (ecdsa-with-SHA256 or sha256WithRSAEncryption). */
  readonly algorithmDer: Buffer;
  /** Signature over SHA-256(data): DER Ecdsa-Sig-Value for EC (as X.509, CRL, OCSP and CMS want), PKCS#1 v1.5 for RSA. */
  sign(data: Buffer): Buffer;
}

/** ecdsa-with-SHA256, parameters absent (RFC 5758 §3.2). */
export const ECDSA_SHA256_ALG_DER = Buffer.from('300a06082a8648ce3d040302', 'hex');
/** sha256WithRSAEncryption with NULL parameters (RFC 4055 §5). */
export const RSA_SHA256_ALG_DER = Buffer.from('300d06092a864886f70d01010b0500', 'hex');

export function keyTypeOf(publicKey: crypto.KeyObject): 'ec' | 'rsa' {
  const t = publicKey.asymmetricKeyType;
  if (t === 'ec') {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw new Error(`unsupported EC curve ${curve ?? 'unknown'}: only P-256 is supported`);
    return 'ec';
  }
  if (t === 'rsa') return 'rsa';
  throw new Error(`unsupported key type ${t ?? 'unknown'}: only EC P-256 and RSA keys are supported`);
}

export function algorithmDerOf(keyType: 'ec' | 'rsa'): Buffer {
  return keyType === 'ec' ? ECDSA_SHA256_ALG_DER : RSA_SHA256_ALG_DER;
}

/** A key held in this process: one-time event-certificate keys, and keys opened from the database store. */
export function memorySigner(privateKey: crypto.KeyObject): KeySigner {
  if (privateKey.type !== 'private') throw new Error('memorySigner needs a private key');
  const publicKey = crypto.createPublicKey(privateKey);
  const keyType = keyTypeOf(publicKey);
  return {
    publicKey,
    keyType,
    algorithmDer: algorithmDerOf(keyType),
    sign: (data) => crypto.sign('sha256', data, keyType === 'ec' ? { key: privateKey, dsaEncoding: 'der' } : privateKey),
  };
}

/** DER SubjectPublicKeyInfo: what identifies a key across stores and against a certificate. */
export function spkiOf(publicKey: crypto.KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

export function generateP256(): crypto.KeyPairKeyObjectResult {
  return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
}
