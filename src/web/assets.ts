import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '../domain/errors.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url));
const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
// The package exports only its entry points: the minified ES module sits beside them.
const SIGNATURE_PAD = path.join(path.dirname(createRequire(import.meta.url).resolve('signature_pad')), 'signature_pad.min.js');
/** Where `npm run build` leaves each asset compressed at the highest settings (`<name>.br`, `<name>.gz`). */
const PRECOMPRESSED_DIR = fileURLToPath(new URL('./precompressed', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

interface Asset {
  bytes: Buffer;
  type: string;
  /** SHA-256 of the bytes, 16 hex digits: the ETag and the name of the pre-compressed copies. */
  hash: string;
}

/**
 * Every file a page may load, by the path under /assets: the pages' own files, the pdf.js builds (the
 * modern one, and the legacy one for iOS Safari < 17.4 and old WebViews) and the signature pad. The rest
 * of those packages is not published. Contracts embed their fonts and signatures draw glyphs as paths,
 * so pdf.js needs neither cMaps nor standard fonts.
 */
function loadAssets(): Map<string, Asset> {
  const files = new Map<string, Asset>();
  const add = (name: string, file: string) => {
    const bytes = readFileSync(file);
    files.set(name, { bytes, type: TYPES[path.extname(file)] ?? 'application/octet-stream', hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16) });
  };
  for (const f of readdirSync(PUBLIC_DIR)) add(f, path.join(PUBLIC_DIR, f));
  for (const [build, prefix] of [['build', 'pdfjs/'], ['legacy/build', 'pdfjs/legacy/']]) {
    for (const f of ['pdf.min.mjs', 'pdf.worker.min.mjs']) add(`${prefix}${f}`, path.join(PDFJS_DIR, build, f));
  }
  add('vendor/signature_pad.min.mjs', SIGNATURE_PAD);
  return files;
}

export const ASSETS = loadAssets();

/** Changes whenever a shipped file changes, so URLs carrying it can be cached for a year. */
export const ASSET_VERSION = (() => {
  const h = createHash('sha256');
  for (const [name, a] of [...ASSETS].sort(([x], [y]) => (x < y ? -1 : 1))) h.update(name).update(a.hash);
  return h.digest('hex').slice(0, 12);
})();

/** In the path, not a query: relative imports between the modules keep the version, and every cache keys on it. */
export const assetUrl = (file: string) => `/assets/v/${ASSET_VERSION}/${file}`;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const compressed = new Map<string, Promise<Buffer>>();

/** Pre-compressed by the build when it ran; else compressed once, quickly, on first request. */
function encoded(name: string, asset: Asset, encoding: 'br' | 'gzip'): Promise<Buffer> {
  const key = `${name}:${encoding}`;
  let done = compressed.get(key);
  if (!done) {
    // Named by the content it compresses: a file changed after the build is compressed afresh, never served stale.
    const prebuilt = path.join(PRECOMPRESSED_DIR, `${name}.${asset.hash}.${encoding === 'br' ? 'br' : 'gz'}`);
    done = existsSync(prebuilt)
      ? Promise.resolve(readFileSync(prebuilt))
      : encoding === 'br'
        ? brotli(asset.bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: asset.bytes.length } })
        : gzip(asset.bytes, { level: 6 });
    compressed.set(key, done);
  }
  return done;
}

/** For `npm run build`: every asset at the best compression, written where `encoded` looks first. */
export async function precompressAssets(outDir: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  for (const [name, a] of ASSETS) {
    const target = path.join(outDir, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(`${target}.${a.hash}.br`, await brotli(a.bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: a.bytes.length } }));
    await writeFile(`${target}.${a.hash}.gz`, await gzip(a.bytes, { level: 9 }));
  }
}

async function send(req: Request, res: Response, name: string, immutable: boolean): Promise<void> {
  const asset = ASSETS.get(name);
  if (!asset) throw new DomainError('not_found', 'asset_not_found', `No asset ${req.originalUrl.split('?')[0]}`);
  const encoding = asset.type.startsWith('text/') || asset.type === 'image/svg+xml' ? req.acceptsEncodings(['br', 'gzip']) : false;
  const body = encoding === 'br' || encoding === 'gzip' ? await encoded(name, asset, encoding) : asset.bytes;
  const etag = `"${asset.hash}${encoding ? `-${encoding}` : ''}"`;
  res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Vary', 'Accept-Encoding');
  res.setHeader('Accept-Ranges', 'none');
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', asset.type);
  if (encoding === 'br' || encoding === 'gzip') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function assetRoutes(): Router {
  const r = Router();
  const serve = (immutable: (req: Request) => boolean) => async (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    await send(req, res, decodeURIComponent(req.path.slice(1)), immutable(req));
  };
  // A page of an older deployment may still ask for its version: it gets today's file, briefly cached.
  r.use('/v/:version', serve((req) => req.params.version === ASSET_VERSION));
  r.use(serve(() => false));
  return r;
}
