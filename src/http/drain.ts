import type { NextFunction, Request, Response } from 'express';

/**
 * Graceful shutdown bookkeeping: counts requests in flight and, once draining, refuses new ones with 503
 * and Connection: close so that keep-alive clients move to another instance instead of waiting on this one.
 */
export interface Drain {
  readonly draining: boolean;
  readonly inFlight: number;
  begin(): void;
  /** Resolves when no request is in flight, or false after timeoutMs. */
  idle(timeoutMs: number): Promise<boolean>;
  middleware(req: Request, res: Response, next: NextFunction): void;
}

export function createDrain(): Drain {
  let draining = false;
  let inFlight = 0;
  let waiters: (() => void)[] = [];

  const done = () => {
    inFlight--;
    if (inFlight === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    begin() {
      draining = true;
    },
    idle(timeoutMs) {
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = () => {
          clearTimeout(timer);
          resolve(true);
        };
        // A waiter that gave up leaves the list: the batch worker asks many times while requests keep coming.
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    middleware(req, res, next) {
      if (draining) {
        res.setHeader('Connection', 'close');
        res.setHeader('Retry-After', '1');
        res.status(503).json({
          error: { code: 'shutting_down', message: 'This instance is shutting down; retry the call', requestId: req.id },
        });
        return;
      }
      inFlight++;
      res.once('close', done);
      // A request that started before the drain still finishes, but its connection is not kept for more.
      const origWriteHead = res.writeHead;
      res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
        if (draining && !res.headersSent) res.setHeader('Connection', 'close');
        return origWriteHead.apply(this, args);
      } as Response['writeHead'];
      next();
    },
  };
}
