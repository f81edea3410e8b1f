// Minimal PDF object model (ISO 32000-1 §7.3), enough to read and re-serialise the few dictionaries a
// signature touches and to compare objects across revisions. Strings keep their raw bytes so that
// re-serialised objects differ from the original only in the entries we change.
import { DEFAULT_LIMITS, PdfFormatError } from './errors.js';

export type PdfValue = PdfDict | PdfArray | PdfName | PdfNum | PdfStr | PdfRef | PdfBool | PdfNull;
export interface PdfDict {
  type: 'dict';
  map: Map<string, PdfValue>;
  /** Byte span [start, end) of each value in the parsed buffer; only when the parser tracks spans. */
  spans?: Map<string, [number, number]>;
}
export interface PdfArray { type: 'array'; items: PdfValue[] }
export interface PdfName { type: 'name'; name: string }
export interface PdfNum { type: 'num'; value: number; raw: string }
/** raw = the token as written, delimiters included */
export interface PdfStr { type: 'str'; raw: string }
export interface PdfRef { type: 'ref'; num: number; gen: number }
export interface PdfBool { type: 'bool'; value: boolean }
export interface PdfNull { type: 'null' }

export const NULL: PdfNull = { type: 'null' };

export function dict(entries: Array<[string, PdfValue]> = []): PdfDict {
  return { type: 'dict', map: new Map(entries) };
}
export function name(n: string): PdfName {
  return { type: 'name', name: n };
}
export function num(n: number): PdfNum {
  return { type: 'num', value: n, raw: formatNumber(n) };
}
export function ref(n: number, gen = 0): PdfRef {
  return { type: 'ref', num: n, gen };
}
export function arr(items: PdfValue[]): PdfArray {
  return { type: 'array', items };
}
export function rawStr(raw: string): PdfStr {
  return { type: 'str', raw };
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = n.toFixed(3);
  return s.replace(/\.?0+$/, '') || '0';
}

// Character classes per §7.2.2, indexed by byte.
const WS = new Uint8Array(256);
const DELIM = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

export class CosParser {
  pos: number;
  /** Set to record value spans in dictionaries (the verifier locates /Contents by byte). */
  trackSpans = false;
  private depth = 0;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    private readonly maxDepth = DEFAULT_LIMITS.maxDepth,
  ) {
    this.pos = pos;
  }

  fail(msg: string): never {
    throw new PdfFormatError('malformed_pdf', `${msg} at byte ${this.pos}`);
  }

  skipWs(): void {
    const b = this.buf;
    let p = this.pos;
    for (;;) {
      const c = b[p];
      if (c === undefined) break;
      if (WS[c]) { p++; continue; }
      if (c === 0x25 /* % */) {
        while (p < b.length && b[p] !== 10 && b[p] !== 13) p++;
        continue;
      }
      break;
    }
    this.pos = p;
  }

  /**
   * Whitespace and comments, except "%%EOF": a comment to skipWs but a marker to the revision reader.
   * Writers put their own comments between trailer and startxref (iText: "%iText-5.5.0").
   */
  skipWsToEof(): void {
    const b = this.buf;
    for (;;) {
      while (this.pos < b.length && WS[b[this.pos]]) this.pos++;
      if (b[this.pos] !== 0x25 || b.toString('latin1', this.pos, this.pos + 5) === '%%EOF') return;
      while (this.pos < b.length && b[this.pos] !== 10 && b[this.pos] !== 13) this.pos++;
    }
  }

  /** Regular-character run (keywords, numbers). */
  word(): string {
    this.skipWs();
    const b = this.buf;
    const start = this.pos;
    let p = start;
    while (p < b.length && !WS[b[p]] && !DELIM[b[p]]) p++;
    this.pos = p;
    return b.toString('latin1', start, p);
  }

  expectWord(w: string): void {
    const got = this.word();
    if (got !== w) this.fail(`expected "${w}", got "${got.slice(0, 20)}"`);
  }

  int(): number {
    const w = this.word();
    if (!/^\d+$/.test(w)) this.fail(`expected integer, got "${w.slice(0, 20)}"`);
    return Number(w);
  }

  /** Reads "N G obj" and the object; stream data is left to the caller (streamStart). */
  indirectObject(): { num: number; gen: number; value: PdfValue; streamStart: number } {
    const n = this.int();
    const g = this.int();
    this.expectWord('obj');
    const value = this.value();
    let streamStart = -1;
    const save = this.pos;
    this.skipWs();
    if (this.buf.toString('latin1', this.pos, this.pos + 6) === 'stream') {
      let p = this.pos + 6;
      if (this.buf[p] === 13) p++;
      if (this.buf[p] === 10) p++;
      streamStart = p;
    } else {
      this.pos = save;
    }
    return { num: n, gen: g, value, streamStart };
  }

  value(): PdfValue {
    this.skipWs();
    const b = this.buf;
    const c = b[this.pos];
    if (c === undefined) this.fail('unexpected end of file');
    switch (c) {
      case 0x2f /* / */: return this.nameToken();
      case 0x28 /* ( */: return this.literalString();
      case 0x3c /* < */:
        if (b[this.pos + 1] === 0x3c) return this.nested(() => this.dictionary());
        return this.hexString();
      case 0x5b /* [ */:
        return this.nested(() => {
          this.pos++;
          const items: PdfValue[] = [];
          for (;;) {
            this.skipWs();
            if (b[this.pos] === 0x5d) { this.pos++; break; }
            if (this.pos >= b.length) this.fail('unterminated array');
            items.push(this.value());
          }
          return { type: 'array', items };
        });
    }
    const w = this.word();
    if (w === '') this.fail(`unexpected character "${String.fromCharCode(c)}"`);
    if (w === 'true' || w === 'false') return { type: 'bool', value: w === 'true' };
    if (w === 'null') return NULL;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(w)) this.fail(`unexpected token "${w.slice(0, 20)}"`);
    // An integer may start an indirect reference "N G R".
    if (/^\d+$/.test(w)) {
      const save = this.pos;
      const g = this.word();
      if (/^\d+$/.test(g)) {
        const r = this.word();
        if (r === 'R') return { type: 'ref', num: Number(w), gen: Number(g) };
      }
      this.pos = save;
    }
    return { type: 'num', value: Number(w), raw: w };
  }

  // Deeply nested containers would otherwise overflow the JS stack on hostile input.
  private nested<T>(f: () => T): T {
    if (++this.depth > this.maxDepth) {
      throw new PdfFormatError('too_complex', `objects nested deeper than ${this.maxDepth} at byte ${this.pos}`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private nameToken(): PdfName {
    const b = this.buf;
    let p = this.pos + 1;
    const start = p;
    while (p < b.length && !WS[b[p]] && !DELIM[b[p]]) p++;
    this.pos = p;
    let raw = b.toString('latin1', start, p);
    if (raw.includes('#')) raw = raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return { type: 'name', name: raw };
  }

  private dictionary(): PdfDict {
    const b = this.buf;
    this.pos += 2;
    const map = new Map<string, PdfValue>();
    const spans = this.trackSpans ? new Map<string, [number, number]>() : undefined;
    for (;;) {
      this.skipWs();
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) { this.pos += 2; break; }
      if (b[this.pos] !== 0x2f) this.fail('expected name key in dictionary');
      const key = this.nameToken().name;
      if (spans) {
        this.skipWs();
        const start = this.pos;
        map.set(key, this.value());
        spans.set(key, [start, this.pos]);
      } else {
        map.set(key, this.value());
      }
    }
    return spans ? { type: 'dict', map, spans } : { type: 'dict', map };
  }

  private literalString(): PdfStr {
    const b = this.buf;
    const start = this.pos;
    let p = start + 1;
    let depth = 1;
    while (p < b.length) {
      const c = b[p];
      if (c === 0x5c /* \ */) { p += 2; continue; }
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) { p++; break; }
      p++;
    }
    if (depth !== 0) this.fail('unterminated string');
    this.pos = p;
    return { type: 'str', raw: b.toString('latin1', start, p) };
  }

  private hexString(): PdfStr {
    const end = this.buf.indexOf(0x3e, this.pos);
    if (end < 0) this.fail('unterminated hex string');
    const raw = this.buf.toString('latin1', this.pos, end + 1);
    this.pos = end + 1;
    return { type: 'str', raw };
  }
}

