import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildService {
  url: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the first line written from now on that matches, e.g. a log message naming a state the process reached. */
  nextLine(pattern: RegExp): Promise<string>;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The real service as its own process (`npm start` runs `tsx src/main.ts`; the image runs the compiled
 * dist/main.js), so that it can be killed with SIGKILL or stopped with SIGTERM. Resolves once /readyz answers 200.
 */
export async function startChildService(
  env: Record<string, string>,
  /** entry: 'compiled' runs dist/main.js (after `npm run build`), as the container image does. */
  opts: { port?: number; readyTimeoutMs?: number; nodeArgs?: string[]; entry?: 'source' | 'compiled' } = {},
): Promise<ChildService> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const entry = opts.entry === 'compiled' ? [path.join(ROOT, 'dist/main.js')] : ['--import', 'tsx', path.join(ROOT, 'src/main.ts')];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: { ...inherited, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let watchers: { pattern: RegExp; resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  // Per stream: a chunk may end in the middle of a line.
  const keep = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      for (const line of parts.filter(Boolean)) {
        lines.push(line);
        const matched = watchers.filter((w) => w.pattern.test(line));
        watchers = watchers.filter((w) => !matched.includes(w));
        for (const w of matched) w.resolve(line);
      }
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
  };
  proc.stdout!.on('data', keep());
  proc.stderr!.on('data', keep());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(({ code, signal }) => {
    gone = true;
    for (const w of watchers) w.reject(new Error(`service exited (${signal ?? code}) before writing ${w.pattern}:\n${lines.join('\n')}`));
    watchers = [];
  });
  const started = Date.now();
  const deadline = started + (opts.readyTimeoutMs ?? 45_000);
  // What /readyz last said, so that a start that never gets ready says where it stopped.
  let lastAnswer = 'no answer yet';
  for (;;) {
    if (gone) throw new Error(`service exited during start-up:\n${lines.join('\n')}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`service not ready within ${Date.now() - started} ms; /readyz: ${lastAnswer}; output:\n${lines.join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
      lastAnswer = `${res.status} ${(await res.text()).slice(0, 500)}`;
    } catch (err) {
      lastAnswer = `${(err as Error).message} (${String((err as { cause?: { code?: string } }).cause?.code ?? '')})`;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port,
    pid: proc.pid!,
    proc,
    exited,
    output: () => lines.join('\n'),
    nextLine: (pattern) => new Promise((resolve, reject) => watchers.push({ pattern, resolve, reject })),
  };
}
