import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('starts with embedded defaults and nothing set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.s3).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:3000');
  });

  it('names every wrong setting with what to fix', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      S3_ENDPOINT: 'http://minio:9000',
      API_KEYS: 'root:abc',
      UTILITY_CREDIT_CODE: '123',
      SMS_WEBHOOK_URL: 'not a url',
    });
    expect(found.join('\n')).toMatch(/PORT/);
    expect(found.join('\n')).toMatch(/DATABASE_URL: must be a postgres/);
    expect(found.join('\n')).toMatch(/S3_BUCKET: is required when S3_ENDPOINT is set/);
    expect(found.join('\n')).toMatch(/API_KEYS: each entry must be role:key/);
    expect(found.join('\n')).toMatch(/UTILITY_CREDIT_CODE/);
    expect(found.join('\n')).toMatch(/SMS_WEBHOOK_URL/);
  });

  it('refuses a webhook allow-list entry that is not exactly an address or a CIDR network', () => {
    // "10.0.0.0/" read as /0 would open every address, loopback and cloud metadata included.
    for (const bad of ['10.0.0.0/', '10.0.0.0/8/9', '10.0.0.0/0x8', 'intranet', '10.0.0.0/33', '::1/129']) {
      expect(problems({ WEBHOOK_ALLOWED_NETWORKS: bad }).join('\n'), bad).toMatch(/WEBHOOK_ALLOWED_NETWORKS: must list IP addresses or CIDR networks/);
    }
    expect(loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '10.8.0.0/16, 192.168.5.7,fd00::/8' }).webhookAllowedNetworks).toContain('10.8.0.0/16');
  });

  it('reads S3 settings from an endpoint URL and API keys by role', () => {
    const c = loadConfig({
      S3_ENDPOINT: 'https://minio.example.cn:9443',
      S3_ACCESS_KEY: 'a',
      S3_SECRET_KEY: 'b',
      S3_BUCKET: 'contracts',
      API_KEYS: 'workflow:0123456789abcdef0123,auditor:fedcba9876543210fedc',
    });
    expect(c.s3).toMatchObject({ endPoint: 'minio.example.cn', port: 9443, useSSL: true, bucket: 'contracts' });
    expect(c.apiKeys?.map((k) => k.role)).toEqual(['workflow', 'auditor']);
    expect(problems({ API_KEYS: 'workflow:short' })[0]).toMatch(/at least 16 characters/);
  });
});
