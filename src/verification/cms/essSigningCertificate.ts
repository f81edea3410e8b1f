// ESS signing-certificate (RFC 2634) / -v2 (RFC 5035): binds the signature to one certificate so
// that a different certificate for the same key (other name, other policy) cannot be substituted.
import { digestInfo, hash } from './algorithms.js';
import type { ParsedCert } from './certificates.js';
import { children, content, readOid, readTlv } from './der.js';
import type { ParsedSignerInfo } from './signedData.js';

export const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

export type EssOutcome = 'v2' | 'v1' | 'missing' | 'mismatch';

/** Whether the first ESSCertID(v2) names `cert` (hash, and issuer/serial when present). */
function firstCertIdMatches(value: Buffer, cert: ParsedCert, v2: boolean): boolean {
  const top = readTlv(value, 0);
  const [certs] = children(value, top);
  const first = certs && children(value, certs)[0];
  if (!first) return false;
  const f = children(value, first);
  let i = 0;
  let digestOid = v2 ? SHA256_OID : '1.3.14.3.2.26';
  if (v2 && f[0]?.tag === 0x30) digestOid = readOid(value, children(value, f[i++])[0]);
  const certHash = f[i++];
  if (!certHash || certHash.tag !== 0x04) return false;
  const d = digestInfo(digestOid);
  if (!d || !content(value, certHash).equals(hash(d.node, cert.der))) return false;
  const issuerSerial = f[i];
  if (issuerSerial?.tag === 0x30) {
    const [names, serial] = children(value, issuerSerial);
    if (!serial || !content(value, serial).equals(content(cert.serialDer, readTlv(cert.serialDer, 0)))) return false;
    // GeneralNames: the directoryName [4] must be the certificate's issuer.
    const dirName = names && children(value, names).find((n) => n.tag === 0xa4);
    if (dirName && !value.subarray(children(value, dirName)[0].headerStart, children(value, dirName)[0].end).equals(cert.issuerDer)) return false;
  }
  return true;
}

export interface EssResult {
  outcome: EssOutcome;
  /** which attributes the signer put in: some signing tools write v1 beside v2, which is no substitution as long as both name the signer */
  present: ('v1' | 'v2')[];
}

/** Every attribute present must name `cert`; with both present, v2 (SHA-256 or better) is what is reported. */
export function checkSigningCertificate(si: ParsedSignerInfo, cert: ParsedCert | undefined): EssResult {
  const found = ([['v2', OID_SIGNING_CERTIFICATE_V2], ['v1', OID_SIGNING_CERTIFICATE]] as const)
    .map(([version, oid]) => ({ version, values: si.signedAttrs.get(oid) ?? [] }))
    .filter((a) => a.values.length > 0);
  const present = found.map((a) => a.version);
  if (found.length === 0) return { outcome: 'missing', present };
  const matches = (a: (typeof found)[number]): boolean => {
    if (!cert || a.values.length !== 1) return false;
    try {
      return firstCertIdMatches(a.values[0], cert, a.version === 'v2');
    } catch {
      return false;
    }
  };
  return { outcome: found.every(matches) ? found[0].version : 'mismatch', present };
}
