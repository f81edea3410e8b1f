import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { StorageUnavailableError } from './objectStore.js';

/**
 * The minio client has no request timeout: a server that accepts the connection and then says nothing
 * would hold a request (and the caller's HTTP request) forever. Two bounds: the agent destroys any socket
 * silent for `ms` (this frees the socket and fails minio's own request), and withTimeout rejects the
 * caller even if the response trickles in too slowly to trip the socket timer.
 */
export function timeoutAgent(useSSL: boolean, ms: number): http.Agent {
  const Base = useSSL ? https.Agent : http.Agent;
  const agent = new Base({ keepAlive: true, maxSockets: 64 }) as http.Agent & {
    createConnection: (...args: unknown[]) => Duplex;
  };
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (...args: unknown[]) => {
    const socket = create(...args) as Duplex & { setTimeout(ms: number, cb: () => void): void };
    socket.setTimeout(ms, () => socket.destroy(new Error(`S3 socket silent for ${ms} ms`)));
    return socket;
  };
  return agent;
}

export async function withTimeout<T>(op: string, ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StorageUnavailableError(`S3 ${op} got no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
