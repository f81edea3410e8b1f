// npm run test:mutation: mutation testing of the modules whose bugs would be security bugs. Not part
// of npm test (it runs the covering tests once per mutant); incremental, so a re-run only tests
// mutants in changed code. Reports: reports/mutation/mutation.html and mutation.json.
if (!process.env.DATABASE_URL) {
  // The audit, idempotency and API suites need a database per run: a PostgreSQL database is made in
  // milliseconds, an embedded PGlite one in seconds, once per mutant.
  throw new Error('npm run test:mutation needs DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres');
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  mutate: [
    'src/verification/byteRange.ts',
    'src/verification/coverage.ts',
    'src/verification/modificationPolicy.ts',
    'src/verification/modifications.ts',
    'src/verification/permissions.ts',
    'src/verification/contractParties.ts',
    'src/verification/cms/integrity.ts',
    'src/http/auth.ts',
    'src/audit/auditTrail.ts',
    'src/contracts/calendar/workingCalendar.ts',
    'src/contracts/deadlines.ts',
    'src/domain/signingSecrets.ts',
    'src/ceremony/codeChallenges.ts:127-158',
    'src/webhooks/webhookDelivery.ts:20-35',
    'src/domain/idempotency.ts',
  ],
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  timeoutMS: 60_000,
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
