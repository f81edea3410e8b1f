// Reads just enough of a PDF to locate objects: startxref → xref sections (tables or streams, hybrid
// /XRefStm too) along the /Prev chain. A full parse (pdf-lib) costs tens of ms on a 200 KB file;
// signing only needs the catalog, the AcroForm and one field, and verifying needs each revision's
// object table separately, which no full parser exposes.
import { inflateSync } from 'node:zlib';
import { CosParser, getName, getNumber, isDict, type PdfDict, type PdfValue } from './cos.js';
import { DEFAULT_LIMITS, PdfFormatError, type PdfLimits } from './errors.js';

export type XrefEntry =
  | { kind: 'free' }
  | { kind: 'offset'; offset: number; gen: number }
  | { kind: 'compressed'; stream: number; index: number };

export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfValue;
  /** Streams cannot be re-serialised from the dictionary alone. */
  isStream: boolean;
  /** Absolute offset of the stream data, -1 for non-streams and objects inside object streams. */
  streamStart: number;
  /** Absolute offset of "N G obj", -1 for objects inside object streams. */
  offset: number;
}

/** One cross-reference section as written in the file. */
export interface XrefSection {
  offset: number;
  isStream: boolean;
  trailer: PdfDict;
  /** Entries written in this section (a hybrid file's /XRefStm entries included, the table's win). */
  entries: ReadonlyMap<number, XrefEntry>;
  /** Object number of the xref stream itself, when isStream. */
  streamObject?: number;
  /** First byte after this section's "%%EOF" and its end-of-line; -1 when no %%EOF follows it. */
  end: number;
}

/** One revision: the original file or one incremental update (usually exactly one xref section). */
export interface Revision {
  index: number;
  /** First byte of the revision: end of the previous one, 0 for the first. */
  start: number;
  /** First byte after its %%EOF line. */
  end: number;
  trailer: PdfDict;
  /** Its sections, oldest first (two for the first revision of a linearized file). */
  sections: XrefSection[];
}

export interface PdfReaderOptions {
  limits?: Partial<PdfLimits>;
}

interface Shared {
  buf: Buffer;
  limits: PdfLimits;
  /** Parsed objects by their location: identical across the views of every revision. */
  parsed: Map<string, { num: number; gen: number; value: PdfValue; streamStart: number; offset: number }>;
  objStreams: Map<number, { data: Buffer; offsets: Map<number, number> }>;
}

/**
 * The object table as of one revision. Lookups walk the sections newest first, so the view of an
 * earlier revision simply ignores everything appended after it.
 */
export class PdfObjects {
  readonly buf: Buffer;
  private readonly cache = new Map<number, IndirectObject>();

  constructor(
    protected readonly shared: Shared,
    /** Sections visible in this view, oldest first. */
    readonly sections: readonly XrefSection[],
    readonly trailer: PdfDict,
  ) {
    this.buf = shared.buf;
  }

  entry(num: number): XrefEntry | undefined {
    for (let i = this.sections.length - 1; i >= 0; i--) {
      const e = this.sections[i].entries.get(num);
      if (e) return e;
    }
    return undefined;
  }

  has(num: number): boolean {
    const e = this.entry(num);
    return e !== undefined && e.kind !== 'free';
  }

  /** Every object number with a non-free entry in this view. */
  objectNumbers(): number[] {
    const out = new Set<number>();
    const seen = new Set<number>();
    for (let i = this.sections.length - 1; i >= 0; i--) {
      for (const [n, e] of this.sections[i].entries) {
        if (seen.has(n)) continue;
        seen.add(n);
        if (e.kind !== 'free') out.add(n);
      }
    }
    return [...out];
  }

