import type { FontFace } from './fontFace.js';

/**
 * A character the embedded font cannot draw. Raised before layout so that a name
 * such as 𠮷 is refused with the offending field named, instead of vanishing or
 * printing as a blank box in a binding contract.
 */
export class UnsupportedCharacterError extends Error {
  constructor(readonly characters: string[], readonly paths: string[]) {
    super(`unsupported character(s) ${characters.map((c) => `${c} (U+${c.codePointAt(0)!.toString(16).toUpperCase()})`).join(', ')} in ${paths.join(', ') || 'template text'}`);
    this.name = 'UnsupportedCharacterError';
  }
}

/** Line feeds are hard breaks, not glyphs. */
const LAYOUT_CONTROLS = new Set([0x0a, 0x0d]);

function unsupportedIn(text: string, faces: FontFace[]): string[] {
  const missing: string[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (LAYOUT_CONTROLS.has(cp)) continue;
    if (faces.some((f) => !f.has(cp)) && !missing.includes(ch)) missing.push(ch);
  }
  return missing;
}

/**
 * Lists every string leaf of `value` holding a code point some face lacks.
 * Paths are JSON pointers ("/applicant/name"), like validation errors.
 */
export function findUnsupportedCharacters(value: unknown, faces: FontFace[], path = ''): { characters: string[]; paths: string[] } {
  const characters: string[] = [];
  const paths: string[] = [];
  const visit = (v: unknown, p: string) => {
    if (typeof v === 'string') {
      const missing = unsupportedIn(v, faces);
      if (missing.length > 0) {
        paths.push(p);
        for (const c of missing) if (!characters.includes(c)) characters.push(c);
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${p}/${i}`));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) visit(item, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
  };
  visit(value, path);
  return { characters, paths };
}

export function assertSupported(value: unknown, faces: FontFace[], path = ''): void {
  const { characters, paths } = findUnsupportedCharacters(value, faces, path);
  if (characters.length > 0) throw new UnsupportedCharacterError(characters, paths);
}
