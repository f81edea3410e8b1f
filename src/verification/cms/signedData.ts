// ContentInfo(SignedData) → the raw pieces verification needs (RFC 5652 §5). Only structure is
// checked here; whether anything is true is decided by the other modules.
import { parseAlgorithmId, type AlgorithmId } from './algorithms.js';
import { children, content, DerError, expectTag, octetString, raw, readOid, readTlv } from './der.js';
import { CmsFormatError } from './errors.js';

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_RI_OCSP_RESPONSE = '1.3.6.1.5.5.7.16.2';
export const MAX_CERTIFICATES = 50;
const MAX_REVOCATION_ITEMS = 50;

export type Sid = { issuer: Buffer; serial: Buffer /* INTEGER content bytes */ } | { subjectKeyId: Buffer };

export interface ParsedSignerInfo {
  sid: Sid;
  digestAlgorithm: AlgorithmId;
  /** DER of the signed attributes re-tagged as SET (what the signature covers), if present */
  signedAttrsDer?: Buffer;
  signedAttrs: Map<string, Buffer[]>;
  signatureAlgorithm: AlgorithmId;
  signature: Buffer;
  unsignedAttrs: Map<string, Buffer[]>;
}

export interface ParsedSignedData {
  eContentType: string;
  eContent?: Buffer;
  certificates: Buffer[];
  /** more certificates than MAX_CERTIFICATES were present; the rest were ignored */
  certificatesTruncated: boolean;
  crls: Buffer[];
  ocsps: Buffer[];
  signerInfos: ParsedSignerInfo[];
}

/** attribute type → each value's full encoding; a repeated type keeps all occurrences so callers can refuse ambiguity. */
function attributes(b: Buffer, set: ReturnType<typeof readTlv>): Map<string, Buffer[]> {
  const out = new Map<string, Buffer[]>();
  for (const attr of children(b, set)) {
    const [type, values] = children(b, expectTag(attr, 0x30, 'Attribute'));
    const oid = readOid(b, type);
    const list = out.get(oid) ?? [];
    for (const v of children(b, expectTag(values, 0x31, 'AttributeValues'))) list.push(raw(b, v));
    out.set(oid, list);
  }
  return out;
}

function parseSignerInfo(b: Buffer, si: ReturnType<typeof readTlv>): ParsedSignerInfo {
  const f = children(b, expectTag(si, 0x30, 'SignerInfo'));
  let i = 1;
  const sidTlv = f[i++];
  let sid: Sid;
  if (sidTlv?.tag === 0x30) {
    const [issuer, serial] = children(b, sidTlv);
    sid = { issuer: raw(b, expectTag(issuer, 0x30, 'sid issuer')), serial: content(b, expectTag(serial, 0x02, 'sid serial')) };
  } else if (sidTlv?.tag === 0x80) {
    sid = { subjectKeyId: content(b, sidTlv) };
  } else throw new DerError('unsupported SignerIdentifier');
  const digestAlgorithm = parseAlgorithmId(raw(b, expectTag(f[i++], 0x30, 'digestAlgorithm')));
  let signedAttrsDer: Buffer | undefined;
  let signedAttrs = new Map<string, Buffer[]>();
  if (f[i]?.tag === 0xa0) {
    const t = f[i++];
    // The signature covers the attributes with the universal SET tag, not the [0] IMPLICIT one.
    signedAttrsDer = Buffer.from(raw(b, t));
    signedAttrsDer[0] = 0x31;
    signedAttrs = attributes(b, t);
  }
  const signatureAlgorithm = parseAlgorithmId(raw(b, expectTag(f[i++], 0x30, 'signatureAlgorithm')));
  const signature = octetString(b, f[i++] ?? (() => { throw new DerError('missing signature'); })());
  const unsignedAttrs = f[i]?.tag === 0xa1 ? attributes(b, f[i]) : new Map<string, Buffer[]>();
  return { sid, digestAlgorithm, signedAttrsDer, signedAttrs, signatureAlgorithm, signature, unsignedAttrs };
}

/** Parses the first DER element of `input`; anything after it must be the zero padding of a PDF /Contents placeholder. */
export function parseSignedData(input: Buffer): ParsedSignedData {
  if (!Buffer.isBuffer(input) && !((input as unknown) instanceof Uint8Array)) throw new CmsFormatError('cms_malformed', 'CMS must be bytes');
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input);
  if (b.length === 0) throw new CmsFormatError('cms_malformed', 'empty CMS');
  try {
    const ci = readTlv(b, 0);
    for (let p = ci.end; p < b.length; p++) if (b[p] !== 0) throw new CmsFormatError('cms_malformed', 'non-zero bytes after the CMS structure');
    const [ctOid, ctx] = children(b, expectTag(ci, 0x30, 'ContentInfo'));
    const contentType = readOid(b, ctOid);
    if (contentType !== OID_SIGNED_DATA) throw new CmsFormatError('cms_unsupported', `ContentInfo type ${contentType} is not SignedData`);
    const sd = children(b, expectTag(children(b, expectTag(ctx, 0xa0, 'ContentInfo content'))[0], 0x30, 'SignedData'));
    expectTag(sd[0], 0x02, 'SignedData version');
    expectTag(sd[1], 0x31, 'digestAlgorithms');
    const encap = children(b, expectTag(sd[2], 0x30, 'encapContentInfo'));
    const eContentType = readOid(b, encap[0]);
    const eContent = encap[1] ? octetString(b, children(b, expectTag(encap[1], 0xa0, 'eContent'))[0]) : undefined;
    const certificates: Buffer[] = [];
    const crls: Buffer[] = [];
    const ocsps: Buffer[] = [];
    let certificatesTruncated = false;
    let i = 3;
    if (sd[i]?.tag === 0xa0) {
      for (const c of children(b, sd[i++])) {
        if (c.tag !== 0x30) continue; // attribute certificates and other formats carry no signer keys
        if (certificates.length >= MAX_CERTIFICATES) certificatesTruncated = true;
        else certificates.push(raw(b, c));
      }
    }
    if (sd[i]?.tag === 0xa1) {
      for (const c of children(b, sd[i++])) {
        if (crls.length + ocsps.length >= MAX_REVOCATION_ITEMS) break;
        if (c.tag === 0x30) crls.push(raw(b, c));
        else if (c.tag === 0xa1) {
          const [fmt, info] = children(b, c);
          if (readOid(b, fmt) === OID_RI_OCSP_RESPONSE && info) ocsps.push(raw(b, info));
        }
      }
    }
    const signerInfos = children(b, expectTag(sd[i], 0x31, 'signerInfos')).map((si) => parseSignerInfo(b, si));
    if (signerInfos.length === 0) throw new CmsFormatError('cms_malformed', 'SignedData has no SignerInfo');
    return { eContentType, eContent, certificates, certificatesTruncated, crls, ocsps, signerInfos };
  } catch (e) {
    if (e instanceof CmsFormatError) throw e;
    throw new CmsFormatError('cms_malformed', `not a CMS SignedData: ${(e as Error).message}`, { cause: e });
  }
}