  getObject(num: number): IndirectObject {
    const cached = this.cache.get(num);
    if (cached) return cached;
    const e = this.entry(num);
    if (!e || e.kind === 'free') throw new PdfFormatError('malformed_pdf', `object ${num} is not in the xref`);
    let obj: IndirectObject;
    if (e.kind === 'offset') {
      const parsed = this.parseAt(e.offset);
      if (parsed.num !== num) throw new PdfFormatError('malformed_pdf', `xref offset for object ${num} points at object ${parsed.num}`);
      obj = { num, gen: parsed.gen, value: parsed.value, isStream: parsed.streamStart >= 0, streamStart: parsed.streamStart, offset: e.offset };
    } else {
      const key = `c${e.stream}:${num}`;
      let p = this.shared.parsed.get(key);
      if (!p) {
        const os = this.objectStream(e.stream);
        const at = os.offsets.get(num);
        if (at === undefined) throw new PdfFormatError('malformed_pdf', `object ${num} missing from object stream ${e.stream}`);
        p = { num, gen: 0, value: new CosParser(os.data, at, this.shared.limits.maxDepth).value(), streamStart: -1, offset: -1 };
        this.shared.parsed.set(key, p);
      }
      obj = { num, gen: 0, value: p.value, isStream: false, streamStart: -1, offset: -1 };
    }
    this.cache.set(num, obj);
    return obj;
  }

  private parseAt(offset: number) {
    const key = `o${offset}`;
    let p = this.shared.parsed.get(key);
    if (!p) {
      if (offset >= this.buf.length) throw new PdfFormatError('malformed_pdf', `xref offset ${offset} is past the end of the file`);
      const r = new CosParser(this.buf, offset, this.shared.limits.maxDepth).indirectObject();
      p = { num: r.num, gen: r.gen, value: r.value, streamStart: r.streamStart, offset };
      this.shared.parsed.set(key, p);
    }
    return p;
  }

  /** Raw (still encoded) bytes of a stream object. */
  rawStream(obj: IndirectObject): Buffer {
    if (!obj.isStream || !isDict(obj.value)) throw new PdfFormatError('malformed_pdf', `object ${obj.num} is not a stream`);
    return this.buf.subarray(obj.streamStart, obj.streamStart + this.streamLength(obj.value, obj.streamStart));
  }

  private streamLength(d: PdfDict, start: number): number {
    const lenV = d.map.get('Length');
    const len = lenV?.type === 'ref' ? this.resolve(lenV) : lenV;
    if (!len || len.type !== 'num' || !Number.isInteger(len.value) || len.value < 0) {
      throw new PdfFormatError('malformed_pdf', 'stream without a valid /Length');
    }
    if (start + len.value > this.buf.length) throw new PdfFormatError('malformed_pdf', 'stream runs past the end of the file');
    return len.value;
  }

  /** Decoded data of a stream whose dictionary was parsed with its data starting at `start`. */
  streamData(d: PdfDict, start: number): Buffer {
    let data = this.buf.subarray(start, start + this.streamLength(d, start));
    const filter = d.map.get('Filter');
    const filters = filter === undefined ? [] : filter.type === 'array' ? filter.items : [filter];
    if (filters.length > 1 || (filters[0] && (filters[0].type !== 'name' || filters[0].name !== 'FlateDecode'))) {
      throw new PdfFormatError('unsupported_pdf', 'only FlateDecode is supported for xref and object streams');
    }
    if (filters.length === 1) {
      const max = this.shared.limits.maxDecodedStreamBytes;
      try {
        data = inflateSync(data, { maxOutputLength: max });
      } catch (e) {
        if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new PdfFormatError('too_complex', `a stream inflates to more than ${max} bytes`, { cause: e });
        }
        throw new PdfFormatError('malformed_pdf', 'cannot inflate stream', { cause: e });
      }
      const parms = d.map.get('DecodeParms');
      const parmsD = parms?.type === 'array' ? parms.items[0] : parms;
      if (parmsD && isDict(parmsD)) {
        const predictor = getNumber(parmsD, 'Predictor') ?? 1;
        if (predictor >= 10) data = unpredictPng(data, getNumber(parmsD, 'Columns') ?? 1);
        else if (predictor !== 1) throw new PdfFormatError('unsupported_pdf', `predictor ${predictor} not supported`);
      }
    }
    return data;
  }

  private objectStream(num: number): { data: Buffer; offsets: Map<number, number> } {
    const e = this.entry(num);
    if (!e || e.kind !== 'offset') throw new PdfFormatError('malformed_pdf', `object stream ${num} not found`);
    // Keyed by location: a later revision may reuse the number for a different stream.
    let os = this.shared.objStreams.get(e.offset);
    if (os) return os;
    const parsed = this.parseAt(e.offset);
    if (parsed.num !== num || !isDict(parsed.value) || parsed.streamStart < 0) {
      throw new PdfFormatError('malformed_pdf', `object ${num} is not a stream`);
    }
    const data = this.streamData(parsed.value, parsed.streamStart);
    const n = getNumber(parsed.value, 'N') ?? 0;
    const first = getNumber(parsed.value, 'First') ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > this.shared.limits.maxObjects) {
      throw new PdfFormatError('too_complex', `object stream ${num} claims ${n} objects`);
    }
    const hp = new CosParser(data, 0);
    const offsets = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const objNum = hp.int();
      offsets.set(objNum, first + hp.int());
    }
    os = { data, offsets };
    this.shared.objStreams.set(e.offset, os);
    return os;
  }

  resolve(v: PdfValue | undefined): PdfValue | undefined {
    let guard = 0;
    while (v && v.type === 'ref') {
      if (++guard > 32) throw new PdfFormatError('malformed_pdf', 'reference chain too long');
      v = this.has(v.num) ? this.getObject(v.num).value : undefined;
    }
    return v;
  }

  resolveDict(v: PdfValue | undefined): PdfDict | undefined {
    const r = this.resolve(v);
    return isDict(r) ? r : undefined;
  }
}

