// Universal Signature Forgery and Signature Wrapping live here: the signed bytes must be the whole
// revision minus exactly the /Contents hex string of this very signature dictionary.
import { CosParser, isDict, type PdfDict } from '../pdf/cos.js';
import type { PdfObjects } from '../pdf/pdfReader.js';

export interface SignedRegion {
  byteRange: number[];
  /** Exactly the DER of the CMS: neither the placeholder's padding nor anything after it. */
  cms: Buffer;
  /** Non-zero bytes after the CMS: no part of the signature (some signing tools leave them). */
  trailingBytes: number;
  /** Bytes covered by the ByteRange, concatenated. */
  signedBytes: Buffer;
}

export type ByteRangeCheck = { ok: true; region: SignedRegion } | { ok: false; byteRange: number[] | null; reasons: string[] };

export function checkByteRange(objs: PdfObjects, sigNum: number | null, sig: PdfDict): ByteRangeCheck {
  const buf = objs.buf;
  const reasons: string[] = [];
  const fail = (byteRange: number[] | null = null): ByteRangeCheck => ({ ok: false, byteRange, reasons });

  const contents = sig.map.get('Contents');
  if (!contents) reasons.push('contents_missing: the signature dictionary has no /Contents');
  else if (contents.type !== 'str') reasons.push('contents_not_string: /Contents is not a string');
  else if (!contents.raw.startsWith('<')) reasons.push('contents_not_hex: /Contents is a literal string, not a hex string');
  else if (/[^0-9a-fA-F\s]/.test(contents.raw.slice(1, -1))) reasons.push('contents_not_hex: /Contents holds characters that are not hex digits');

  const br = sig.map.get('ByteRange');
  let range: number[] | null = null;
  if (!br) reasons.push('byterange_missing: the signature dictionary has no /ByteRange');
  else if (br.type !== 'array') reasons.push('byterange_malformed: /ByteRange is not an array');
  else if (br.items.length !== 4) reasons.push(`byterange_malformed: /ByteRange has ${br.items.length} entries, not 4`);
  else if (br.items.some((x) => x.type !== 'num' || !Number.isSafeInteger(x.value) || x.value < 0)) {
    reasons.push('byterange_malformed: /ByteRange entries must be non-negative integers');
  } else {
    range = br.items.map((x) => (x.type === 'num' ? x.value : 0));
  }
  if (reasons.length || !range || !contents || contents.type !== 'str') return fail(range);

  const [a, b, c, d] = range;
  if (a !== 0) reasons.push(`byterange_not_from_start: the signed bytes start at ${a}, not 0`);
  if (b === 0 || c < a + b) reasons.push('byterange_overlap: the two ranges overlap or are out of order');
  if (c + d > buf.length) reasons.push(`byterange_past_eof: the ranges end at ${c + d}, the file has ${buf.length} bytes`);
  if (reasons.length) return fail(range);

  // Where does this dictionary's /Contents string actually lie in the file?
  if (sigNum === null) {
    reasons.push('signature_not_indirect: the signature dictionary is not an indirect object, so its /Contents cannot be located');
    return fail(range);
  }
  const obj = objs.getObject(sigNum);
  if (obj.offset < 0) {
    reasons.push('signature_in_object_stream: the signature dictionary is compressed inside an object stream, so its /Contents cannot be excluded by a byte range');
    return fail(range);
  }
  const p = new CosParser(buf, obj.offset);
  p.trackSpans = true;
  const reparsed = p.indirectObject().value;
  const span = isDict(reparsed) ? reparsed.spans?.get('Contents') : undefined;
  if (!span || span[0] !== b || span[1] !== c) {
    reasons.push(
      `byterange_gap_mismatch: the unsigned gap [${b}, ${c}) is not exactly the /Contents string` +
        (span ? ` at [${span[0]}, ${span[1]})` : ''),
    );
    return fail(range);
  }

  const hex = buf.toString('latin1', b + 1, c - 1).replace(/\s+/g, '');
  if (hex.length % 2) reasons.push('contents_not_hex: odd number of hex digits');
  const raw = Buffer.from(hex, 'hex');
  const der = trimDer(raw);
  if (raw.length === 0 || raw.every((x) => x === 0)) reasons.push('contents_empty: /Contents holds no signature');
  else if (!der) reasons.push('contents_not_der: /Contents does not start with a complete DER structure');
  if (reasons.length || !der) return fail(range);

  // The gap is unsigned whatever it holds, and only `der` reaches the CMS parser, so bytes after the
  // CMS cannot change what is verified: a warning, not an integrity failure.
  const trailingBytes = raw.subarray(der.length).reduce((n, x) => (x === 0 ? n : n + 1), 0);
  const signedBytes = Buffer.concat([buf.subarray(a, a + b), buf.subarray(c, c + d)]);
  return { ok: true, region: { byteRange: range, cms: der, trailingBytes, signedBytes } };
}

/**
 * The first BER/DER element (a SEQUENCE), or undefined when the bytes do not hold a complete one.
 * NSS (pdfsig) writes indefinite lengths, so the end is found by walking the encoding.
 */
function trimDer(b: Buffer): Buffer | undefined {
  if (b.length < 2 || b[0] !== 0x30) return undefined;
  const end = berEnd(b, 0, 0);
  return end === undefined ? undefined : b.subarray(0, end);
}

const MAX_BER_DEPTH = 64;

function berEnd(b: Buffer, pos: number, depth: number): number | undefined {
  if (depth > MAX_BER_DEPTH || pos + 2 > b.length) return undefined;
  const tag = b[pos];
  let p = pos + 1;
  if ((tag & 0x1f) === 0x1f) {
    while (p < b.length && b[p] & 0x80) p++;
    p++;
  }
  if (p >= b.length) return undefined;
  const first = b[p++];
  if (first === 0x80) {
    if (!(tag & 0x20)) return undefined;
    for (;;) {
      if (p + 2 > b.length) return undefined;
      if (b[p] === 0 && b[p + 1] === 0) return p + 2;
      const next = berEnd(b, p, depth + 1);
      if (next === undefined) return undefined;
      p = next;
    }
  }
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || p + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  return p + len <= b.length ? p + len : undefined;
}
