/** Immutable blobs by key. Implementations: a local folder (embedded default) and S3/MinIO. */
export interface ObjectStore {
  /** Writes the object; writing the same key twice with the same bytes is harmless (keys are content-addressed). */
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or undefined when there is no such object. */
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with prefix (all pages), for the orphan sweep. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes the object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  readonly kind: 'folder' | 's3';
}

export interface StoredObject {
  key: string;
  lastModified: Date;
  size: number;
}

/** Thrown when the store cannot be reached or refuses a write: the caller may retry later. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}
