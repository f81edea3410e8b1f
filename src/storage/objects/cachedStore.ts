import type { ObjectStore } from './objectStore.js';

/**
 * Keeps the most recently written or read objects in memory, up to maxBytes. Document keys are the
 * SHA-256 of their bytes, so a cached object can never be stale: the signature that follows a create,
 * the download after it and the verification reuse the bytes just written instead of fetching them
 * again. exists() and list() always ask the store: they answer what is durably there.
 */
export function withObjectCache(store: ObjectStore, maxBytes: number): ObjectStore {
  if (maxBytes <= 0) return store;
  // A Map iterates in insertion order: re-inserting on every hit makes the first key the least recent.
  const entries = new Map<string, Buffer>();
  let bytes = 0;

  function forget(key: string): void {
    const old = entries.get(key);
    if (old) {
      bytes -= old.byteLength;
      entries.delete(key);
    }
  }

  function remember(key: string, data: Uint8Array): void {
    forget(key);
    if (data.byteLength > maxBytes / 4) return;
    // A private copy: callers may reuse or mutate the buffers they passed in or got back.
    entries.set(key, Buffer.from(data));
    bytes += data.byteLength;
    for (const [k] of entries) {
      if (bytes <= maxBytes) break;
      forget(k);
    }
  }

  return {
    kind: store.kind,
    async put(key, data, contentType) {
      await store.put(key, data, contentType);
      remember(key, data);
    },
    async get(key) {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return Buffer.from(hit);
      }
      const data = await store.get(key);
      if (data) remember(key, data);
      return data;
    },
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
    async delete(key) {
      forget(key);
      await store.delete(key);
    },
    ping: () => store.ping(),
  };
}
