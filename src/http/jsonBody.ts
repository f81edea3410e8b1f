import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DomainError } from '../domain/errors.js';

/**
 * Deeper than any body this API defines, and the same bound the PDF reader puts on nesting. Code that
 * walks a body recursively (hashing it for an Idempotency-Key, storing it as jsonb) overflows the stack
 * on a body nested a hundred thousand levels deep, which still fits in 1 MB.
 */
export const MAX_JSON_DEPTH = 64;

/** Iterative on purpose: the check must not overflow on the input it exists to refuse. */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function refuseDeepJson(req: Request, _res: Response, next: NextFunction) {
  if (jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) {
    throw new DomainError('invalid', 'json_too_deep', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  next();
}

/** The JSON body parser every JSON route uses: size-limited, and refused when nested too deep. */
export function jsonBody(limit: string): RequestHandler[] {
  return [express.json({ limit }), refuseDeepJson];
}
