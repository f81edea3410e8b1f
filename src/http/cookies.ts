import type { Request } from 'express';

/** A cookie of the request by name: the first of that name, which browsers send for the most specific path. */
export function cookieValue(req: Request, name: string): string | undefined {
  let found: string | undefined;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name && found === undefined) found = value.join('=');
  }
  return found;
}
