import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startS3 } from '../test/support/s3server.js';
import { startChildService, type ChildService } from '../test/support/childService.js';
import { cpuSeconds, machineBusySeconds, postgresCpuSeconds, sampleProcesses } from './processStats.js';

/**
 * `npm run bench:load`: the whole journey over HTTP against compiled service processes on real PostgreSQL
 * and an S3 server (s3rver), driven by a client in its own process. Writes bench/results/load-latest.{json,md}.
 * LOAD_SECONDS (default 10) bounds each configuration; LOAD_INSTANCES / LOAD_CONCURRENCY narrow the matrix.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const seconds = Number(process.env.LOAD_SECONDS ?? 10);
const instanceCounts = (process.env.LOAD_INSTANCES ?? '1,2').split(',').map(Number);
const concurrencies = (process.env.LOAD_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const keys = { workflow: `workflow-${randomBytes(12).toString('hex')}`, auditor: `auditor-${randomBytes(12).toString('hex')}`, utility: `utility-${randomBytes(12).toString('hex')}` };

async function psql(sql: string) {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function runClient(input: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/loadClient.ts'), JSON.stringify(input)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const guard = setTimeout(() => child.kill('SIGKILL'), Number(input.durationMs) + 120_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (code !== 0) return reject(new Error(`load client exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

// The service runs compiled, as the container image runs it: no TypeScript loader in its memory or CPU.
const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) throw new Error('npm run build failed');

const dbName = `esign_load_${randomBytes(5).toString('hex')}`;
await psql(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(admin);
dbUrl.pathname = `/${dbName}`;
const s3 = await startS3();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'esign-load-'));
const env = {
  NODE_ENV: 'development',
  DATABASE_URL: dbUrl.toString(),
  S3_ENDPOINT: s3.endpoint,
  S3_ACCESS_KEY: s3.accessKey,
  S3_SECRET_KEY: s3.secretKey,
  S3_BUCKET: 'loadbench',
  DATA_DIR: dataDir,
  MASTER_KEY: randomBytes(32).toString('base64'),
  API_KEYS: `workflow:${keys.workflow},auditor:${keys.auditor},utility:${keys.utility}`,
  // One client address and key drive everything: the abuse limits would measure themselves.
  RATE_LIMIT_API_KEY_PER_MINUTE: '0',
  RATE_LIMIT_SIGNING_IP_PER_MINUTE: '0',
  LOG_LEVEL: 'warn',
};

// e.g. LOAD_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service processes.
const nodeArgs = () => (process.env.LOAD_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const results: any[] = [];
try {
  for (const n of instanceCounts) {
    const services: ChildService[] = [];
    // The first one creates the development PKI in DATA_DIR and migrates; the others reuse both.
    for (let i = 0; i < n; i++) services.push(await startChildService(env, { nodeArgs: nodeArgs(), entry: 'compiled' }));
    try {
      const urls = services.map((s) => s.url);
      const template = await (await fetch(`${urls[0]}/api/v1/templates/water-supply-contract`, { headers: { authorization: `Bearer ${keys.workflow}` } })).json();
      const base = { urls, workflowKey: keys.workflow, auditorKey: keys.auditor, templateId: 'water-supply-contract', variables: template.example };
      // Warm-up: compile paths and fill pools so that the first configuration is not penalised.
      await runClient({ ...base, concurrency: 4, durationMs: 2_000 });
      for (const c of concurrencies) {
        const sampler = sampleProcesses(services.map((s) => s.pid));
        const before = { machine: machineBusySeconds(), pg: postgresCpuSeconds(), s3: cpuSeconds(process.pid), t: Date.now() };
        const client = await runClient({ ...base, concurrency: c, durationMs: seconds * 1000 });
        const proc = sampler.stop();
        const wall = (Date.now() - before.t) / 1000;
        const cores = (x: number) => Math.round((x / wall) * 100) / 100;
        // Where the machine's cores went: everything runs on the same 2 cores as the service.
        const machine = {
          busyCores: cores(machineBusySeconds() - before.machine),
          postgresCores: cores(postgresCpuSeconds() - before.pg),
          s3rverCores: cores(cpuSeconds(process.pid) - before.s3),
          clientCores: Math.round((client.cpuSeconds / wall) * 100) / 100,
        };
        // CPU per completed contract: what a capacity plan needs, whatever shares the machine.
        const perContract = (busy: number) => (client.contractsPerSecond > 0 ? Math.round((busy / client.contractsPerSecond) * 1000) : null);
        const cpuMsPerContract = { service: perContract(proc.cpuCores.reduce((a: number, b: number) => a + b, 0)), machine: perContract(machine.busyCores) };
        const row = { instances: n, concurrency: c, ...client, service: proc, machine, cpuMsPerContract };
        results.push(row);
        process.stderr.write(
          `instances=${n} concurrency=${c}: ${client.contractsPerSecond}/s completed=${client.completed} failed=${client.failed} ` +
            `sign p99=${client.latencyMs.sign.p99} ms cpu=${proc.cpuCores.join('+')} rss=${proc.peakRssMB.join('/')} MB machine=${JSON.stringify(machine)}\n`,
        );
        if (client.errors.length) process.stderr.write(`  errors: ${client.errors.slice(0, 3).join(' | ')}\n`);
      }
    } finally {
      for (const s of services) s.proc.kill('SIGTERM');
      await Promise.all(services.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 20_000))])));
    }
  }
} finally {
  await s3.stop();
  await rm(dataDir, { recursive: true, force: true });
  await psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
}

const report = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  secondsPerConfiguration: seconds,
  journey: 'create → applicant code → applicant sign (utility auto-signs) → download → verify',
  results,
};
const fmt = (l: { p50: number | null; p99: number | null }) => (l.p50 === null ? '–' : `${l.p50} / ${l.p99}`);
const md = [
  `Load benchmark (${report.measuredAt}, Node ${report.node}, ${report.cpus} cores, ${seconds} s per row; latencies p50 / p99 in ms).`,
  '',
  '| instances | concurrent journeys | completed/s | failed | create | otp | sign (incl. utility auto-sign) | download | verify | service CPU (cores) | service peak RSS (MB) | machine busy (cores): all / PostgreSQL / s3rver / client | CPU ms per contract: service / machine |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) =>
    `| ${r.instances} | ${r.concurrency} | ${r.contractsPerSecond} | ${r.failed} | ${fmt(r.latencyMs.create)} | ${fmt(r.latencyMs.otp)} | ${fmt(r.latencyMs.sign)} | ` +
      `${fmt(r.latencyMs.download)} | ${fmt(r.latencyMs.verify)} | ${r.service.cpuCores.join(' + ')} | ${r.service.peakRssMB.join(' / ')} | ` +
      `${r.machine.busyCores} / ${r.machine.postgresCores} / ${r.machine.s3rverCores} / ${r.machine.clientCores} | ` +
      `${r.cpuMsPerContract.service} / ${r.cpuMsPerContract.machine} |`,
  ),
  '',
].join('\n');
const out = path.join(ROOT, 'bench/results');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'load-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(path.join(out, 'load-latest.md'), md);
console.log(md);
