// Reads just enough of a PDF to locate objects: startxref → xref sections (tables or streams, hybrid
// /XRefStm too) along the /Prev chain, newest revision wins. A full parse (pdf-lib) costs tens of ms
// on a 200 KB file; signing only needs the catalog, the AcroForm and one field.
import { inflateSync } from 'node:zlib';
import { CosParser, getName, getNumber, isDict, type PdfDict, type PdfValue } from './cos.js';
import { SigningError } from './errors.js';

type XrefEntry =
  | { kind: 'free' }
  | { kind: 'offset'; offset: number; gen: number }
  | { kind: 'compressed'; stream: number; index: number };

export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfValue;
  /** Streams cannot be re-serialised from the dictionary alone. */
  isStream: boolean;
}

export class PdfReader {
  readonly trailer: PdfDict;
  /** Offset of the newest xref section, i.e. the /Prev of the revision we append. */
  readonly startxref: number;
  /** Whether the newest section is an xref stream (then our revision writes one too). */
  readonly usesXrefStream: boolean;
  readonly size: number;
  private readonly entries = new Map<number, XrefEntry>();
  private readonly cache = new Map<number, IndirectObject>();
  private readonly objStreams = new Map<number, { data: Buffer; offsets: Map<number, number> }>();

  constructor(readonly buf: Buffer) {
    this.startxref = findStartxref(buf);
    let trailer: PdfDict | undefined;
    let usesXrefStream = false;
    const seen = new Set<number>();
    let offset: number | undefined = this.startxref;
    while (offset !== undefined) {
      if (seen.has(offset)) throw new SigningError('malformed_pdf', 'xref /Prev loop');
      seen.add(offset);
      const section = this.readSection(offset);
      if (!trailer) {
        trailer = section.trailer;
        usesXrefStream = section.isStream;
      }
      const prev = getNumber(section.trailer, 'Prev');
      offset = prev;
    }
    this.trailer = trailer!;
    this.usesXrefStream = usesXrefStream;
    if (this.trailer.map.has('Encrypt')) {
      throw new SigningError('unsupported_pdf', 'encrypted PDFs cannot be signed incrementally by this service');
    }
    const size = getNumber(this.trailer, 'Size');
    if (size === undefined) throw new SigningError('malformed_pdf', 'trailer has no /Size');
    this.size = size;
  }

  private readSection(offset: number): { trailer: PdfDict; isStream: boolean } {
    const p = new CosParser(this.buf, offset);
    p.skipWs();
    if (this.buf.toString('latin1', p.pos, p.pos + 4) === 'xref') {
      p.pos += 4;
      this.readXrefTable(p);
      p.expectWord('trailer');
      const trailer = p.value();
      if (!isDict(trailer)) throw new SigningError('malformed_pdf', `trailer at ${offset} is not a dictionary`);
      // Hybrid-reference files hide their compressed objects in /XRefStm; table entries take precedence.
      const xrefStm = getNumber(trailer, 'XRefStm');
      if (xrefStm !== undefined) this.readXrefStream(xrefStm);
      return { trailer, isStream: false };
    }
    return { trailer: this.readXrefStream(offset), isStream: true };
  }

  private readXrefTable(p: CosParser): void {
    const b = this.buf;
    for (;;) {
      p.skipWs();
      const c = b[p.pos];
      if (c === undefined || c < 0x30 || c > 0x39) return; // "trailer"
      const first = p.int();
      const count = p.int();
      p.skipWs();
      let pos = p.pos;
      for (let i = 0; i < count; i++) {
        // Entries are nominally 20 bytes; parse by hand rather than trust the EOL width.
        const off = readDigits(b, pos, 10);
        const gen = readDigits(b, pos + 11, 5);
        const type = b[pos + 17];
        if (off < 0 || gen < 0 || (type !== 0x6e && type !== 0x66)) {
          throw new SigningError('malformed_pdf', `bad xref entry at byte ${pos}`);
        }
        pos += 18;
        while (b[pos] === 0x20 || b[pos] === 0x0d || b[pos] === 0x0a) pos++;
        const n = first + i;
        if (!this.entries.has(n)) {
          this.entries.set(n, type === 0x6e ? { kind: 'offset', offset: off, gen } : { kind: 'free' });
        }
      }
      p.pos = pos;
    }
  }