export class PdfReader extends PdfObjects {
  /** Offset of the newest xref section, i.e. the /Prev of the revision we append. */
  readonly startxref: number;
  /** Whether the newest section is an xref stream (then our revision writes one too). */
  readonly usesXrefStream: boolean;
  readonly size: number;
  /** Oldest first. */
  readonly revisions: Revision[];
  /**
   * Structural oddities that do not stop reading but matter to a verifier: sections out of file
   * order, bytes after the last %%EOF, revisions without %%EOF.
   */
  readonly structureWarnings: string[];
  /** Bytes after the last revision's %%EOF line that are not whitespace. */
  readonly trailingBytes: number;
  private readonly views = new Map<number, PdfObjects>();

  constructor(buf: Buffer, opts: PdfReaderOptions = {}) {
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const shared: Shared = { buf, limits, parsed: new Map(), objStreams: new Map() };
    const startxref = findStartxref(buf);
    const newestFirst: XrefSection[] = [];
    const seen = new Set<number>();
    const budget = { entries: 0 };
    let offset: number | undefined = startxref;
    while (offset !== undefined) {
      if (seen.has(offset)) throw new PdfFormatError('malformed_pdf', 'xref /Prev loop');
      if (seen.size >= limits.maxXrefSections) throw new PdfFormatError('too_complex', `more than ${limits.maxXrefSections} xref sections`);
      seen.add(offset);
      const section = readSection(shared, offset, budget);
      newestFirst.push(section);
      const prev = getNumber(section.trailer, 'Prev');
      if (prev !== undefined && (!Number.isInteger(prev) || prev < 0 || prev >= buf.length)) {
        throw new PdfFormatError('malformed_pdf', `xref /Prev ${prev} is outside the file`);
      }
      offset = prev;
    }
    const sections = newestFirst.slice().reverse();
    const trailer = newestFirst[0].trailer;
    super(shared, sections, trailer);
    this.startxref = startxref;
    this.usesXrefStream = newestFirst[0].isStream;
    if (trailer.map.has('Encrypt')) throw new PdfFormatError('encrypted_pdf', 'the PDF is encrypted');
    const size = getNumber(trailer, 'Size');
    if (size === undefined) throw new PdfFormatError('malformed_pdf', 'trailer has no /Size');
    this.size = size;
    this.structureWarnings = [];
    this.revisions = groupRevisions(buf, sections, this.structureWarnings);
    const last = this.revisions[this.revisions.length - 1];
    let t = Math.max(0, last.end);
    while (t < buf.length && (buf[t] === 0x20 || buf[t] === 0x0a || buf[t] === 0x0d || buf[t] === 0x09 || buf[t] === 0x00 || buf[t] === 0x0c)) t++;
    this.trailingBytes = last.end < 0 ? 0 : buf.length - t;
    if (this.trailingBytes > 0) this.structureWarnings.push(`${this.trailingBytes} bytes after the last %%EOF belong to no revision`);
  }

