// Reads just enough of a PDF to locate objects: startxref → xref sections (tables or streams, hybrid
// /XRefStm too) along the /Prev chain. A full parse (pdf-lib) costs tens of ms on a 200 KB file;
// signing only needs the catalog, the AcroForm and one field, and verifying needs each revision's
// object table separately, which no full parser exposes.
import { inflateSync } from 'node:zlib';
import { CosParser, getName, getNumber, isDict, type PdfDict, type PdfValue } from './cos.js';
import { decodeBudget, DEFAULT_LIMITS, PdfFormatError, type PdfLimits } from './errors.js';
import { repairXref } from './xrefRepair.js';

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
  /**
   * Decoded data (or the decoding error) by location "start:length": every section of a hybrid file
   * may name the same /XRefStm and a DSS the same stream many times, and each must cost only once.
   */
  decoded: Map<string, Buffer | PdfFormatError>;
  /** Inflated bytes the whole document may still produce. */
  inflate: { total: number; left: number };
  /** The first limit hit: callers that tolerate an unreadable object swallow the error itself. */
  limitHit?: PdfFormatError;
  /**
   * Every entry written for an object number, oldest section first (`at` = the section's position in
   * the full chain). A view sees a prefix of the chain, so its entry is found by binary search
   * instead of a walk over every section, which hundreds of sections would make quadratic.
   */
  history: Map<number, { at: number[]; entries: XrefEntry[] }>;
}

/**
 * The object table as of one revision. Lookups walk the sections newest first, so the view of an
 * earlier revision simply ignores everything appended after it.
 */
export class PdfObjects {
  readonly buf: Buffer;
  private readonly cache = new Map<number, IndirectObject>();
  /** Position of this view's newest section in the full chain. */
  private readonly upto: number;

  constructor(
    protected readonly shared: Shared,
    /** Sections visible in this view, oldest first. */
    readonly sections: readonly XrefSection[],
    readonly trailer: PdfDict,
  ) {
    this.buf = shared.buf;
    this.upto = sections.length - 1;
  }