  private readXrefStream(offset: number): PdfDict {
    const obj = new CosParser(this.buf, offset).indirectObject();
    if (!isDict(obj.value) || getName(obj.value, 'Type') !== 'XRef' || obj.streamStart < 0) {
      throw new SigningError('malformed_pdf', `no xref table or xref stream at startxref ${offset}`);
    }
    const d = obj.value;
    const data = this.streamData(d, obj.streamStart);
    const w = arrayOfInts(d.map.get('W'));
    const size = getNumber(d, 'Size') ?? 0;
    const index = d.map.has('Index') ? arrayOfInts(d.map.get('Index')) : [0, size];
    if (w.length !== 3) throw new SigningError('malformed_pdf', 'xref stream /W must have 3 entries');
    const rowLen = w[0] + w[1] + w[2];
    let pos = 0;
    for (let s = 0; s + 1 < index.length; s += 2) {
      const first = index[s];
      const count = index[s + 1];
      for (let i = 0; i < count; i++) {
        if (pos + rowLen > data.length) throw new SigningError('malformed_pdf', 'xref stream too short');
        const type = w[0] === 0 ? 1 : readBE(data, pos, w[0]);
        const f2 = readBE(data, pos + w[0], w[1]);
        const f3 = readBE(data, pos + w[0] + w[1], w[2]);
        pos += rowLen;
        const n = first + i;
        if (this.entries.has(n)) continue;
        if (type === 0) this.entries.set(n, { kind: 'free' });
        else if (type === 1) this.entries.set(n, { kind: 'offset', offset: f2, gen: f3 });
        else if (type === 2) this.entries.set(n, { kind: 'compressed', stream: f2, index: f3 });
      }
    }
    return d;
  }

  /** Decoded data of a stream whose dictionary was parsed with its data starting at `start`. */
  streamData(d: PdfDict, start: number): Buffer {
    const lenV = d.map.get('Length');
    const len = lenV?.type === 'ref' ? this.resolve(lenV) : lenV;
    if (!len || len.type !== 'num') throw new SigningError('malformed_pdf', 'stream without /Length');
    let data = this.buf.subarray(start, start + len.value);
    const filter = d.map.get('Filter');
    const filters = filter === undefined ? [] : filter.type === 'array' ? filter.items : [filter];
    if (filters.length > 1 || (filters[0] && (filters[0].type !== 'name' || filters[0].name !== 'FlateDecode'))) {
      throw new SigningError('unsupported_pdf', 'only FlateDecode is supported for xref and object streams');
    }
    if (filters.length === 1) {
      try {
        data = inflateSync(data);
      } catch (e) {
        throw new SigningError('malformed_pdf', 'cannot inflate stream', { cause: e });
      }
      const parms = d.map.get('DecodeParms');
      const parmsD = parms?.type === 'array' ? parms.items[0] : parms;
      if (parmsD && isDict(parmsD)) {
        const predictor = getNumber(parmsD, 'Predictor') ?? 1;
        if (predictor >= 10) data = unpredictPng(data, getNumber(parmsD, 'Columns') ?? 1);
        else if (predictor !== 1) throw new SigningError('unsupported_pdf', `predictor ${predictor} not supported`);
      }
    }
    return data;
  }

  has(num: number): boolean {
    const e = this.entries.get(num);
    return e !== undefined && e.kind !== 'free';
  }

