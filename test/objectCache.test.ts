import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFolderStore } from '../src/storage/objects/folderStore.js';
import type { ObjectStore } from '../src/storage/objects/objectStore.js';
import { withObjectCache } from '../src/storage/objects/cachedStore.js';

const doc = (n: number, size = 100_000) => {
  const bytes = Buffer.alloc(size, n);
  return { key: `documents/${createHash('sha256').update(bytes).digest('hex')}.pdf`, bytes };
};

describe('the in-memory document cache in front of the object store', () => {
  let dir: string;
  let backing: ObjectStore;
  let reads: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'esign-cache-'));
    const real = await createFolderStore(dir);
    reads = [];
    // The real folder store, with its reads noted, to see which gets reach it.
    backing = { ...real, kind: real.kind, get: (key) => (reads.push(key), real.get(key)) };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves what it just wrote without reading the store, as private copies', async () => {
    const store = withObjectCache(backing, 1_000_000);
    const a = doc(1);
    await store.put(a.key, a.bytes, 'application/pdf');
    const first = (await store.get(a.key))!;
    first.fill(0);
    expect((await store.get(a.key))!.equals(doc(1).bytes)).toBe(true);
    expect(reads).toEqual([]);
    // The write went through: a store without the cache has it.
    expect((await backing.get(a.key))!.equals(doc(1).bytes)).toBe(true);
  });

  it('evicts the least recently used documents beyond its budget and reads them back from the store', async () => {
    const store = withObjectCache(backing, 250_000);
    const docs = [1, 2, 3, 4, 5].map((n) => doc(n, 60_000));
    for (const d of docs) await store.put(d.key, d.bytes, 'application/pdf');
    // 5 × 60 kB > 250 kB: the first written is gone from memory, the others are not.
    expect((await store.get(docs[0].key))!.equals(docs[0].bytes)).toBe(true);
    expect(reads).toEqual([docs[0].key]);
    // Reading it back made room by dropping the next oldest, docs[1]; docs[4] is still there.
    await store.get(docs[4].key);
    await store.get(docs[1].key);
    expect(reads).toEqual([docs[0].key, docs[1].key]);
  });

  it('forgets deleted documents, and answers exists() from the store, never from memory', async () => {
    const store = withObjectCache(backing, 1_000_000);
    const a = doc(5);
    await store.put(a.key, a.bytes, 'application/pdf');
    await store.delete(a.key);
    expect(await store.get(a.key)).toBeUndefined();
    expect(await store.exists(a.key)).toBe(false);
    await store.put(a.key, a.bytes, 'application/pdf');
    await backing.delete(a.key);
    expect(await store.exists(a.key)).toBe(false);
  });

  it('keeps nothing when a write fails', async () => {
    const failing: ObjectStore = { ...backing, put: async () => Promise.reject(new Error('store down')) };
    const store = withObjectCache(failing, 1_000_000);
    const a = doc(6);
    await expect(store.put(a.key, a.bytes, 'application/pdf')).rejects.toThrow('store down');
    expect(await store.get(a.key)).toBeUndefined();
  });
});
