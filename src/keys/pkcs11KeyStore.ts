import crypto from 'node:crypto';
import type * as Pkcs11 from 'pkcs11js';
import { KeyError } from './errors.js';
import { algorithmDerOf, keyTypeOf, type KeySigner } from './keySigner.js';
import type { KeyStore } from './keyStore.js';

export interface Pkcs11Options {
  /** Path of the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  tokenLabel: string;
  pin: string;
}

const P256_OID_DER = Buffer.from('06082a8648ce3d030107', 'hex');
const EC_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** PKCS#11 returns ECDSA signatures as r‖s; X.509, CRL, OCSP and CMS want Ecdsa-Sig-Value (SEQUENCE of two INTEGERs). */
export function p1363ToDer(raw: Buffer): Buffer {
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0 && !(b[i + 1] & 0x80)) i++;
    const v = b[i] & 0x80 ? Buffer.concat([Buffer.from([0]), b.subarray(i)]) : b.subarray(i);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const half = raw.length / 2;
  const body = Buffer.concat([int(raw.subarray(0, half)), int(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** CKA_EC_POINT is the point wrapped in a DER OCTET STRING (PKCS#11 v2.40 §2.3.3). */
function unwrapEcPoint(value: Buffer): Buffer {
  if (value[0] === 0x04 && value[1] === value.length - 2 && value[2] === 0x04) return value.subarray(2);
  if (value[0] === 0x04 && value.length === 65) return value;
  throw new KeyError('key_store_unavailable', 'the token returned an EC point that is not an uncompressed P-256 point');
}

const b64u = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');

// A PKCS#11 library is initialised once per process; C_Finalize would end every session of it, so the
// last store to close finalises (several stores exist in one process in tests and during a rotation).
const libraries = new Map<string, { p11: Pkcs11.PKCS11; refs: number }>();

function loadLibrary(mod: typeof Pkcs11, modulePath: string): Pkcs11.PKCS11 {
  const known = libraries.get(modulePath);
  if (known) {
    known.refs++;
    return known.p11;
  }
  const p11 = new mod.PKCS11();
  try {
    p11.load(modulePath);
    p11.C_Initialize();
  } catch (err) {
    throw new KeyError('key_store_config', `cannot load the PKCS#11 library PKCS11_MODULE=${modulePath}: ${(err as Error).message}`, { cause: err });
  }
  libraries.set(modulePath, { p11, refs: 1 });
  return p11;
}

function releaseLibrary(modulePath: string): void {
  const known = libraries.get(modulePath);
  if (!known || --known.refs > 0) return;
  libraries.delete(modulePath);
  known.p11.C_Finalize();
}

/**
 * KEY_STORE=pkcs11: keys generated in, or imported into, a PKCS#11 token as sensitive,
 * non-extractable objects; every signature is a C_Sign in the token. The library is loaded
 * only when this store is chosen, so the default needs no native module.
 */
export async function createPkcs11KeyStore(opts: Pkcs11Options): Promise<KeyStore> {
  let mod: typeof Pkcs11;
  try {
    mod = (await import('pkcs11js')).default as unknown as typeof Pkcs11;
  } catch (err) {
    throw new KeyError('key_store_config', 'KEY_STORE=pkcs11 needs the pkcs11js package, which did not load (was its native build skipped?)', { cause: err });
  }
  const p11 = loadLibrary(mod, opts.module);
  let session: Buffer;
  try {
    const slots = p11.C_GetSlotList(true);
    const labels = slots.map((s) => p11.C_GetTokenInfo(s).label.trim());
    const slot = slots[labels.indexOf(opts.tokenLabel)];
    if (!slot) {
      throw new KeyError('key_store_config', `no PKCS#11 token labelled "${opts.tokenLabel}" (PKCS11_TOKEN_LABEL); tokens present: ${labels.map((l) => `"${l}"`).join(', ') || 'none'}`);
    }
    session = p11.C_OpenSession(slot, mod.CKF_RW_SESSION | mod.CKF_SERIAL_SESSION);
    try {
      p11.C_Login(session, mod.CKU_USER, opts.pin);
    } catch (err) {
      // Another session of this process may already be logged in; anything else (a wrong PIN) is fatal.
      if (!/CKR_USER_ALREADY_LOGGED_IN/.test((err as Error).message)) throw err;
    }
  } catch (err) {
    releaseLibrary(opts.module);
    if (err instanceof KeyError) throw err;
    // The message of a wrong PIN is CKR_PIN_INCORRECT; the PIN itself is never part of it.
    throw new KeyError('key_store_config', `cannot log in to PKCS#11 token "${opts.tokenLabel}": ${(err as Error).message}`, { cause: err });
  }

  function find(label: string, cls: number): Buffer | undefined {
    try {
      p11.C_FindObjectsInit(session, [
        { type: mod.CKA_CLASS, value: cls },
        { type: mod.CKA_LABEL, value: label },
      ]);
    } catch (err) {
      throw new KeyError('key_store_unavailable', `the PKCS#11 token did not answer a search for key "${label}": ${(err as Error).message}`, { cause: err });
    }
    try {
      const found = p11.C_FindObjects(session, 2);
      if (found.length > 1) throw new KeyError('key_store_unavailable', `the token holds more than one key labelled "${label}"`);
      return found[0];
    } finally {
      p11.C_FindObjectsFinal(session);
    }
  }

  function publicKeyOf(handle: Buffer): crypto.KeyObject {
    const [type] = p11.C_GetAttributeValue(session, handle, [{ type: mod.CKA_KEY_TYPE }]);
    // CK_ULONG comes back as native-endian bytes; key types are small numbers.
    if ((type.value as Buffer).readUInt32LE(0) === mod.CKK_EC) {
      const [params, point] = p11.C_GetAttributeValue(session, handle, [{ type: mod.CKA_EC_PARAMS }, { type: mod.CKA_EC_POINT }]);
      if (!(params.value as Buffer).equals(P256_OID_DER)) throw new KeyError('key_store_unavailable', 'the token key is not on curve P-256');
      return crypto.createPublicKey({ key: Buffer.concat([EC_SPKI_PREFIX, unwrapEcPoint(point.value as Buffer)]), format: 'der', type: 'spki' });
    }
    const [n, e] = p11.C_GetAttributeValue(session, handle, [{ type: mod.CKA_MODULUS }, { type: mod.CKA_PUBLIC_EXPONENT }]);
    return crypto.createPublicKey({ key: { kty: 'RSA', n: (n.value as Buffer).toString('base64url'), e: (e.value as Buffer).toString('base64url') }, format: 'jwk' });
  }

  function signerFor(label: string, privateHandle: Buffer, publicKey: crypto.KeyObject): KeySigner {
    const keyType = keyTypeOf(publicKey);
    return {
      publicKey,
      keyType,
      algorithmDer: algorithmDerOf(keyType),
      sign(data) {
        try {
          if (keyType === 'ec') {
            p11.C_SignInit(session, { mechanism: mod.CKM_ECDSA }, privateHandle);
            return p1363ToDer(p11.C_Sign(session, crypto.createHash('sha256').update(data).digest(), Buffer.alloc(132)));
          }
          p11.C_SignInit(session, { mechanism: mod.CKM_SHA256_RSA_PKCS }, privateHandle);
          return p11.C_Sign(session, data, Buffer.alloc(1024));
        } catch (err) {
          throw new KeyError('key_store_unavailable', `the PKCS#11 token did not sign with key "${label}": ${(err as Error).message}`, { cause: err });
        }
      },
    };
  }

  const idOf = (label: string) => crypto.createHash('sha256').update(label).digest().subarray(0, 16);
  const common = (label: string) => [
    { type: mod.CKA_TOKEN, value: true },
    { type: mod.CKA_LABEL, value: label },
    { type: mod.CKA_ID, value: idOf(label) },
  ];
  // The private half can sign and nothing else, and never leaves the token (PKCS#11 v2.40 §4.9).
  const privateAttrs = [
    { type: mod.CKA_PRIVATE, value: true },
    { type: mod.CKA_SENSITIVE, value: true },
    { type: mod.CKA_EXTRACTABLE, value: false },
    { type: mod.CKA_SIGN, value: true },
  ];
  const opened = new Map<string, KeySigner>();
  let closed = false;

  function assertUnused(label: string): void {
    if (find(label, mod.CKO_PRIVATE_KEY) || find(label, mod.CKO_PUBLIC_KEY)) {
      throw new KeyError('key_store_unavailable', `the token already holds a key labelled "${label}"`);
    }
  }

  return {
    kind: 'pkcs11',
    async open(label) {
      const cached = opened.get(label);
      if (cached) return cached;
      const priv = find(label, mod.CKO_PRIVATE_KEY);
      if (!priv) return undefined;
      const pub = find(label, mod.CKO_PUBLIC_KEY);
      if (!pub) throw new KeyError('key_store_unavailable', `the token holds private key "${label}" without its public key object`);
      const signer = signerFor(label, priv, publicKeyOf(pub));
      opened.set(label, signer);
      return signer;
    },
    async generate(label) {
      assertUnused(label);
      const kp = p11.C_GenerateKeyPair(
        session,
        { mechanism: mod.CKM_EC_KEY_PAIR_GEN },
        [...common(label), { type: mod.CKA_EC_PARAMS, value: P256_OID_DER }, { type: mod.CKA_VERIFY, value: true }],
        [...common(label), ...privateAttrs],
      );
      const signer = signerFor(label, kp.privateKey, publicKeyOf(kp.publicKey));
      opened.set(label, signer);
      return signer;
    },
    async importKey(label, privateKey) {
      assertUnused(label);
      const keyType = keyTypeOf(crypto.createPublicKey(privateKey));
      const jwk = privateKey.export({ format: 'jwk' });
      let priv: Buffer;
      let pub: Buffer;
      if (keyType === 'ec') {
        const point = Buffer.concat([Buffer.from([4]), b64u(jwk.x), b64u(jwk.y)]);
        const base = { type: mod.CKA_EC_PARAMS, value: P256_OID_DER };
        pub = p11.C_CreateObject(session, [
          { type: mod.CKA_CLASS, value: mod.CKO_PUBLIC_KEY }, { type: mod.CKA_KEY_TYPE, value: mod.CKK_EC }, ...common(label), base,
          { type: mod.CKA_EC_POINT, value: Buffer.concat([Buffer.from([0x04, point.length]), point]) }, { type: mod.CKA_VERIFY, value: true },
        ]);
        priv = p11.C_CreateObject(session, [
          { type: mod.CKA_CLASS, value: mod.CKO_PRIVATE_KEY }, { type: mod.CKA_KEY_TYPE, value: mod.CKK_EC }, ...common(label), ...privateAttrs, base,
          { type: mod.CKA_VALUE, value: b64u(jwk.d) },
        ]);
      } else {
        const n = { type: mod.CKA_MODULUS, value: b64u(jwk.n) };
        const e = { type: mod.CKA_PUBLIC_EXPONENT, value: b64u(jwk.e) };
        pub = p11.C_CreateObject(session, [
          { type: mod.CKA_CLASS, value: mod.CKO_PUBLIC_KEY }, { type: mod.CKA_KEY_TYPE, value: mod.CKK_RSA }, ...common(label), n, e, { type: mod.CKA_VERIFY, value: true },
        ]);
        priv = p11.C_CreateObject(session, [
          { type: mod.CKA_CLASS, value: mod.CKO_PRIVATE_KEY }, { type: mod.CKA_KEY_TYPE, value: mod.CKK_RSA }, ...common(label), ...privateAttrs, n, e,
          { type: mod.CKA_PRIVATE_EXPONENT, value: b64u(jwk.d) }, { type: mod.CKA_PRIME_1, value: b64u(jwk.p) }, { type: mod.CKA_PRIME_2, value: b64u(jwk.q) },
          { type: mod.CKA_EXPONENT_1, value: b64u(jwk.dp) }, { type: mod.CKA_EXPONENT_2, value: b64u(jwk.dq) }, { type: mod.CKA_COEFFICIENT, value: b64u(jwk.qi) },
        ]);
      }
      const signer = signerFor(label, priv, publicKeyOf(pub));
      opened.set(label, signer);
      return signer;
    },
    async close() {
      if (closed) return;
      closed = true;
      opened.clear();
      try {
        p11.C_CloseSession(session);
      } finally {
        releaseLibrary(opts.module);
      }
    },
  };
}
