// Files built to exhaust a PDF reader rather than to fool it: each is small on the wire and
// expensive (or endless) for a naive reader. Sizes are chosen so a reader that decodes a stream once
// stays within the default decode budget, and one that decodes it per reference does not.
import { deflateSync } from 'node:zlib';

/** Writes numbered objects and classic xref sections with correct offsets. */
export class PdfBuilder {
  private readonly parts: Buffer[] = [];
  length = 0;
  /** Offsets of objects written since the last xref section. */
  private pending = new Map<number, number>();
  lastXref = -1;

  constructor(header = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n') {
    this.raw(header);
  }

  raw(data: string | Buffer): number {
    const at = this.length;
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.parts.push(b);
    this.length += b.length;
    return at;
  }

  obj(num: number, body: string, stream?: Buffer): number {
    const at = stream
      ? this.raw(Buffer.concat([Buffer.from(`${num} 0 obj\n${body.replace(/>>\s*$/, ` /Length ${stream.length}>>`)}\nstream\n`, 'latin1'), stream, Buffer.from('\nendstream\nendobj\n')]))
      : this.raw(`${num} 0 obj\n${body}\nendobj\n`);
    this.pending.set(num, at);
    return at;
  }

  /** A classic section listing the objects written since the previous one; `beforeStartxref` lets a writer leave a comment. */
  xref(trailer: string, opts: { withFree?: boolean; beforeStartxref?: string } = {}): number {
    const at = this.length;
    let x = 'xref\n';
    if (opts.withFree ?? this.lastXref < 0) x += '0 1\n0000000000 65535 f\r\n';
    for (const n of [...this.pending.keys()].sort((a, b) => a - b)) x += `${n} 1\n${String(this.pending.get(n)).padStart(10, '0')} 00000 n\r\n`;
    this.raw(`${x}trailer\n${trailer}\n${opts.beforeStartxref ?? ''}startxref\n${at}\n%%EOF\n`);
    this.pending = new Map();
    this.lastXref = at;
    return at;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const MIB = 1024 * 1024;
/** Under the 64 MiB decode budget once, far over it when decoded once per reference. */
const BOMB_BYTES = 60 * MIB;

/** A one-page document without signatures: catalog 1, pages 2, page 3. */
function minimalDocument(catalogExtra = ''): PdfBuilder {
  const b = new PdfBuilder();
  b.obj(1, `<</Type /Catalog /Pages 2 0 R ${catalogExtra}>>`);
  b.obj(2, '<</Type /Pages /Kids [3 0 R] /Count 1>>');
  b.obj(3, '<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>');
  return b;
}

/**
 * Hundreds of hybrid sections that all name the same /XRefStm, a stream inflating to 60 MiB
 * (with a PNG predictor: each decode also runs the predictor over every row).
 */
export function xrefStreamReuse(sections: number, opts: { predictor?: boolean } = {}): Buffer {
  const b = minimalDocument();
  const parms = opts.predictor ? ' /DecodeParms <</Predictor 12 /Columns 4>>' : '';
  // W [1 2 1] rows of zeros (type 0, free); /Index keeps the rows read to four objects not listed elsewhere.
  const stmAt = b.obj(4, `<</Type /XRef /Size 9 /Index [5 4] /W [1 2 1] /Filter /FlateDecode${parms}>>`, deflateSync(Buffer.alloc(BOMB_BYTES), { level: 9 }));
  b.xref('<</Size 9 /Root 1 0 R>>');
  for (let i = 0; i < sections; i++) b.xref(`<</Size 9 /Root 1 0 R /Prev ${b.lastXref} /XRefStm ${stmAt}>>`, { withFree: false });
  return b.bytes();
}

/** A DSS whose /Certs names one 60 MiB stream `times` times; `distinct` such streams in all. */
export function dssBomb(times: number, distinct = 1): Buffer {
  const refs = Array.from({ length: times }, (_, i) => `${10 + (i % distinct)} 0 R`).join(' ');
  const b = minimalDocument('/DSS 4 0 R');
  b.obj(4, `<</Certs [${refs}]>>`);
  const data = deflateSync(Buffer.alloc(BOMB_BYTES), { level: 9 });
  for (let i = 0; i < distinct; i++) b.obj(10 + i, '<</Filter /FlateDecode>>', data);
  b.xref(`<</Size ${10 + distinct} /Root 1 0 R>>`);
  return b.bytes();
}

/** A catalog whose value nests `depth` arrays: parsed only when the catalog is read, after openPdf. */
export function deeplyNestedCatalog(depth = 5000): Buffer {
  const b = new PdfBuilder();
  b.obj(1, `<</Type /Catalog /Nest ${'['.repeat(depth)}${']'.repeat(depth)}>>`);
  b.xref('<</Size 2 /Root 1 0 R>>');
  return b.bytes();
}

/** Two sections whose /Prev name each other. */
export function prevLoop(): Buffer {
  const b = minimalDocument();
  const placeholder = 'PPPPPPPPPP';
  const first = b.xref(`<</Size 4 /Root 1 0 R /Prev ${placeholder}>>`);
  const second = b.xref(`<</Size 4 /Root 1 0 R /Prev ${first}>>`, { withFree: false });
  // Leading zeros keep the width, so no offset moves.
  return Buffer.from(b.bytes().toString('latin1').replace(placeholder, String(second).padStart(placeholder.length, '0')), 'latin1');
}

/** An xref subsection header claiming far more objects than any document has. */
export function hugeObjectCount(): Buffer {
  const b = minimalDocument();
  const at = b.length;
  b.raw(`xref\n0 2000000000\n0000000000 65535 f\r\ntrailer\n<</Size 2000000000 /Root 1 0 R>>\nstartxref\n${at}\n%%EOF\n`);
  return b.bytes();
}

/** More xref sections than the reader follows (each an empty incremental update). */
export function tooManySections(sections = 1_100): Buffer {
  const b = minimalDocument();
  b.xref('<</Size 4 /Root 1 0 R>>');
  for (let i = 0; i < sections; i++) b.xref(`<</Size 4 /Root 1 0 R /Prev ${b.lastXref}>>`, { withFree: false });
  return b.bytes();
}

/** One object holding `count` numbers: cheap to send, heavy to hold parsed (a worker heap test). */
export function heapBomb(count: number): Buffer {
  const b = minimalDocument('/Bulk 4 0 R');
  b.obj(4, `[${'0 '.repeat(count)}]`);
  b.xref('<</Size 5 /Root 1 0 R>>');
  return b.bytes();
}

/** The same document, harmless: what a pool verifies after a hostile file. */
export function plainDocument(): Buffer {
  const b = minimalDocument();
  b.xref('<</Size 4 /Root 1 0 R>>');
  return b.bytes();
}

export interface HostileCase {
  name: string;
  pdf: () => Buffer;
  /** The verifier's answer: a verdict, or the PdfInputError code (HTTP 422). */
  expect: { verdict: 'no_signatures' } | { code: 'pdf_too_complex' | 'malformed_pdf' };
}

export const HOSTILE_CASES: HostileCase[] = [
  { name: 'hybrid xref stream reused by 300 sections', pdf: () => xrefStreamReuse(300), expect: { verdict: 'no_signatures' } },
  { name: 'hybrid xref stream with PNG predictor reused by 300 sections', pdf: () => xrefStreamReuse(300, { predictor: true }), expect: { verdict: 'no_signatures' } },
  { name: 'DSS /Certs naming one 60 MiB stream 200 times', pdf: () => dssBomb(200), expect: { verdict: 'no_signatures' } },
  { name: 'DSS /Certs naming two 60 MiB streams', pdf: () => dssBomb(10, 2), expect: { code: 'pdf_too_complex' } },
  { name: 'catalog nested 5000 deep', pdf: () => deeplyNestedCatalog(), expect: { code: 'pdf_too_complex' } },
  { name: '/Prev loop', pdf: prevLoop, expect: { code: 'malformed_pdf' } },
  { name: 'xref claiming 2 000 000 000 objects', pdf: hugeObjectCount, expect: { code: 'pdf_too_complex' } },
  { name: '1 100 xref sections', pdf: () => tooManySections(), expect: { code: 'pdf_too_complex' } },
];