  entry(num: number): XrefEntry | undefined {
    const h = this.shared.history.get(num);
    if (!h) return undefined;
    let found: XrefEntry | undefined;
    let lo = 0;
    let hi = h.at.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h.at[mid] <= this.upto) {
        found = h.entries[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
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

  /** Decoded data of a stream whose dictionary was parsed with its data starting at `start`; decoded once per document. */
  streamData(d: PdfDict, start: number): Buffer {
    const len = this.streamLength(d, start);
    const key = `${start}:${len}`;
    const done = this.shared.decoded.get(key);
    if (done instanceof PdfFormatError) throw done;
    if (done) return done;
    try {
      const data = decodeStream(this.shared, d, this.buf.subarray(start, start + len));
      this.shared.decoded.set(key, data);
      return data;
    } catch (e) {
      if (e instanceof PdfFormatError) this.shared.decoded.set(key, e);
      throw e;
    }
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
      throw limitHit(this.shared, `object stream ${num} claims ${n} objects`);
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
  /** Object locations were rebuilt by scanning for "N G obj" (offsets beside their objects, empty sections). */
  readonly repaired: boolean;
  private readonly views = new Map<number, PdfObjects>();

  constructor(buf: Buffer, opts: PdfReaderOptions = {}) {
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const inflate = limits.maxDecodedTotalBytes ?? decodeBudget(buf.length);
    const shared: Shared = { buf, limits, parsed: new Map(), objStreams: new Map(), decoded: new Map(), inflate: { total: inflate, left: inflate }, history: new Map() };
    const warnings: string[] = [];
    const startxref = findStartxref(buf);
    const newestFirst = readChain(shared, startxref, warnings);
    const sections = newestFirst.slice().reverse();
    const trailer = newestFirst[0].trailer;
    if (trailer.map.has('Encrypt')) throw new PdfFormatError('encrypted_pdf', 'the PDF is encrypted');
    const size = getNumber(trailer, 'Size');
    if (size === undefined) throw new PdfFormatError('malformed_pdf', 'trailer has no /Size');
    const revisions = groupRevisions(buf, sections, warnings);
    const repaired = repairXref(buf, revisions, warnings, limits.maxObjects);
    indexEntries(shared.history, sections);
    super(shared, sections, trailer);
    this.startxref = startxref;
    this.usesXrefStream = newestFirst[0].isStream;
    this.size = size;
    this.structureWarnings = warnings;
    this.revisions = revisions;
    this.repaired = repaired;
    const last = this.revisions[this.revisions.length - 1];
    let t = Math.max(0, last.end);
    while (t < buf.length && (buf[t] === 0x20 || buf[t] === 0x0a || buf[t] === 0x0d || buf[t] === 0x09 || buf[t] === 0x00 || buf[t] === 0x0c)) t++;
    this.trailingBytes = last.end < 0 ? 0 : buf.length - t;
    if (this.trailingBytes > 0) this.structureWarnings.push(`${this.trailingBytes} bytes after the last %%EOF belong to no revision`);
  }

  /** A decoding limit was hit somewhere, even where the error itself was tolerated. */
  get limitHit(): PdfFormatError | undefined {
    return this.shared.limitHit;
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

function readChain(shared: Shared, startxref: number, warnings: string[]): XrefSection[] {
  const { buf, limits } = shared;
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
    // Some writers end the chain with /Prev 0, which names the file header rather than a section.
    if (prev === 0 && !holdsXref(buf, 0)) {
      warnings.push(`the xref section at byte ${offset} has /Prev 0, where there is no xref section: taken as the oldest section`);
      break;
    }
    offset = prev;
  }
  return newestFirst;
}

function holdsXref(buf: Buffer, offset: number): boolean {
  const p = new CosParser(buf, offset);
  p.skipWs();
  if (buf.toString('latin1', p.pos, p.pos + 4) === 'xref') return true;
  try {
    const o = p.indirectObject();
    return isDict(o.value) && getName(o.value, 'Type') === 'XRef';
  } catch {
    return false;
  }
}

function indexEntries(history: Shared['history'], sections: readonly XrefSection[]): void {
  sections.forEach((s, i) => {
    for (const [num, e] of s.entries) {
      let h = history.get(num);
      if (!h) history.set(num, (h = { at: [], entries: [] }));
      h.at.push(i);
      h.entries.push(e);
    }
  });
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
  p.skipWsToEof();
  if (buf.toString('latin1', p.pos, p.pos + 9) !== 'startxref') return -1;
  p.pos += 9;
  p.skipWsToEof();
  while (buf[p.pos] >= 0x30 && buf[p.pos] <= 0x39) p.pos++;
  p.skipWsToEof();
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

/** Bytes a stream that fails to inflate may have produced first: the work was done, so it is charged. */
const MAX_DEFLATE_RATIO = 1032;

function decodeStream(shared: Shared, d: PdfDict, raw: Buffer): Buffer {
  const filter = d.map.get('Filter');
  const filters = filter === undefined ? [] : filter.type === 'array' ? filter.items : [filter];
  if (filters.length > 1 || (filters[0] && (filters[0].type !== 'name' || filters[0].name !== 'FlateDecode'))) {
    throw new PdfFormatError('unsupported_pdf', 'only FlateDecode is supported for xref and object streams');
  }
  if (filters.length === 0) return raw;
  const perStream = shared.limits.maxDecodedStreamBytes;
  const budget = shared.inflate;
  const max = Math.min(perStream, budget.left);
  let data: Buffer;
  try {
    data = inflateSync(raw, { maxOutputLength: Math.max(1, max) });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw limitHit(
        shared,
        max < perStream ? `the streams of the document inflate to more than ${budget.total} bytes` : `a stream inflates to more than ${perStream} bytes`,
        e,
      );
    }
    budget.left -= Math.min(max, raw.length * MAX_DEFLATE_RATIO);
    throw new PdfFormatError('malformed_pdf', 'cannot inflate stream', { cause: e });
  }
  budget.left -= data.length;
  const parms = d.map.get('DecodeParms');
  const parmsD = parms?.type === 'array' ? parms.items[0] : parms;
  if (parmsD && isDict(parmsD)) {
    const predictor = getNumber(parmsD, 'Predictor') ?? 1;
    if (predictor >= 10) data = unpredictPng(data, getNumber(parmsD, 'Columns') ?? 1);
    else if (predictor !== 1) throw new PdfFormatError('unsupported_pdf', `predictor ${predictor} not supported`);
  }
  return data;
}

function limitHit(shared: Shared, message: string, cause?: unknown): PdfFormatError {
  const e = new PdfFormatError('too_complex', message, { cause });
  shared.limitHit ??= e;
  return e;
}

function unpredictPng(data: Buffer, columns: number): Buffer {
  if (!Number.isInteger(columns) || columns < 1) throw new PdfFormatError('malformed_pdf', `bad predictor /Columns ${columns}`);
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
