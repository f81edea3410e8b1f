// SQLSTATE classes that mean the server or the connection is gone, not that the statement was wrong;
// 57014 is statement_timeout (or a cancel), 40001/40P01 a serialization failure or deadlock: retry later.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3]|57014|40001|40P01|25P03)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** True when a database error is worth retrying later (connection lost, server shutting down, overloaded). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Client was closed and is not queryable|terminating connection/i.test(
    e.message ?? '',
  );
}
