// Appends one revision (ISO 32000-1 §7.5.6). The original bytes are never touched, so every
// earlier signature's ByteRange still hashes to the same value.
import { formatNumber, serialize, type PdfDict, type PdfValue } from '../pdf/cos.js';
import type { PdfReader } from '../pdf/pdfReader.js';

export class RevisionWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private readonly offsets = new Map<number, { offset: number; gen: number }>();

  /** @param base absolute offset at which the revision starts */
  constructor(private readonly base: number) {}

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Returns the revision-relative offset of the first byte of `body`. */
  addObject(num: number, gen: number, body: string | Buffer, streamData?: Buffer): number {
    this.offsets.set(num, { offset: this.base + this.length, gen });
    this.push(Buffer.from(`${num} ${gen} obj\n`, 'latin1'));
    const at = this.length;
    this.push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    if (streamData) {
      this.push(Buffer.from('\nstream\n', 'latin1'));
      this.push(streamData);
      this.push(Buffer.from('\nendstream', 'latin1'));
    }
    this.push(Buffer.from('\nendobj\n', 'latin1'));
    return at;
  }

  /**
   * Closes the revision with a cross-reference section of the same kind as the previous one:
   * a classic table normally, an xref stream after an xref stream (a table whose /Prev points at
   * a stream is not allowed by §7.5.8.4).
   */
  finish(reader: PdfReader, size: number): Buffer {
    const trailerEntries: Array<[string, PdfValue]> = [];
    for (const key of ['Root', 'Info', 'ID'] as const) {
      const v = reader.trailer.map.get(key);
      if (v) trailerEntries.push([key, v]);
    }
    const prev: PdfValue = { type: 'num', value: reader.startxref, raw: String(reader.startxref) };

    if (!reader.usesXrefStream) {
      const xrefAt = this.base + this.length;
      let s = 'xref\n';
      for (const [first, nums] of subsections([...this.offsets.keys()])) {
        s += `${first} ${nums.length}\n`;
        for (const n of nums) {
          const e = this.offsets.get(n)!;
          s += `${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n\r\n`;
        }
      }
      const trailer: PdfDict = {
        type: 'dict',
        map: new Map<string, PdfValue>([['Size', num(size)], ...trailerEntries, ['Prev', prev]]),
      };
      s += `trailer\n${serialize(trailer)}\nstartxref\n${xrefAt}\n%%EOF\n`;
      this.push(Buffer.from(s, 'latin1'));
    } else {
      const xrefNum = size;
      const xrefAt = this.base + this.length;
      this.offsets.set(xrefNum, { offset: xrefAt, gen: 0 });
      const groups = subsections([...this.offsets.keys()]);
      const rows: Buffer[] = [];
      const index: PdfValue[] = [];
      for (const [first, nums] of groups) {
        index.push(num(first), num(nums.length));
        for (const n of nums) {
          const e = this.offsets.get(n)!;
          const row = Buffer.alloc(7);
          row[0] = 1;
          row.writeUInt32BE(e.offset, 1);
          row.writeUInt16BE(e.gen, 5);
          rows.push(row);
        }
      }
      const data = Buffer.concat(rows);
      const d: PdfDict = {
        type: 'dict',
        map: new Map<string, PdfValue>([
          ['Type', { type: 'name', name: 'XRef' }],
          ['Size', num(size + 1)],
          ...trailerEntries,
          ['Prev', prev],
          ['W', { type: 'array', items: [num(1), num(4), num(2)] }],
          ['Index', { type: 'array', items: index }],
          ['Length', num(data.length)],
        ]),
      };
      this.addObject(xrefNum, 0, serialize(d), data);
      this.push(Buffer.from(`startxref\n${xrefAt}\n%%EOF\n`, 'latin1'));
    }
    return Buffer.concat(this.chunks, this.length);
  }
}

function num(n: number): PdfValue {
  return { type: 'num', value: n, raw: formatNumber(n) };
}

function subsections(nums: number[]): Array<[number, number[]]> {
  nums.sort((a, b) => a - b);
  const out: Array<[number, number[]]> = [];
  for (const n of nums) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1].length === n) last[1].push(n);
    else out.push([n, [n]]);
  }
  return out;
}

/** Where a revision appended to `input` starts: after an end-of-line, added when the file lacks one. */
export function revisionBase(input: Buffer): number {
  const last = input[input.length - 1];
  return input.length + (input.length > 0 && last !== 0x0a && last !== 0x0d ? 1 : 0);
}

/** The original bytes, untouched, then the end-of-line if one was needed, then the revision. */
export function joinRevision(input: Buffer, base: number, revision: Buffer): Buffer {
  const out = Buffer.allocUnsafe(base + revision.length);
  input.copy(out, 0);
  if (base > input.length) out[input.length] = 0x0a;
  revision.copy(out, base);
  return out;
}