  getObject(num: number): IndirectObject {
    const cached = this.cache.get(num);
    if (cached) return cached;
    const e = this.entries.get(num);
    if (!e || e.kind === 'free') throw new SigningError('malformed_pdf', `object ${num} is not in the xref`);
    let obj: IndirectObject;
    if (e.kind === 'offset') {
      const parsed = new CosParser(this.buf, e.offset).indirectObject();
      if (parsed.num !== num) throw new SigningError('malformed_pdf', `xref offset for object ${num} points at object ${parsed.num}`);
      obj = { num, gen: parsed.gen, value: parsed.value, isStream: parsed.streamStart >= 0 };
    } else {
      const os = this.objectStream(e.stream);
      const at = os.offsets.get(num);
      if (at === undefined) throw new SigningError('malformed_pdf', `object ${num} missing from object stream ${e.stream}`);
      obj = { num, gen: 0, value: new CosParser(os.data, at).value(), isStream: false };
    }
    this.cache.set(num, obj);
    return obj;
  }

  private objectStream(num: number): { data: Buffer; offsets: Map<number, number> } {
    let os = this.objStreams.get(num);
    if (os) return os;
    const e = this.entries.get(num);
    if (!e || e.kind !== 'offset') throw new SigningError('malformed_pdf', `object stream ${num} not found`);
    const parsed = new CosParser(this.buf, e.offset).indirectObject();
    if (!isDict(parsed.value) || parsed.streamStart < 0) throw new SigningError('malformed_pdf', `object ${num} is not a stream`);
    const data = this.streamData(parsed.value, parsed.streamStart);
    const n = getNumber(parsed.value, 'N') ?? 0;
    const first = getNumber(parsed.value, 'First') ?? 0;
    const hp = new CosParser(data, 0);
    const offsets = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const objNum = hp.int();
      offsets.set(objNum, first + hp.int());
    }
    os = { data, offsets };
    this.objStreams.set(num, os);
    return os;
  }

  resolve(v: PdfValue | undefined): PdfValue | undefined {
    let guard = 0;
    while (v && v.type === 'ref') {
      if (++guard > 32) throw new SigningError('malformed_pdf', 'reference chain too long');
      v = this.has(v.num) ? this.getObject(v.num).value : undefined;
    }
    return v;
  }

  resolveDict(v: PdfValue | undefined): PdfDict | undefined {
    const r = this.resolve(v);
    return isDict(r) ? r : undefined;
  }
}

function findStartxref(buf: Buffer): number {
  const tailStart = Math.max(0, buf.length - 2048);
  const idx = buf.lastIndexOf('startxref', buf.length);
  if (idx < tailStart || idx < 0) throw new SigningError('malformed_pdf', 'no startxref near the end of the file');
  const p = new CosParser(buf, idx + 9);
  const off = p.int();
  if (off >= buf.length) throw new SigningError('malformed_pdf', 'startxref points past the end of the file');
  return off;
}

function readDigits(b: Buffer, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = b[pos + i] - 0x30;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

function readBE(b: Buffer, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[pos + i];
  return v;
}

function arrayOfInts(v: PdfValue | undefined): number[] {
  if (!v || v.type !== 'array') throw new SigningError('malformed_pdf', 'expected an array of integers');
  return v.items.map((x) => {
    if (x.type !== 'num') throw new SigningError('malformed_pdf', 'expected an integer');
    return x.value;
  });
}

function unpredictPng(data: Buffer, columns: number): Buffer {
  const rowLen = columns + 1;
  const rows = Math.floor(data.length / rowLen);
  const out = Buffer.alloc(rows * columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * rowLen];
    for (let c = 0; c < columns; c++) {
      const x = data[r * rowLen + 1 + c];
      const left = c > 0 ? out[r * columns + c - 1] : 0;
      const up = r > 0 ? out[(r - 1) * columns + c] : 0;
      const ul = r > 0 && c > 0 ? out[(r - 1) * columns + c - 1] : 0;
      let v: number;
      switch (type) {
        case 0: v = x; break;
        case 1: v = x + left; break;
        case 2: v = x + up; break;
        case 3: v = x + ((left + up) >> 1); break;
        case 4: {
          const pa = Math.abs(up - ul), pb = Math.abs(left - ul), pc = Math.abs(left + up - 2 * ul);
          v = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : ul);
          break;
        }
        default: throw new SigningError('malformed_pdf', `bad PNG predictor row type ${type}`);
      }
      out[r * columns + c] = v & 0xff;
    }
  }
  return out;
}
