import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { DomainError } from '../domain/errors.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url));
const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
// Only what the pages load; the rest of the package (viewer, sources, maps) is not published. Contracts
// embed their fonts and signatures draw glyphs as paths, so neither cMaps nor standard fonts are needed.
const PDFJS_FILES = new Set(['pdf.min.mjs', 'pdf.worker.min.mjs']);

/** Changes whenever a shipped file changes, so URLs carrying it can be cached for a year. */
export const ASSET_VERSION = (() => {
  const h = createHash('sha256');
  for (const f of readdirSync(PUBLIC_DIR).sort()) h.update(f).update(readFileSync(path.join(PUBLIC_DIR, f)));
  h.update(JSON.parse(readFileSync(path.join(PDFJS_DIR, 'package.json'), 'utf8')).version);
  return h.digest('hex').slice(0, 12);
})();

export const assetUrl = (file: string) => `/assets/${file}?v=${ASSET_VERSION}`;

/** Versioned URLs are immutable; a bare one (an ES module import inside a script) is revalidated soon. */
function cacheFor(req: express.Request, res: express.Response, next: express.NextFunction) {
  res.setHeader('Cache-Control', req.query.v === ASSET_VERSION ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
}

const notAnAsset = (req: express.Request) => new DomainError('not_found', 'asset_not_found', `No asset ${req.originalUrl.split('?')[0]}`);

export function assetRoutes(): Router {
  const r = Router();
  const options = { cacheControl: false, index: false, fallthrough: false, dotfiles: 'deny' as const };
  r.use('/pdfjs', (req, _res, next) => {
    if (!PDFJS_FILES.has(path.basename(req.path))) throw notAnAsset(req);
    next();
  }, cacheFor, express.static(path.join(PDFJS_DIR, 'build'), options));
  r.use(cacheFor, express.static(PUBLIC_DIR, options));
  // serve-static answers a missing file with a bare 404 error: named here, so a page's broken link is
  // findable. No error answer may inherit the year-long caching of the file it stands in for.
  r.use((err: { status?: number }, req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.removeHeader('Cache-Control');
    next(err.status === 404 ? notAnAsset(req) : err);
  });
  return r;
}
