import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFString, type PDFContext } from 'pdf-lib';
import type { FontFace } from './fontFace.js';
import type { DocumentLayout, FontStyle, LayoutFonts, PageLayout } from './layout.js';
import { subsetTrueType } from './trueTypeSubset.js';

export interface PdfMetadata {
  title: string;
  subject: string;
  issuedAt: Date;
  /** Seeds the trailer /ID so identical input gives identical bytes. */
  idSeed: string;
}

const PRODUCER = 'water-esign';
const RESOURCE_NAME: Record<FontStyle, string> = { regular: 'F1', bold: 'F2' };

/** node:zlib is native and several times faster than pdf-lib's pako on font data. */
function flateStream(context: PDFContext, data: Uint8Array, extra: Record<string, unknown> = {}): PDFRef {
  const compressed = deflateSync(data, { level: 6 });
  const dict = context.obj({ ...extra, Filter: 'FlateDecode', Length: compressed.length });
  return context.register(PDFRawStream.of(dict, compressed));
}

const num = (n: number) => (Math.round(n * 100) / 100).toString();

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** Six capitals from the glyph set: the subset tag PDF readers use to tell subsets apart. */
function subsetTag(glyphs: number[]): string {
  const digest = createHash('sha256').update(Uint32Array.from(glyphs)).digest();
  return [...digest.subarray(0, 6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
}

function toUnicodeCMap(entries: [number, string][]): string {
  const chunks: string[] = [];
  for (let i = 0; i < entries.length; i += 100) {
    const part = entries.slice(i, i + 100);
    const lines = part.map(([cid, text]) => {
      let utf16 = '';
      for (let k = 0; k < text.length; k++) utf16 += hex4(text.charCodeAt(k));
      return `<${hex4(cid)}> <${utf16}>`;
    });
    chunks.push(`${part.length} beginbfchar\n${lines.join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin', '12 dict begin', 'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def', '/CMapType 2 def',
    '1 begincodespacerange', '<0000> <FFFF>', 'endcodespacerange',
    ...chunks,
    'endcmap', 'CMapName currentdict /CMap defineresource pop', 'end', 'end',
  ].join('\n');
}

interface EmbeddedFont { ref: PDFRef; hexOf(text: string): string }

/** Embeds a Type0/CIDFontType2 font holding exactly the glyphs the runs use. */
function embedFont(context: PDFContext, face: FontFace, texts: string[]): EmbeddedFont {
  const used = new Map<number, string>();
  for (const text of texts) {
    for (const ch of text) {
      const gid = face.glyphId(ch.codePointAt(0)!);
      if (!used.has(gid)) used.set(gid, ch);
    }
  }
  const subset = subsetTrueType(face, used.keys());
  const baseFont = `${subsetTag(subset.glyphs)}+${face.postscriptName}`;
  const scale = 1000 / face.unitsPerEm;
  const widths = subset.glyphs.slice(1).map((gid) => PDFNumber.of(Math.round(face.advance(gid) * scale)));
  const fontFile = flateStream(context, subset.bytes, { Length1: subset.bytes.length });
  const descriptor = context.register(context.obj({
    Type: 'FontDescriptor', FontName: baseFont, Flags: 6,
    FontBBox: face.bbox.map((v) => Math.round(v * scale)),
    ItalicAngle: 0, Ascent: Math.round(face.ascent * scale), Descent: Math.round(face.descent * scale),
    CapHeight: Math.round(face.capHeight * scale), StemV: 80, FontFile2: fontFile,
  }));
  const cidFont = context.register(context.obj({
    Type: 'Font', Subtype: 'CIDFontType2', BaseFont: baseFont,
    CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Identity'), Supplement: 0 },
    FontDescriptor: descriptor, DW: 1000, W: [1, widths], CIDToGIDMap: 'Identity',
  }));
  const cmapEntries = [...used].map(([gid, ch]) => [subset.newGlyphId.get(gid)!, ch] as [number, string]).sort((a, b) => a[0] - b[0]);
  const toUnicode = flateStream(context, Buffer.from(toUnicodeCMap(cmapEntries), 'latin1'));
  const ref = context.register(context.obj({
    Type: 'Font', Subtype: 'Type0', BaseFont: baseFont, Encoding: 'Identity-H', DescendantFonts: [cidFont], ToUnicode: toUnicode,
  }));
  const hexByGid = new Map<number, string>();
  for (const [gid, newGid] of subset.newGlyphId) hexByGid.set(gid, hex4(newGid));
  return {
    ref,
    hexOf(text) {
      let out = '';
      for (const ch of text) out += hexByGid.get(face.glyphId(ch.codePointAt(0)!))!;
      return out;
    },
  };
}

function pageContent(page: PageLayout, fonts: Record<FontStyle, EmbeddedFont | undefined>): string {
  const ops: string[] = [];
  if (page.rules.length > 0) {
    ops.push('q 0.6 w 0 G');
    for (const r of page.rules) ops.push(`${num(r.x1)} ${num(r.y1)} m ${num(r.x2)} ${num(r.y2)} l S`);
    ops.push('Q');
  }
  if (page.fills.length > 0) {
    ops.push('q 0 g');
    for (const f of page.fills) ops.push(`${num(f.x)} ${num(f.y)} ${num(f.width)} ${num(f.height)} re`);
    ops.push('f Q');
  }
  ops.push('BT 0 g');
  let font = '';
  let spacing = 0;
  for (const t of page.texts) {
    if (t.text === '') continue;
    const tf = `/${RESOURCE_NAME[t.style]} ${num(t.size)} Tf`;
    if (tf !== font) ops.push((font = tf));
    if (t.charSpacing !== spacing) ops.push(`${num((spacing = t.charSpacing))} Tc`);
    ops.push(`1 0 0 1 ${num(t.x)} ${num(t.y)} Tm <${fonts[t.style]!.hexOf(t.text)}> Tj`);
  }
  ops.push('ET');
  return ops.join('\n');
}

/**
 * Writes the laid-out pages as a PDF with subset fonts and one empty signature
 * field per signer role. Output is a classic xref table (the signing code appends
 * incremental updates with classic xref sections) and is byte-identical for
 * identical input.
 */
export async function assemblePdf(layout: DocumentLayout, fonts: LayoutFonts, meta: PdfMetadata): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const context = doc.context;
  doc.setTitle(meta.title);
  doc.setSubject(meta.subject);
  doc.setProducer(PRODUCER);
  doc.setCreator(PRODUCER);
  doc.setCreationDate(meta.issuedAt);
  doc.setModificationDate(meta.issuedAt);
  const idBytes = createHash('sha256').update(meta.idSeed).digest('hex').slice(0, 32);
  context.trailerInfo.ID = context.obj([PDFHexString.of(idBytes), PDFHexString.of(idBytes)]);

  const textsByStyle: Record<FontStyle, string[]> = { regular: [], bold: [] };
  for (const page of layout.pages) for (const t of page.texts) textsByStyle[t.style].push(t.text);
  const embedded: Record<FontStyle, EmbeddedFont | undefined> = {
    regular: textsByStyle.regular.length > 0 ? embedFont(context, fonts.regular, textsByStyle.regular) : undefined,
    bold: textsByStyle.bold.length > 0 ? embedFont(context, fonts.bold, textsByStyle.bold) : undefined,
  };

  const acroForm = doc.catalog.getOrCreateAcroForm();
  for (const pageLayout of layout.pages) {
    const page = doc.addPage([layout.pageWidth, layout.pageHeight]);
    for (const style of ['regular', 'bold'] as const) {
      const font = embedded[style];
      if (font) page.node.setFontDictionary(PDFName.of(RESOURCE_NAME[style]), font.ref);
    }
    page.node.set(PDFName.of('Contents'), flateStream(context, Buffer.from(pageContent(pageLayout, embedded), 'latin1')));
    for (const field of pageLayout.fields) {
      const widget = context.register(context.obj({
        Type: 'Annot', Subtype: 'Widget', FT: 'Sig', T: PDFString.of(`sig_${field.role}`),
        F: 4, P: page.ref, Rect: field.rect.map((v) => Math.round(v * 100) / 100),
      }));
      page.node.addAnnot(widget);
      acroForm.addField(widget);
    }
  }
  return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
}
