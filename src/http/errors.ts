import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, type ErrorKind } from '../domain/errors.js';
import { StorageUnavailableError } from '../storage/objects/objectStore.js';
import { isDatabaseUnavailable } from '../storage/db/errors.js';
import { KeyError } from '../keys/index.js';
import { PkiError } from '../pki/errors.js';

export const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media: 415,
  unprocessable: 422,
  too_many: 429,
  unavailable: 503,
};

/** What body-parser, serve-static and the router raise (http-errors): `expose` is true for client errors. */
interface HttpClientError {
  type?: string;
  status?: number;
  expose?: boolean;
  errno?: number;
}

const BODY_PARSER: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed_json', message: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'The request body is larger than this call accepts' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: 'The request body encoding is not supported' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'Send the body as UTF-8' },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'The request body was not received completely' },
  'request.size.invalid': { status: 400, code: 'request_size_mismatch', message: 'The request body is not as long as its Content-Length says' },
};

/**
 * A client error from Express and the parsers that is not one of ours: a body that does not decompress
 * as its Content-Encoding says (body-parser passes the zlib error on, typeless), a URL parameter whose
 * percent-encoding does not decode, a Range no file satisfies. A 4xx with a code, never a 500.
 */
function clientError(err: unknown, req: Request): { status: number; code: string; message: string } | undefined {
  const e = err as HttpClientError | undefined;
  const known = BODY_PARSER[e?.type ?? ''];
  if (known) return known;
  // The router marks a parameter it cannot decode with status 400, but not as exposable.
  if (err instanceof URIError && e?.status === 400) {
    return { status: 400, code: 'invalid_url_encoding', message: 'A part of the URL is not valid percent-encoding' };
  }
  if (!e || typeof e.status !== 'number' || e.status < 400 || e.status > 499 || e.expose !== true) return undefined;
  const encoding = req.headers['content-encoding'];
  if (e.type === undefined && e.status === 400 && typeof e.errno === 'number' && encoding) {
    return { status: 400, code: 'invalid_content_encoding', message: `The request body is not valid ${encoding} data` };
  }
  const code = (STATUS_CODES[e.status] ?? 'Bad Request').toLowerCase().replace(/[^a-z]+/g, '_');
  return { status: e.status, code, message: (err as Error).message };
}

function send(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  res.status(status).json({ error: { code, message, ...extra, requestId: res.req.id } });
}

export function notFoundRoute(req: Request, res: Response) {
  send(res, 404, 'route_not_found', `No route ${req.method} ${req.path}`);
}

/** The one place errors become HTTP responses: a stable code, a message that says what to fix, never a stack. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    if (err instanceof DomainError) {
      if (err.kind === 'unavailable') res.setHeader('Retry-After', '5');
      send(res, STATUS[err.kind], err.code, err.message, {
        ...(err.details ? { details: err.details } : {}),
        ...(err.extra ?? {}),
      });
      return;
    }
    const client = clientError(err, req);
    if (client) {
      send(res, client.status, client.code, client.message);
      return;
    }
    if (err instanceof KeyError && err.code === 'key_store_unavailable') {
      log.warn({ err, reqId: req.id }, 'key store unavailable');
      res.setHeader('Retry-After', '5');
      send(res, 503, 'key_store_unavailable', 'The key store (HSM) holding a signing key did not answer; retry the call later');
      return;
    }
    // Revoked, not rotated yet: the operator must act, so no Retry-After. The message names the certificate, which is public.
    const pki = err instanceof PkiError ? err : (err as { cause?: unknown })?.cause instanceof PkiError ? ((err as { cause: PkiError }).cause) : undefined;
    if (pki?.code === 'certificate_unavailable') {
      log.warn({ err, reqId: req.id }, 'a revoked certificate was asked to sign');
      send(res, 503, 'certificate_unavailable', `${pki.message}; the operator rotates it through the API`);
      return;
    }
    if (err instanceof StorageUnavailableError) {
      log.warn({ err, reqId: req.id }, 'object store unavailable');
      res.setHeader('Retry-After', '5');
      send(res, 503, 'storage_unavailable', 'Document storage is unavailable right now; retry the call later');
      return;
    }
    // SQLSTATE class 22 (data exception): text the database cannot store, such as NUL or a lone surrogate.
    if (/^22/.test((err as { code?: string }).code ?? '')) {
      send(res, 400, 'invalid_text', 'The request contains characters or values that cannot be stored (for example a NUL character); remove them and retry');
      return;
    }
    if (isDatabaseUnavailable(err)) {
      log.warn({ err, reqId: req.id }, 'database unavailable');
      res.setHeader('Retry-After', '5');
      send(res, 503, 'database_unavailable', 'The database is unavailable right now; retry the call later');
      return;
    }
    log.error({ err, reqId: req.id }, 'unhandled error');
    send(res, 500, 'internal_error', 'An unexpected error occurred; quote the requestId when reporting it');
  };
}