/** Decoded bytes of a string token. */
export function stringBytes(s: PdfStr): Buffer {
  const raw = s.raw;
  if (raw[0] === '<') {
    let hex = raw.slice(1, -1).replace(/[^0-9a-fA-F]/g, '');
    if (hex.length % 2) hex += '0';
    return Buffer.from(hex, 'hex');
  }
  const out: number[] = [];
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 0x5c) { out.push(c); continue; }
    const n = raw[++i];
    switch (n) {
      case 'n': out.push(10); break;
      case 'r': out.push(13); break;
      case 't': out.push(9); break;
      case 'b': out.push(8); break;
      case 'f': out.push(12); break;
      case '\r': if (raw[i + 1] === '\n') i++; break;
      case '\n': break;
      default:
        if (n >= '0' && n <= '7') {
          let oct = n;
          while (oct.length < 3 && raw[i + 1] >= '0' && raw[i + 1] <= '7') oct += raw[++i];
          out.push(parseInt(oct, 8) & 0xff);
        } else {
          out.push(n.charCodeAt(0));
        }
    }
  }
  return Buffer.from(out);
}

/** Text string (§7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding (≈ Latin-1). */
export function textString(s: PdfStr): string {
  const b = stringBytes(s);
  if (b[0] === 0xfe && b[1] === 0xff) {
    const sw = Buffer.from(b.subarray(2));
    sw.swap16();
    return sw.toString('utf16le');
  }
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}

/** Encodes a text string so any Unicode survives: plain literal for printable ASCII, else UTF-16BE hex. */
export function encodeTextString(text: string): PdfStr {
  if (/^[\x20-\x7e]*$/.test(text)) {
    return rawStr('(' + text.replace(/[\\()]/g, (m) => '\\' + m) + ')');
  }
  const le = Buffer.from(text, 'utf16le');
  le.swap16();
  return rawStr('<FEFF' + le.toString('hex').toUpperCase() + '>');
}

function encodeName(n: string): string {
  let out = '/';
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x23 || DELIM[c]) out += '#' + c.toString(16).padStart(2, '0');
    else out += n[i];
  }
  return out;
}

export function serialize(v: PdfValue): string {
  switch (v.type) {
    case 'dict': {
      let s = '<<';
      for (const [k, val] of v.map) s += encodeName(k) + ' ' + serialize(val) + ' ';
      return s + '>>';
    }
    case 'array': return '[' + v.items.map(serialize).join(' ') + ']';
    case 'name': return encodeName(v.name);
    case 'num': return v.raw;
    case 'str': return v.raw;
    case 'ref': return `${v.num} ${v.gen} R`;
    case 'bool': return v.value ? 'true' : 'false';
    case 'null': return 'null';
  }
}

export function isDict(v: PdfValue | undefined): v is PdfDict {
  return v !== undefined && v.type === 'dict';
}
export function getName(d: PdfDict, key: string): string | undefined {
  const v = d.map.get(key);
  return v && v.type === 'name' ? v.name : undefined;
}
export function getNumber(d: PdfDict, key: string): number | undefined {
  const v = d.map.get(key);
  return v && v.type === 'num' ? v.value : undefined;
}
