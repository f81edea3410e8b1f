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
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close(async () => {
      await service.close();
      process.exit(0);
    });
    // Keep-alive sockets would hold close() open forever.
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
