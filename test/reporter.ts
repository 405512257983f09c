/**
 * Prints one line at the very end of a run, alone, for CI logs and scripts to read:
 *   opencal: 412 passed, 0 failed, 3 skipped
 * Counts are tests. A test file that fails to load (or errors outside any test) counts as one failed test, and
 * so does each unhandled error, so the line never reads "0 failed" for a run that failed.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class OpencalSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let moduleFailedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') {
          failed += 1;
          moduleFailedTests += 1;
        } else skipped += 1;
      }
      const moduleFailed = module.state() === 'failed' || module.errors().length > 0;
      if (moduleFailed && moduleFailedTests === 0) failed += 1;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nopencal: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