  /** The object table as of revision `index` (0 = original document). */
  atRevision(index: number): PdfObjects {
    if (index === this.revisions.length - 1) return this;
    let v = this.views.get(index);
    if (!v) {
      const rev = this.revisions[index];
      if (!rev) throw new RangeError(`no revision ${index}`);
      const lastSection = rev.sections[rev.sections.length - 1];
      const upto = this.sections.indexOf(lastSection);
      v = new PdfObjects(this.shared, this.sections.slice(0, upto + 1), rev.trailer);
      this.views.set(index, v);
    }
    return v;
  }
}

function readSection(shared: Shared, offset: number, budget: { entries: number }): XrefSection {
  const buf = shared.buf;
  const p = new CosParser(buf, offset, shared.limits.maxDepth);
  p.skipWs();
  const entries = new Map<number, XrefEntry>();
  if (buf.toString('latin1', p.pos, p.pos + 4) === 'xref') {
    p.pos += 4;
    readXrefTable(shared, p, entries, budget);
    p.expectWord('trailer');
    const trailer = p.value();
    if (!isDict(trailer)) throw new PdfFormatError('malformed_pdf', `trailer at ${offset} is not a dictionary`);
    const end = findEof(buf, p.pos);
    // Hybrid-reference files hide their compressed objects in /XRefStm; table entries take precedence.
    const xrefStm = getNumber(trailer, 'XRefStm');
    if (xrefStm !== undefined) readXrefStream(shared, xrefStm, entries, budget);
    return { offset, isStream: false, trailer, entries, end };
  }
  const r = readXrefStream(shared, offset, entries, budget);
  return { offset, isStream: true, trailer: r.dict, entries, streamObject: r.num, end: findEof(buf, r.after) };
}

function readXrefTable(shared: Shared, p: CosParser, entries: Map<number, XrefEntry>, budget: { entries: number }): void {
  const b = shared.buf;
  for (;;) {
    p.skipWs();
    const c = b[p.pos];
    if (c === undefined || c < 0x30 || c > 0x39) return; // "trailer"
    const first = p.int();
    const count = p.int();
    budget.entries += count;
    if (budget.entries > shared.limits.maxObjects) throw new PdfFormatError('too_complex', `more than ${shared.limits.maxObjects} xref entries`);
    p.skipWs();
    let pos = p.pos;
    for (let i = 0; i < count; i++) {
      // Entries are nominally 20 bytes; parse by hand rather than trust the EOL width.
      const off = readDigits(b, pos, 10);
      const gen = readDigits(b, pos + 11, 5);
      const type = b[pos + 17];
      if (off < 0 || gen < 0 || (type !== 0x6e && type !== 0x66)) {
        throw new PdfFormatError('malformed_pdf', `bad xref entry at byte ${pos}`);
      }
      pos += 18;
      while (b[pos] === 0x20 || b[pos] === 0x0d || b[pos] === 0x0a) pos++;
      const n = first + i;
      if (!entries.has(n)) entries.set(n, type === 0x6e ? { kind: 'offset', offset: off, gen } : { kind: 'free' });
    }
    p.pos = pos;
  }
}

function readXrefStream(shared: Shared, offset: number, entries: Map<number, XrefEntry>, budget: { entries: number }): { dict: PdfDict; num: number; after: number } {
  const parser = new CosParser(shared.buf, offset, shared.limits.maxDepth);
  const obj = parser.indirectObject();
  if (!isDict(obj.value) || getName(obj.value, 'Type') !== 'XRef' || obj.streamStart < 0) {
    throw new PdfFormatError('malformed_pdf', `no xref table or xref stream at offset ${offset}`);
  }
  const d = obj.value;
  // Only /Length of an xref stream must be direct (§7.5.8.2), so a bare view can decode it.
  const view = new PdfObjects(shared, [], d);
  const data = view.streamData(d, obj.streamStart);
  const lenV = d.map.get('Length');
  const after = obj.streamStart + (lenV?.type === 'num' ? lenV.value : 0);
  const w = arrayOfInts(d.map.get('W'));
  const size = getNumber(d, 'Size') ?? 0;
  const index = d.map.has('Index') ? arrayOfInts(d.map.get('Index')) : [0, size];
  if (w.length !== 3 || w.some((x) => !Number.isInteger(x) || x < 0 || x > 8)) throw new PdfFormatError('malformed_pdf', 'xref stream /W must have 3 small entries');
  const rowLen = w[0] + w[1] + w[2];
  let pos = 0;
  for (let s = 0; s + 1 < index.length; s += 2) {
    const first = index[s];
    const count = index[s + 1];
    budget.entries += count;
    if (budget.entries > shared.limits.maxObjects) throw new PdfFormatError('too_complex', `more than ${shared.limits.maxObjects} xref entries`);
    for (let i = 0; i < count; i++) {
      if (pos + rowLen > data.length) throw new PdfFormatError('malformed_pdf', 'xref stream too short');
      const type = w[0] === 0 ? 1 : readBE(data, pos, w[0]);
      const f2 = readBE(data, pos + w[0], w[1]);
      const f3 = readBE(data, pos + w[0] + w[1], w[2]);
      pos += rowLen;
      const n = first + i;
      if (entries.has(n)) continue;
      if (type === 0) entries.set(n, { kind: 'free' });
      else if (type === 1) entries.set(n, { kind: 'offset', offset: f2, gen: f3 });
      else if (type === 2) entries.set(n, { kind: 'compressed', stream: f2, index: f3 });
    }
  }
  let end = after;
  const tail = new CosParser(shared.buf, after);
  if (tail.word() === 'endstream' && tail.word() === 'endobj') end = tail.pos;
  return { dict: d, num: obj.num, after: end };
}

