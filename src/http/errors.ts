import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, type ErrorKind } from '../workflow/errors.js';
import { StorageUnavailableError } from '../storage/objects/objectStore.js';
import { isDatabaseUnavailable } from '../storage/db/errors.js';

const STATUS: Record<ErrorKind, number> = {
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

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

const BODY_PARSER: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed_json', message: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'The request body is larger than this call accepts' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: 'The request body encoding is not supported' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'Send the body as UTF-8' },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'The request body was not received completely' },
};

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
    const bp = BODY_PARSER[(err as BodyParserError)?.type ?? ''];
    if (bp) {
      send(res, bp.status, bp.code, bp.message);
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
