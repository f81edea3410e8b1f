import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildService } from '../src/bootstrap/services.js';

// The embedded default exactly as `npm start` runs it: PGlite and objects under DATA_DIR, no API_KEYS.
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'esign-embedded-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function start() {
  const printed: string[] = [];
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', EXPIRY_SWEEP_SECONDS: '0', WEBHOOK_DISPATCH: 'false' });
  const service = await buildService(config, pino({ level: 'silent' }), { announce: (t) => printed.push(t) });
  const server = service.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    printed: printed.join(''),
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await service.close();
    },
  };
}

describe('embedded default (PGlite + folder store + dev PKI)', () => {
  it('prints API keys once, keeps them, its PKI and its data across a restart', async () => {
    const first = await start();
    const key = /workflow\s+(\S+)/.exec(first.printed)?.[1];
    expect(key).toMatch(/^wes_workflow_/);
    const root1 = await (await fetch(`${first.url}/pki/root.pem`)).text();
    const example = (await (await fetch(`${first.url}/api/v1/templates/water-supply-contract`, { headers: { authorization: `Bearer ${key}` } })).json()).example;
    const created = await fetch(`${first.url}/api/v1/contracts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ templateId: 'water-supply-contract', reference: 'EMBEDDED', variables: example }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    await first.stop();

    const second = await start();
    try {
      expect(second.printed).toBe('');
      expect(await (await fetch(`${second.url}/pki/root.pem`)).text()).toBe(root1);
      const again = await fetch(`${second.url}/api/v1/contracts/${id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(again.status).toBe(200);
      const doc = await fetch(`${second.url}/api/v1/contracts/${id}/document`, { headers: { authorization: `Bearer ${key}` } });
      expect(doc.status).toBe(200);
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
      // Owner only: the folders (PGlite's own files are 0666 by its choice, behind its 0700 folder) and every object and key file.
      const mode = async (p: string) => (await stat(p)).mode & 0o777;
      for (const dir of ['', 'pgdata', 'objects']) expect(await mode(path.join(dataDir, dir)), dir || 'DATA_DIR').toBe(0o700);
      expect(await mode(path.join(dataDir, 'master.key'))).toBe(0o600);
      const objects = (await readdir(path.join(dataDir, 'objects'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      expect(objects.length).toBeGreaterThan(0);
      for (const f of objects) expect(await mode(path.join(f.parentPath, f.name)), f.name).toBe(0o600);
    } finally {
      await second.stop();
    }
  });
});
