import { readFileSync } from 'node:fs';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';

export type ParsedFont = ReturnType<typeof fontkit.create>;

const cache = new Map<string, { bytes: Uint8Array; font: ParsedFont }>();

/**
 * One copy per process of each font file and its parse: the typesetter and the signature appearances
 * use the same CJK fonts, and each file is 15 MB.
 */
export function loadFontFile(file: string): { bytes: Uint8Array; font: ParsedFont } {
  const key = path.resolve(file);
  let entry = cache.get(key);
  if (!entry) {
    const bytes = new Uint8Array(readFileSync(key));
    entry = { bytes, font: fontkit.create(bytes) };
    cache.set(key, entry);
  }
  return entry;
}
