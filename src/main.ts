import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { buildService } from './bootstrap/services.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const service = await buildService(config, log);
  const server = service.app.listen(config.port, config.host, () => {
    log.info({ port: config.port, publicUrl: config.publicUrl }, 'water e-sign service listening');
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Hard bound: whatever hangs, the process still exits (non-zero) for the supervisor to notice.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 10_000).unref();
    log.info({ signal, inFlight: service.drain.inFlight }, 'shutting down: refusing new requests, finishing in-flight ones');
    // From here /readyz is 503 and requests on kept-alive connections get 503 shutting_down with Connection: close.
    service.drain.begin();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = await service.drain.idle(config.shutdownGraceMs);
    if (!drained) log.warn({ inFlight: service.drain.inFlight }, 'grace period over: closing connections with requests still running');
    server.closeAllConnections();
    await closed;
    try {
      await service.close();
    } catch (err) {
      log.error({ err }, 'closing the service failed');
      process.exit(1);
    }
    log.info('shut down cleanly');
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
