// A small DER reader. The verifier needs the exact encoded bytes of several parts (signed
// attributes, certificates, TBS structures) and a full asn1js/pkijs parse of a SignedData costs
// milliseconds, so the envelope is walked by hand and only the small parts go through pkijs.

export interface Tlv {
  tag: number;
  /** offset of the first content byte */
  start: number;
  /** offset just past the content (and, for indefinite forms, past the end-of-contents octets) */
  end: number;
  headerStart: number;
  /** end of the content proper; differs from end only for indefinite lengths */
  contentEnd: number;
}

export class DerError extends Error {}

const MAX_DEPTH = 64;

/** One TLV at pos. Accepts BER indefinite lengths on constructed forms (some signers emit them). */
export function readTlv(b: Uint8Array, pos: number, limit = b.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new DerError('ASN.1 nesting too deep');
  if (pos + 2 > limit) throw new DerError('truncated ASN.1');
  const tag = b[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte ASN.1 tags are not supported');
  let len = b[pos + 1];
  let p = pos + 2;
  if (len === 0x80) {
    if (!(tag & 0x20)) throw new DerError('indefinite length on a primitive ASN.1 element');
    let q = p;
    for (;;) {
      if (q + 2 > limit) throw new DerError('unterminated indefinite-length ASN.1');
      if (b[q] === 0 && b[q + 1] === 0) return { tag, start: p, contentEnd: q, end: q + 2, headerStart: pos };
      q = readTlv(b, q, limit, depth + 1).end;
    }
  }
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new DerError('ASN.1 length too large');
    len = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw new DerError('truncated ASN.1 length');
      len = len * 256 + b[p++];
    }
  }
  if (p + len > limit) throw new DerError('ASN.1 length overruns its container');
  return { tag, start: p, end: p + len, contentEnd: p + len, headerStart: pos };
}

export function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.start; p < t.contentEnd; ) {
    const c = readTlv(b, p, t.contentEnd);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** The whole encoding (header included). */
export function raw(b: Buffer, t: Tlv): Buffer {
  return b.subarray(t.headerStart, t.end);
}

export function content(b: Buffer, t: Tlv): Buffer {
  return b.subarray(t.start, t.contentEnd);
}

/** OCTET STRING value, joining BER constructed segments (pkijs writes eContent that way). */
export function octetString(b: Buffer, t: Tlv): Buffer {
  if (t.tag === 0x04) return content(b, t);
  if (t.tag === 0x24) return Buffer.concat(children(b, t).map((c) => octetString(b, c)));
  throw new DerError('expected an OCTET STRING');
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}`);
  return t;
}

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DerError('empty OID');
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < bytes.length; i++) {
    v = v * 128 + (bytes[i] & 0x7f);
    if (!(bytes[i] & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export function readOid(b: Buffer, t: Tlv): string {
  return decodeOid(content(b, expectTag(t, 0x06, 'OBJECT IDENTIFIER')));
}

/** INTEGER → lowercase hex without sign padding or leading zeros (how serials are shown everywhere). */
export function integerHex(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex').replace(/^(00)+(?=.)/, '');
  return h.replace(/^0(?=.)/, '') || '0';
}

/** UTCTime / GeneralizedTime (as certificates, CRLs and TSTInfo encode them). */
export function readTime(b: Buffer, t: Tlv): Date {
  const s = content(b, t).toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === 0x17 && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
  }
  if (t.tag === 0x18 && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/))) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  }
  throw new DerError(`unsupported time encoding ${JSON.stringify(s)}`);
}

/** The three parts of SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING } (certificates, CRLs, BasicOCSPResponse). */
export function signedEnvelope(b: Buffer): { tbs: Buffer; algorithm: Buffer; signature: Buffer; rest: Tlv[]; top: Tlv } {
  const top = readTlv(b, 0);
  const [tbs, alg, bits, ...rest] = children(b, top);
  expectTag(tbs, 0x30, 'to-be-signed part');
  expectTag(alg, 0x30, 'signature algorithm');
  expectTag(bits, 0x03, 'signature BIT STRING');
  const sigBytes = content(b, bits);
  if (sigBytes.length < 1 || sigBytes[0] !== 0) throw new DerError('signature BIT STRING with unused bits');
  return { tbs: raw(b, tbs), algorithm: raw(b, alg), signature: sigBytes.subarray(1), rest, top };
}
