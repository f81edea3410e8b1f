import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
  /** Stops the server but keeps its data, to simulate an outage; start() brings it back on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** A real S3 HTTP endpoint (s3rver) on loopback, reached by the service through the real minio client. */
export async function startS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  let server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const { port } = await server.run();
  // The minio client keeps connections alive; close() alone would wait for them.
  const halt = async () => {
    server.httpServer.closeAllConnections();
    await server.close();
  };
  const restart = async () => {
    server = new S3rver({ port, address: '127.0.0.1', directory, silent: true });
    await server.run();
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's built-in credentials.
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    async stop() {
      await halt();
      await rm(directory, { recursive: true, force: true });
    },
    pause: halt,
    resume: restart,
  };
}
