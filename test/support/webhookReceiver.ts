import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DedupingReceiver {
  url: string;
  /** Event ids processed, each once. */
  ids: Set<string>;
  /** Requests for an id already processed (at-least-once redeliveries), answered 2xx and dropped. */
  duplicates: number;
  stop(): Promise<void>;
}

/** A webhook receiver as the README tells workflows to write one: 2xx for everything, dedupe by Webhook-Id. */
export async function startDedupingReceiver(port = 0): Promise<DedupingReceiver> {
  const r: DedupingReceiver = { url: '', ids: new Set(), duplicates: 0, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (r.ids.has(id)) r.duplicates++;
      else r.ids.add(id);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  r.stop = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return r;
}
