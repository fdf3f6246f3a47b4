/**
 * Runs extension-host tests with mocha and reports one line per test through console.log, which is
 * what reaches the code-server harness (codeAutomationLog). Shared by the suite's entries:
 * test/host/index.ts (the extension under development, ExtensionMode.Test) and
 * test/host/production/index.ts (the installed VSIX, ExtensionMode.Production).
 */
import Mocha from 'mocha';

/** The code-server harness prints only lines with this prefix; the rest of the log is workbench chatter. */
const PREFIX = '[r1-test] ';

function say(line: string): void {
  console.log(PREFIX + line);
}

/** One line per test through console.log: it is what reaches the harness (codeAutomationLog). */
class LineReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const { EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } =
      Mocha.Runner.constants;
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.title) say(suite.fullTitle());
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => say(`  ✓ ${test.title} (${test.duration ?? 0} ms)`));
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => say(`  - ${test.title} (skipped)`));
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, error: Error) => {
      say(`  ✗ ${test.fullTitle()}`);
      for (const line of (error.stack ?? String(error)).split('\n')) say(`      ${line}`);
    });
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats ?? { passes: 0, failures: 0 };
      say(`${stats.passes} passed, ${stats.failures} failed`);
    });
  }
}

/**
 * `loadTests` requires the test files (in order); it runs after mocha's suite()/test()/setup()…
 * globals exist, as the mocha CLI installs them before loading each file. Resolves when every test passed.
 */
export async function runMochaTests(entry: string, loadTests: () => void): Promise<void> {
  // R1_HOST_GREP (a test-title pattern) runs a subset while working on one feature; unset in npm test.
  const grep = process.env.R1_HOST_GREP;
  const mocha = new Mocha({ ui: 'tdd', timeout: 30_000, reporter: LineReporter, ...(grep ? { grep } : {}) });
  mocha.suite.emit('pre-require', globalThis, entry, mocha);
  loadTests();
  mocha.suite.emit('post-require', globalThis, entry, mocha);

  const total = mocha.suite.total();
  if (total === 0) throw new Error('no tests were registered');
  const failures = await new Promise<number>((done) => mocha.run(done));
  if (failures > 0) throw new Error(`${failures} of ${total} extension-host tests failed`);
}
