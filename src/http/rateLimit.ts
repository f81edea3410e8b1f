import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withoutTrailingPunctuation } from '../ceremony/signingService.js';

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Token buckets in memory: each key may burst up to `perMinute` requests and refills at perMinute/60
 * per second. Every instance keeps its own buckets, so N instances behind a balancer allow up to N times
 * the budget; that is acceptable for abuse protection (the domain's own code lock-out is in the database).
 */
export interface RateLimiter {
  /** 0 when allowed (and counted), otherwise the whole seconds until one request is allowed again. */
  take(key: string): number;
  readonly size: number;
}

export function createRateLimiter(perMinute: number, opts: { maxKeys?: number; now?: () => number } = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  // Bounded so a flood of distinct keys (random tokens) cannot grow memory without limit.
  const maxKeys = opts.maxKeys ?? 100_000;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function prune(t: number) {
    for (const [k, b] of buckets) {
      if (b.tokens + (t - b.at) * perMs >= perMinute) buckets.delete(k);
    }
    // Still full of live buckets: drop the oldest (Map keeps insertion order) rather than refuse everyone.
    for (const k of buckets.keys()) {
      if (buckets.size < maxKeys) break;
      buckets.delete(k);
    }
  }

  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) prune(t);
        b = { tokens: perMinute, at: t };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * perMs);
        b.at = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
    get size() {
      return buckets.size;
    },
  };
}

export function rateLimited(res: Response, retryAfterSeconds: number, what: string) {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  res.status(429).json({
    error: {
      code: 'rate_limited',
      message: `Too many requests for this ${what}; retry in ${retryAfterSeconds} s`,
      retryAfterSeconds,
      requestId: res.req.id,
    },
  });
}

/** After authenticate(): one budget per API key, whatever the route. */
export function apiKeyRateLimit(perMinute: number) {
  const limiter = createRateLimiter(perMinute, { maxKeys: 10_000 });
  return (req: Request, res: Response, next: NextFunction) => {
    if (perMinute <= 0 || !req.principal) return next();
    const wait = limiter.take(req.principal.id);
    if (wait > 0) return rateLimited(res, wait, 'API key');
    next();
  };
}

/**
 * Mounted on /signing: a budget per link for actions (code requests, code attempts, decline), a looser
 * one for reads (a signing page may poll), and one per client address so that guessing many tokens from
 * one place is throttled too. Tokens are credentials: buckets are keyed by their hash, never the token.
 */
export function signingRateLimit(perTokenPerMinute: number, perIpPerMinute: number) {
  const writes = createRateLimiter(perTokenPerMinute);
  const reads = createRateLimiter(perTokenPerMinute * 4);
  const byIp = createRateLimiter(perIpPerMinute, { maxKeys: 50_000 });
  return (req: Request, res: Response, next: NextFunction) => {
    if (perIpPerMinute > 0) {
      const wait = byIp.take(req.ip ?? 'unknown');
      if (wait > 0) return rateLimited(res, wait, 'client address');
    }
    // The token as the link resolves it: punctuation glued onto it does not make a fresh budget.
    const raw = /^\/([^/?]+)/.exec(req.path)?.[1];
    const token = raw === undefined ? undefined : withoutTrailingPunctuation(safeDecode(raw));
    if (perTokenPerMinute > 0 && token) {
      const key = createHash('sha256').update(token).digest('base64url');
      const wait = (req.method === 'GET' || req.method === 'HEAD' ? reads : writes).take(key);
      if (wait > 0) return rateLimited(res, wait, 'signing link');
    }
    next();
  };
}

/** The public pages and the public verify endpoint: no key, no token, so one budget per client address. */
export function clientRateLimit(perMinute: number) {
  const byIp = createRateLimiter(perMinute, { maxKeys: 50_000 });
  return (req: Request, res: Response, next: NextFunction) => {
    if (perMinute <= 0) return next();
    const wait = byIp.take(req.ip ?? 'unknown');
    if (wait > 0) return rateLimited(res, wait, 'client address');
    next();
  };
}