/** After a section: "startxref N %%EOF" and one end-of-line; returns the first byte after it, or -1. */
function findEof(buf: Buffer, from: number): number {
  const p = new CosParser(buf, from);
  p.skipWsNoComments();
  if (buf.toString('latin1', p.pos, p.pos + 9) !== 'startxref') return -1;
  p.pos += 9;
  p.skipWsNoComments();
  while (buf[p.pos] >= 0x30 && buf[p.pos] <= 0x39) p.pos++;
  p.skipWsNoComments();
  if (buf.toString('latin1', p.pos, p.pos + 5) !== '%%EOF') return -1;
  let e = p.pos + 5;
  if (buf[e] === 0x0d) e++;
  if (buf[e] === 0x0a) e++;
  return e;
}

/**
 * Sections become revisions in chain order. The one exception is a linearized file, whose
 * first-page section sits at the start of the file yet is newer in the chain than the main one:
 * both together are the original document.
 */
function groupRevisions(buf: Buffer, sections: XrefSection[], warnings: string[]): Revision[] {
  const revisions: Revision[] = [];
  const linearized = isLinearized(buf);
  for (const s of sections) {
    const prev = revisions[revisions.length - 1];
    if (prev && s.offset < prev.end) {
      if (linearized && revisions.length === 1 && prev.sections.length === 1) {
        prev.sections.push(s);
        prev.trailer = s.trailer;
        continue;
      }
      warnings.push(`xref section at byte ${s.offset} lies inside an earlier revision (ends at ${prev.end})`);
    }
    if (s.end < 0) warnings.push(`xref section at byte ${s.offset} is not followed by startxref and %%EOF`);
    const start = prev ? prev.end : 0;
    revisions.push({ index: revisions.length, start, end: s.end < 0 ? s.offset : s.end, trailer: s.trailer, sections: [s] });
  }
  return revisions;
}

function isLinearized(buf: Buffer): boolean {
  const head = buf.toString('latin1', 0, Math.min(buf.length, 1024));
  return /\/Linearized\s/.test(head);
}

function findStartxref(buf: Buffer): number {
  const tailStart = Math.max(0, buf.length - 2048);
  const idx = buf.lastIndexOf('startxref', buf.length);
  if (idx < tailStart || idx < 0) throw new PdfFormatError('malformed_pdf', 'no startxref near the end of the file');
  const p = new CosParser(buf, idx + 9);
  const off = p.int();
  if (off >= buf.length) throw new PdfFormatError('malformed_pdf', 'startxref points past the end of the file');
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
  if (!v || v.type !== 'array') throw new PdfFormatError('malformed_pdf', 'expected an array of integers');
  return v.items.map((x) => {
    if (x.type !== 'num' || !Number.isInteger(x.value) || x.value < 0) throw new PdfFormatError('malformed_pdf', 'expected a non-negative integer');
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
        default: throw new PdfFormatError('malformed_pdf', `bad PNG predictor row type ${type}`);
      }
      out[r * columns + c] = v & 0xff;
    }
  }
  return out;
}
