/**
 * The extension-host test entry: code-server (test/harness/runHostTests.ts) and
 * @vscode/test-electron (test/electron/runTests.mjs) load the bundle of this file
 * (out/test/host/index.js) and call run(). It resolves when every test passed.
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

export async function run(): Promise<void> {
  // R1_HOST_GREP (a test-title pattern) runs a subset while working on one feature; unset in npm test.
  const grep = process.env.R1_HOST_GREP;
  const mocha = new Mocha({ ui: 'tdd', timeout: 30_000, reporter: LineReporter, ...(grep ? { grep } : {}) });
  // Installs suite()/test()/setup()… as globals, as the mocha CLI does before loading each file.
  mocha.suite.emit('pre-require', globalThis, 'out/test/host/index.js', mocha);
  // require, not import: imports would run before the globals exist. esbuild still bundles these.
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('./activation.test');
  require('./contributions.test');
  require('./apiKey.test');
  require('./chat.test');
  require('./fixSelection.test');
  require('./hardening.test');
  require('./localModel.test');
  require('./soak.test');
  require('./walkthrough.test');
  /* eslint-enable @typescript-eslint/no-require-imports */
  mocha.suite.emit('post-require', globalThis, 'out/test/host/index.js', mocha);

  const total = mocha.suite.total();
  if (total === 0) throw new Error('no tests were registered');
  const failures = await new Promise<number>((done) => mocha.run(done));
  if (failures > 0) throw new Error(`${failures} of ${total} extension-host tests failed`);
}
