import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/harness.js';

describe('orphan sweep with the folder store', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ objectStore: 'folder' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('removes old unreferenced objects and crashed temp files, keeps referenced and young ones', async () => {
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const created = await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: 'ORPHAN-1', variables: example });
    expect(created.status).toBe(201);
    const store = svc.service.store;
    const old = new Date(Date.now() - 3 * 3600_000);
    const root = path.join(svc.dataDir, 'objects');
    const orphan = `documents/aa/${'a'.repeat(64)}.pdf`;
    const young = `documents/bb/${'b'.repeat(64)}.pdf`;
    await store.put(orphan, Buffer.from('%PDF orphan'), 'application/pdf');
    await store.put(young, Buffer.from('%PDF young'), 'application/pdf');
    const tmp = path.join(root, 'documents/aa', `${'c'.repeat(64)}.pdf.0123456789ab.tmp`);
    await writeFile(tmp, 'half');
    for (const f of [path.join(root, orphan), tmp]) await utimes(f, old, old);
    // The contract's own object is old too, but referenced.
    const referenced = (await svc.database.db.query<{ object_key: string }>('SELECT object_key FROM document_versions')).rows[0].object_key;
    await utimes(path.join(root, referenced), old, old);

    const result = await svc.service.sweepOrphans(3600_000);
    expect(result.removed.sort()).toEqual([orphan, path.relative(root, tmp)].sort());
    expect(result.young).toBe(1);
    expect(await store.exists(referenced)).toBe(true);
    expect(await store.exists(young)).toBe(true);
    expect(await store.exists(orphan)).toBe(false);
    expect((await svc.call('auditor', 'GET', `/api/v1/contracts/${(await created.json()).id}/document`)).status).toBe(200);
  });
});
