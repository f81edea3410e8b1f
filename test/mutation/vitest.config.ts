import { defineConfig } from 'vitest/config';

// The in-process suites that exercise the security-critical modules Stryker mutates (see
// stryker.config.mjs); suites that drive a compiled child process would run unmutated code.
export default defineConfig({
  test: {
    include: [
      'test/verificationPdf.test.ts',
      'test/verificationCms.test.ts',
      'test/verificationPermissions.test.ts',
      'test/verificationForgery.test.ts',
      'test/auditTrail.test.ts',
      'test/workingCalendar.test.ts',
      'test/signing.secrets.test.ts',
      'test/webhooks.api.test.ts',
      'test/authorization.matrix.test.ts',
      'test/workflow.api.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
