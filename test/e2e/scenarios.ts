/**
 * Named E2E scenarios on one shared workbench page: each passes or fails on its own, a failure
 * saves `test-artifacts/e2e-failure-<slug>.png`, and the next scenario still runs.
 */
import { join } from 'node:path';
import { log, type E2eContext } from './workbench';

export interface Scenario {
  readonly name: string;
  /** File-name part of the failure screenshot. */
  readonly slug: string;
  run(context: E2eContext): Promise<void>;
}

export interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

export async function runScenarios(
  context: E2eContext,
  scenarios: readonly Scenario[],
  timeoutMs: number,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    log(`▶ ${scenario.name}`);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        scenario.run(context),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
      results.push({ name: scenario.name, ok: true, ms: Date.now() - started });
      log(`✓ ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const screenshot = `e2e-failure-${scenario.slug}.png`;
      await context.page.screenshot({ path: join(context.artifacts, screenshot) }).catch(() => undefined);
      results.push({ name: scenario.name, ok: false, ms: Date.now() - started, error: message });
      console.error(`[e2e] ✗ ${scenario.name}: ${message}\n[e2e]   screenshot: test-artifacts/${screenshot}`);
      await recover(context);
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}

/** Leaves the workbench usable for the next scenario: closes palettes, menus and pickers. */
async function recover(context: E2eContext): Promise<void> {
  for (let i = 0; i < 3; i++) await context.page.keyboard.press('Escape').catch(() => undefined);
}
