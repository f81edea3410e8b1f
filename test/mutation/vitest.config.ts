import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// The in-process suites that exercise the security-critical modules Stryker mutates (see
// stryker.config.mjs); suites that drive a compiled child process would run unmutated code.
// Cheapest first: Stryker stops a mutant's run at the first failing test, so a mutant the unit
// tests kill never pays for the suites that start the app. The verifier's corpus suites
// (verificationForgery, -Redteam, -Pdf, ...) are left out: the unit suites kill what they kill,
// and each surviving mutant re-ran all of them, which made a whole run take over two hours.
const suites = [
  'test/byteRange.test.ts',
  'test/coverage.unit.test.ts',
  'test/integrity.unit.test.ts',
  'test/contractParties.unit.test.ts',
  'test/permissions.unit.test.ts',
  'test/modifications.unit.test.ts',
  'test/modificationPolicy.unit.test.ts',
  'test/workingCalendar.unit.test.ts',
  'test/signingSecrets.unit.test.ts',
  'test/webhookDelivery.unit.test.ts',
  'test/auth.unit.test.ts',
  'test/workingCalendar.test.ts',
  'test/signing.secrets.test.ts',
  'test/auditTrail.unit.test.ts',
  'test/idempotency.unit.test.ts',
  'test/auditTrail.test.ts',
  'test/idempotency.test.ts',
  'test/signWithCode.test.ts',
  'test/webhooks.api.test.ts',
  'test/authorization.matrix.test.ts',
  'test/workflow.api.test.ts',
];

const rank = (spec: TestSpecification) => suites.findIndex((s) => spec.moduleId.endsWith(s));

class CheapFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: suites,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    sequence: { sequencer: CheapFirst },
    // One module graph per run instead of one per file.
    isolate: false,
  },
});
