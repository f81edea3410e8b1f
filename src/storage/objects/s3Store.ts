import * as Minio from 'minio';
import { StorageUnavailableError, type ObjectStore } from './objectStore.js';

export interface S3Options {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

function unavailable(op: string, err: unknown): StorageUnavailableError {
  return new StorageUnavailableError(`S3 ${op} failed: ${(err as Error).message}`, { cause: err });
}

/** MinIO (or any S3 API) through the minio client; creates the bucket when it is missing. */
export async function createS3Store(opts: S3Options): Promise<ObjectStore> {
  const client = new Minio.Client({
    endPoint: opts.endPoint,
    port: opts.port,
    useSSL: opts.useSSL,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    region: opts.region,
    pathStyle: true,
  });
  const { bucket } = opts;
  try {
    if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, opts.region);
  } catch (err) {
    throw unavailable(`bucket check for "${bucket}"`, err);
  }

  return {
    kind: 's3',
    async put(key, data, contentType) {
      try {
        await client.putObject(bucket, key, Buffer.from(data), data.byteLength, { 'Content-Type': contentType });
      } catch (err) {
        throw unavailable('put', err);
      }
    },
    async get(key) {
      try {
        const stream = await client.getObject(bucket, key);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (err) {
        if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return undefined;
        throw unavailable('get', err);
      }
    },
    async exists(key) {
      try {
        await client.statObject(bucket, key);
        return true;
      } catch (err) {
        if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return false;
        throw unavailable('stat', err);
      }
    },
    async ping() {
      try {
        await client.bucketExists(bucket);
      } catch (err) {
        throw unavailable('ping', err);
      }
    },
  };
}
