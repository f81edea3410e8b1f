import crypto from 'node:crypto';
import type { KeySigner } from '../keys/keySigner.js';
import { PkiError } from './errors.js';

/**
 * Minimal DER assembly for the few places where wrapping already-encoded parts by hand
 * avoids re-parsing them (pkijs's toSchema() would decode a TBS it just encoded).
 */
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else if (len < 0x100) header = Buffer.from([tag, 0x81, len]);
  else if (len < 0x10000) header = Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  else header = Buffer.from([tag, 0x83, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([header, content]);
}

export const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  adOcsp: '1.3.6.1.5.5.7.48.1',
  adCaIssuers: '1.3.6.1.5.5.7.48.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  certificatePolicies: '2.5.29.32',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
} as const;

/** SEQUENCE { tbs, algorithm, BIT STRING signature } — the shape of Certificate, CertificateList and BasicOCSPResponse's start. */
export function signedEnvelope(tbs: Buffer, key: KeySigner): Buffer {
  return tlv(0x30, tbs, key.algorithmDer, tlv(0x03, Buffer.from([0]), key.sign(tbs)));
}

/**
 * 16 random bytes read as a positive INTEGER with a non-zero first byte: the top bit is
 * cleared (positive) and bit 6 set (so DER never needs a leading 0x00 and the hex form has
 * no leading zeros, which keeps the DB key canonical). 126 bits of entropy.
 */
export function randomSerial(): Buffer {
  const b = crypto.randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x40;
  return b;
}

/** Canonical serial text used as the DB key: lowercase hex, no separators, no leading zeros. */
export function normaliseSerialHex(input: string): string {
  const s = String(input).trim().toLowerCase().replace(/^0x/, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-f]+$/.test(s) || s.length > 80) {
    throw new PkiError('bad_request', `not a hexadecimal certificate serial: ${JSON.stringify(input)}`);
  }
  return s.replace(/^0+(?=.)/, '');
}

/** Serial bytes as stored in an INTEGER (possibly with a 0x00 sign byte) → canonical hex. */
export function serialHexFromBytes(bytes: Uint8Array): string {
  return normaliseSerialHex(Buffer.from(bytes).toString('hex') || '0');
}

/** Canonical hex → minimal positive INTEGER content bytes. */
export function serialBytesFromHex(hex: string): Buffer {
  let h = normaliseSerialHex(hex);
  if (h.length % 2) h = '0' + h;
  const b = Buffer.from(h, 'hex');
  return b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** Every PEM block of the given label in a text, in order. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

export function sha1(data: Uint8Array): Buffer {
  return crypto.createHash('sha1').update(data).digest();
}

export function sha256(data: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}

export function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
