/**
 * Chinese line breaking (避头尾) by measured width. Text is cut into atoms (one
 * CJK character, one Latin word or number, one space), atoms that must not be
 * separated are glued into clusters, and clusters are filled greedily. A cluster
 * wider than a whole line (a long ID or URL) is the only thing cut mid-word.
 */

/** Characters that must not start a line: closing marks and trailing punctuation. */
export const NO_LINE_START = new Set(
  [...'，。、；：！？）〕】》〉”’」』…·％℃‰°～々〗〙〛﹚﹜﹞！），．：；？］｝｠」,.;:!?)]}%'],
);
/** Characters that must not end a line: opening marks. */
export const NO_LINE_END = new Set([...'（〔【《〈“‘「『〖〘〚﹙﹛﹝（［｛｟([{']);
/** Runs of these are one unit: —— and …… are never split. */
const PAIRED = new Set(['—', '…']);

export interface BrokenLine {
  text: string;
  width: number;
  /** Last line of a paragraph (not justified). */
  last: boolean;
}

export interface BreakOptions {
  width: number;
  /** Width of the first line when it differs (hanging or first-line indent). */
  firstLineWidth?: number;
}

type AtomKind = 'space' | 'word' | 'ideograph';
interface Atom { text: string; width: number; kind: AtomKind }
interface Cluster { text: string; width: number; spaceBefore: number }

function isWordChar(cp: number): boolean {
  return cp < 0x2e80 && cp !== 0x20 && !PAIRED.has(String.fromCodePoint(cp)) && !NO_LINE_END.has(String.fromCodePoint(cp));
}

function atomize(text: string, advance: (cp: number) => number): Atom[] {
  const atoms: Atom[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const w = advance(cp);
    const prev = atoms[atoms.length - 1];
    if (cp === 0x20 && prev?.kind === 'space') continue;
    const kind: AtomKind = cp === 0x20 ? 'space' : isWordChar(cp) ? 'word' : 'ideograph';
    const joins =
      prev !== undefined &&
      ((kind === 'word' && prev.kind === 'word') ||
        (PAIRED.has(ch) && prev.text.endsWith(ch)));
    if (joins) {
      prev.text += ch;
      prev.width += w;
    } else {
      atoms.push({ text: ch, width: w, kind });
    }
  }
  return atoms;
}

function firstChar(s: string): string {
  return String.fromCodePoint(s.codePointAt(0)!);
}

function lastChar(s: string): string {
  const chars = [...s];
  return chars[chars.length - 1];
}

function clusterize(atoms: Atom[]): Cluster[] {
  const clusters: Cluster[] = [];
  let space = 0;
  for (const atom of atoms) {
    if (atom.kind === 'space') {
      space = atom.width;
      continue;
    }
    const prev = clusters[clusters.length - 1];
    const mustJoin =
      prev !== undefined &&
      space === 0 &&
      (NO_LINE_START.has(firstChar(atom.text)) || NO_LINE_END.has(lastChar(prev.text)));
    if (mustJoin) {
      prev.text += atom.text;
      prev.width += atom.width;
    } else {
      clusters.push({ text: atom.text, width: atom.width, spaceBefore: space });
    }
    space = 0;
  }
  return clusters;
}

/** Cuts an over-wide cluster by character; the last piece continues the line. */
function splitByCharacter(c: Cluster, widths: (lineIndex: number) => number, startLine: number, advance: (cp: number) => number): { full: BrokenLine[]; rest: Cluster } {
  const full: BrokenLine[] = [];
  let text = '';
  let width = 0;
  for (const ch of c.text) {
    const w = advance(ch.codePointAt(0)!);
    if (width + w > widths(startLine + full.length) && text !== '') {
      full.push({ text, width, last: false });
      text = '';
      width = 0;
    }
    text += ch;
    width += w;
  }
  return { full, rest: { text, width, spaceBefore: 0 } };
}

function breakParagraph(paragraph: string, advance: (cp: number) => number, widths: (i: number) => number, startLine: number): BrokenLine[] {
  const clusters = clusterize(atomize(paragraph, advance));
  const lines: BrokenLine[] = [];
  let text = '';
  let width = 0;
  const flush = () => {
    lines.push({ text, width, last: false });
    text = '';
    width = 0;
  };
  for (const cluster of clusters) {
    const available = widths(startLine + lines.length);
    const space = text === '' ? 0 : cluster.spaceBefore;
    if (width + space + cluster.width <= available) {
      text += (space > 0 ? ' ' : '') + cluster.text;
      width += space + cluster.width;
      continue;
    }
    if (text !== '') flush();
    if (cluster.width <= widths(startLine + lines.length)) {
      text = cluster.text;
      width = cluster.width;
      continue;
    }
    const { full, rest } = splitByCharacter(cluster, widths, startLine + lines.length, advance);
    lines.push(...full);
    text = rest.text;
    width = rest.width;
  }
  lines.push({ text, width, last: true });
  return lines;
}

/**
 * Breaks text into lines no wider than the available width. Newlines in the
 * input are hard breaks. Runs of spaces collapse to one; spaces at a break vanish.
 */
export function breakLines(text: string, advance: (cp: number) => number, options: BreakOptions): BrokenLine[] {
  const widths = (i: number) => (i === 0 ? options.firstLineWidth ?? options.width : options.width);
  const lines: BrokenLine[] = [];
  for (const paragraph of text.replace(/\r\n?/g, '\n').split('\n')) {
    lines.push(...breakParagraph(paragraph, advance, widths, lines.length));
  }
  return lines;
}
