import * as Minio from 'minio';
import { StorageUnavailableError, type ObjectStore, type StoredObject } from './objectStore.js';
import { timeoutAgent, withTimeout } from './timeouts.js';

export interface S3Options {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
  /** Bound on every call to the store (default 10 s). */
  timeoutMs?: number;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

function unavailable(op: string, err: unknown): StorageUnavailableError {
  if (err instanceof StorageUnavailableError) return err;
  return new StorageUnavailableError(`S3 ${op} failed: ${(err as Error).message}`, { cause: err });
}

/** MinIO (or any S3 API) through the minio client; creates the bucket when it is missing. */
export async function createS3Store(opts: S3Options): Promise<ObjectStore> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = new Minio.Client({
    endPoint: opts.endPoint,
    port: opts.port,
    useSSL: opts.useSSL,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    region: opts.region,
    pathStyle: true,
    transportAgent: timeoutAgent(opts.useSSL, timeoutMs),
  });
  const { bucket } = opts;
  const bounded = <T>(op: string, run: () => Promise<T>) => withTimeout(op, timeoutMs, run);
  try {
    await bounded('bucket check', async () => {
      if (await client.bucketExists(bucket)) return;
      // Instances started together on an empty store race to create it: the one that loses finds it made.
      await client.makeBucket(bucket, opts.region).catch(async (err) => {
        if (!(await client.bucketExists(bucket))) throw err;
      });
    });
  } catch (err) {
    throw unavailable(`bucket check for "${bucket}"`, err);
  }

  return {
    kind: 's3',
    async put(key, data, contentType) {
      try {
        await bounded('put', () => client.putObject(bucket, key, Buffer.from(data), data.byteLength, { 'Content-Type': contentType }));
      } catch (err) {
        throw unavailable('put', err);
      }
    },
    async get(key) {
      try {
        return await bounded('get', async () => {
          const stream = await client.getObject(bucket, key);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks);
        });
      } catch (err) {
        if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return undefined;
        throw unavailable('get', err);
      }
    },
    async exists(key) {
      try {
        await bounded('stat', () => client.statObject(bucket, key));
        return true;
      } catch (err) {
        if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return false;
        throw unavailable('stat', err);
      }
    },
    async list(prefix) {
      try {
        // A listing can be long: bound it by the silence of the socket, not by one overall deadline.
        const out: StoredObject[] = [];
        for await (const item of client.listObjectsV2(bucket, prefix, true)) {
          const o = item as Minio.BucketItem;
          if (o.name) out.push({ key: o.name, lastModified: new Date(o.lastModified ?? 0), size: o.size ?? 0 });
        }
        return out;
      } catch (err) {
        throw unavailable('list', err);
      }
    },
    async delete(key) {
      try {
        await bounded('delete', () => client.removeObject(bucket, key));
      } catch (err) {
        throw unavailable('delete', err);
      }
    },
    async ping() {
      try {
        await bounded('ping', () => client.bucketExists(bucket));
      } catch (err) {
        throw unavailable('ping', err);
      }
    },
  };
}
