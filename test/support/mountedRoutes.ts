import type { Express } from 'express';

/** One endpoint the app answers: upper-case method and the full path as written in the routers. */
export interface MountedRoute {
  method: string;
  path: string;
}

/** The parts of an Express 5 (router 2) layer read here; not in @types/express. */
interface Layer {
  name: string;
  rawPath?: string | string[] | RegExp;
  route?: { path: string | string[] | RegExp; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** A path this module cannot spell out would be an endpoint no test lists: refuse it instead. */
function literalPaths(raw: Layer['rawPath'], what: string): string[] {
  const paths = raw === undefined ? ['/'] : Array.isArray(raw) ? raw : [raw];
  return paths.map((p) => {
    if (typeof p !== 'string') throw new Error(`${what} has a non-string path ${String(p)}: list its routes by hand`);
    return p;
  });
}

function walk(stack: Layer[], prefix: string, out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const path of literalPaths(layer.route.path, `a route under ${prefix || '/'}`)) {
        for (const method of Object.keys(layer.route.methods)) {
          out.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path: join(prefix, path) });
        }
      }
    } else if (Array.isArray(layer.handle.stack)) {
      for (const path of literalPaths(layer.rawPath, `a router under ${prefix || '/'}`)) walk(layer.handle.stack, join(prefix, path), out);
    } else if (layer.name === 'mounted_app') {
      // A sub-application hides its router behind a closure.
      throw new Error(`a sub-application is mounted under ${prefix || '/'}: mount a Router instead so its routes can be listed`);
    }
    // Anything else is middleware (guards, parsers, rate limits, error handlers), not an endpoint.
  }
}

/** Every route of the app, found by walking its router stack, so none can be missing from a test's table. */
export function mountedRoutes(app: Express): MountedRoute[] {
  const out: MountedRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out);
  return out;
}
