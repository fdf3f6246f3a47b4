import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../src/host/commandIds';
import {
  FIX_SAMPLE_PATH,
  WALKTHROUGH_EVENTS,
  WALKTHROUGH_ID,
  WALKTHROUGH_STEP_OF,
  walkthroughContextKey,
} from '../../src/host/walkthroughSteps';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string; svg?: string };
  completionEvents?: string[];
  when?: string;
}

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command?: string; when?: string }[]>;
    walkthroughs: { id: string; title: string; description: string; steps: Step[] }[];
  };
  scripts: Record<string, string>;
};
const walkthrough = manifest.contributes.walkthroughs.find((each) => each.id === WALKTHROUGH_ID);
const steps = walkthrough?.steps ?? [];
/** Workbench commands the step descriptions may link to besides the extension's own. */
const WORKBENCH_COMMANDS = new Set(['workbench.action.openSettings']);

describe('the Get Started walkthrough (package.json)', () => {
  it('is contributed, with one step per walkthrough event, in order', () => {
    assert.ok(walkthrough, `contributes.walkthroughs has no "${WALKTHROUGH_ID}"`);
    assert.ok(walkthrough.title && walkthrough.description);
    assert.deepEqual(
      steps.map((step) => step.id),
      WALKTHROUGH_EVENTS.map((event) => WALKTHROUGH_STEP_OF[event]),
    );
  });

  it("each step completes on its event's context key, and only keys the extension sets are waited on", () => {
    const ours = new Set(WALKTHROUGH_EVENTS.map(walkthroughContextKey));
    for (const event of WALKTHROUGH_EVENTS) {
      const step = steps.find((each) => each.id === WALKTHROUGH_STEP_OF[event]);
      assert.ok(step?.completionEvents?.includes(`onContext:${walkthroughContextKey(event)}`), event);
    }
    for (const step of steps) {
      for (const completion of step.completionEvents ?? []) {
        assert.match(completion, /^(onContext|onSettingChanged|onCommand):/, `${step.id}: ${completion}`);
        if (completion.startsWith('onContext:')) assert.ok(ours.has(completion.slice('onContext:'.length)), completion);
        if (completion.startsWith('onSettingChanged:')) assert.match(completion, /:r1Coder\./, completion);
      }
    }
  });

  it('the API key step shows for the cloud, the model step for local', () => {
    assert.equal(steps.find((step) => step.id === 'setApiKey')?.when, 'config.r1Coder.mode != local');
    assert.equal(steps.find((step) => step.id === 'localModel')?.when, 'config.r1Coder.mode == local');
  });

  it("every step's media file exists under media/walkthrough/ and is small", () => {
    for (const step of steps) {
      const media = step.media.markdown ?? step.media.image ?? step.media.svg;
      assert.ok(media, `${step.id} has media`);
      assert.match(media, /^media\/walkthrough\//, `${step.id}: ${media}`);
      const path = new URL(media, root);
      assert.ok(existsSync(path), `${media} exists`);
      assert.ok(statSync(path).size < 4096, `${media} stays under 4 KB`);
    }
  });

  it("every command the steps' buttons run is contributed (or a workbench command), with JSON arguments", () => {
    const contributed = new Set(manifest.contributes.commands.map((command) => command.command));
    let links = 0;
    for (const step of steps) {
      for (const [, id, args] of step.description.matchAll(/\]\(command:([\w.]+)(?:\?([^)]*))?\)/g)) {
        links++;
        assert.ok(id && (contributed.has(id) || WORKBENCH_COMMANDS.has(id)), `${step.id}: command ${id}`);
        if (args) assert.ok(Array.isArray(JSON.parse(decodeURIComponent(args))), `${step.id}: ${args}`);
      }
    }
    assert.ok(links >= steps.length, 'each step has at least one button');
    assert.ok(contributed.has(COMMAND_IDS.openFixSample) && contributed.has(COMMAND_IDS.chooseModelSource));
  });

  it('the internal progress command is hidden from the command palette', () => {
    assert.deepEqual(
      manifest.contributes.menus.commandPalette?.filter((item) => item.command === COMMAND_IDS.walkthroughEvent),
      [{ command: COMMAND_IDS.walkthroughEvent, when: 'false' }],
    );
  });
});

describe('the sample bug and the sample workspace', () => {
  const ignore = readFileSync(new URL('.vscodeignore', root), 'utf8').split('\n');

  it('the sample the walkthrough opens ships in the VSIX; samples/ does not', () => {
    assert.ok(existsSync(new URL(FIX_SAMPLE_PATH, root)), FIX_SAMPLE_PATH);
    assert.match(FIX_SAMPLE_PATH, /^media\//);
    assert.ok(ignore.includes('!media/**'), '.vscodeignore ships media/');
    assert.equal(
      ignore.find((line) => line.trim() && !line.startsWith('#')),
      '**',
      'everything else is left out',
    );
    assert.ok(!ignore.some((line) => line.startsWith('!samples')), 'samples/ is left out');
  });

  it("npm start's workspace has the walkthrough's sample bug, the same file", () => {
    assert.equal(
      readFileSync(new URL('samples/workspace/average.js', root), 'utf8'),
      readFileSync(new URL(FIX_SAMPLE_PATH, root), 'utf8'),
    );
    assert.equal(manifest.scripts.start, 'node scripts/start.mjs');
  });
});
