// Optional network look-ups (AIA OCSP, CDP CRL). Off by default: an auditor's verdict should not
// depend on a server being up, and offline use must never hang, hence the hard 5 s timeout.
import { hash } from './algorithms.js';
import type { ParsedCert } from './certificates.js';
import { content, readTlv } from './der.js';

const TIMEOUT_MS = 5000;
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len = body.length;
  const header = len < 0x80 ? Buffer.from([tag, len]) : len < 0x100 ? Buffer.from([tag, 0x81, len]) : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([header, body]);
}

const SHA1_ALG = Buffer.from('300906052b0e03021a0500', 'hex');

/** RFC 6960 OCSPRequest for one certificate, CertID with SHA-1 (what every responder understands). */
export function ocspRequest(cert: ParsedCert, issuer: ParsedCert): Buffer {
  const serial = content(cert.serialDer, readTlv(cert.serialDer, 0));
  const certId = tlv(0x30, SHA1_ALG, tlv(0x04, hash('sha1', issuer.subjectDer)), tlv(0x04, hash('sha1', issuer.publicKeyBits)), tlv(0x02, serial));
  return tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30, certId))));
}

async function fetchBytes(url: string, init: RequestInit): Promise<Buffer | undefined> {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'follow' });
    if (!res.ok) return undefined;
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_RESPONSE_BYTES) return undefined;
    const body = Buffer.from(await res.arrayBuffer());
    return body.length > MAX_RESPONSE_BYTES ? undefined : body;
  } catch {
    return undefined;
  }
}

export async function fetchOcsp(url: string, cert: ParsedCert, issuer: ParsedCert): Promise<Buffer | undefined> {
  return fetchBytes(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(ocspRequest(cert, issuer)) });
}

export async function fetchCrl(url: string): Promise<Buffer | undefined> {
  const body = await fetchBytes(url, { method: 'GET' });
  if (!body) return undefined;
  // Some distribution points serve PEM.
  const pem = body.toString('latin1').match(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/);
  return pem ? Buffer.from(pem[1].replace(/\s+/g, ''), 'base64') : body;
}
