import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StorageUnavailableError, type ObjectStore, type StoredObject } from './objectStore.js';

const SAFE_KEY = /^[a-z0-9][a-z0-9/._-]*$/;

// Contracts hold personal data: the folder and its files are the service user's alone.
export async function createFolderStore(root: string): Promise<ObjectStore> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const fileFor = (key: string) => {
    if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`invalid object key: ${key}`);
    return path.join(root, key);
  };
  return {
    kind: 'folder',
    async put(key, data) {
      const file = fileFor(key);
      try {
        await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        // Write then rename so a crash never leaves a truncated object under its final key.
        const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(tmp, data, { mode: 0o600 });
        await rename(tmp, file);
      } catch (err) {
        throw new StorageUnavailableError(`object store write failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async get(key) {
      try {
        return await readFile(fileFor(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new StorageUnavailableError(`object store read failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async exists(key) {
      try {
        await stat(fileFor(key));
        return true;
      } catch {
        return false;
      }
    },
    async list(prefix) {
      // Left-over *.tmp files of a write that crashed before its rename are listed too, so the sweep removes them.
      const out: StoredObject[] = [];
      let entries;
      try {
        entries = await readdir(root, { recursive: true, withFileTypes: true });
      } catch (err) {
        throw new StorageUnavailableError(`object folder not readable: ${(err as Error).message}`, { cause: err });
      }
      for (const e of entries) {
        if (!e.isFile()) continue;
        const file = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
        const key = path.relative(root, file).split(path.sep).join('/');
        if (!key.startsWith(prefix)) continue;
        try {
          const st = await stat(file);
          out.push({ key, lastModified: st.mtime, size: st.size });
        } catch {
          // Removed meanwhile (a concurrent rename or sweep): nothing to list.
        }
      }
      return out;
    },
    async delete(key) {
      try {
        await rm(fileFor(key), { force: true });
      } catch (err) {
        throw new StorageUnavailableError(`object store delete failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async ping() {
      try {
        await stat(root);
      } catch (err) {
        throw new StorageUnavailableError(`object folder not reachable: ${root}`, { cause: err });
      }
    },
  };
}
