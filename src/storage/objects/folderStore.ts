import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StorageUnavailableError, type ObjectStore } from './objectStore.js';

const SAFE_KEY = /^[a-z0-9][a-z0-9/._-]*$/;

export async function createFolderStore(root: string): Promise<ObjectStore> {
  await mkdir(root, { recursive: true });
  const fileFor = (key: string) => {
    if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`invalid object key: ${key}`);
    return path.join(root, key);
  };
  return {
    kind: 'folder',
    async put(key, data) {
      const file = fileFor(key);
      try {
        await mkdir(path.dirname(file), { recursive: true });
        // Write then rename so a crash never leaves a truncated object under its final key.
        const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(tmp, data);
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
    async ping() {
      try {
        await stat(root);
      } catch (err) {
        throw new StorageUnavailableError(`object folder not reachable: ${root}`, { cause: err });
      }
    },
  };
}
