import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  ANY_PROPOSAL_CONTEXT_KEY,
  COMMAND_IDS,
  PROPOSED_SCHEME,
  VIEW_CONTAINER_ID,
  VIEW_ID,
} from '../../src/host/commandIds';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
    configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> };
    menus: Record<string, { command?: string; when?: string }[]>;
    keybindings: { command: string; key: string; mac?: string; when?: string }[];
  };
  activationEvents: string[];
};

describe('package.json contributions', () => {
  it('contributes exactly the command IDs the extension registers, each in the R1 category', () => {
    const contributed = manifest.contributes.commands.map((command) => command.command).sort();
    assert.deepEqual(contributed, Object.values(COMMAND_IDS).sort());
    for (const command of manifest.contributes.commands) assert.equal(command.category, 'R1', command.command);
  });

  it('contributes the R1 view container and the chat view', () => {
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((container) => container.id === VIEW_CONTAINER_ID));
    assert.ok(manifest.contributes.views[VIEW_CONTAINER_ID]?.some((view) => view.id === VIEW_ID));
  });

  it('documents every setting and keeps secrets out of settings', () => {
    for (const [key, setting] of Object.entries(manifest.contributes.configuration.properties)) {
      assert.ok(setting.description || setting.markdownDescription, `${key} needs a description`);
      // A token budget (contextTokens) is a number, not a credential.
      assert.doesNotMatch(key, /apiKey|(?<!context)token|secret/i, `${key}: keys belong in SecretStorage`);
    }
  });

  it('binds Explain/Fix/Ask to Ctrl+K chords, never to a single Ctrl+Alt/Cmd+Alt letter (AltGr on Windows, Replace on macOS)', () => {
    const bindings = manifest.contributes.keybindings;
    for (const command of [COMMAND_IDS.explainSelection, COMMAND_IDS.fixSelection, COMMAND_IDS.askAboutSelection]) {
      const binding = bindings.find((each) => each.command === command);
      assert.ok(binding, `${command} has a key`);
      assert.match(binding.key, /^ctrl\+k ctrl\+alt\+[a-z]$/, command);
      assert.match(binding.mac ?? '', /^cmd\+k cmd\+alt\+[a-z]$/, command);
    }
    for (const binding of bindings) {
      for (const key of [binding.key, binding.mac ?? '']) {
        assert.doesNotMatch(
          key,
          /^(ctrl|cmd)\+alt\+[a-z0-9]$/,
          `${binding.command}: ${key} is a single-stroke Ctrl/Cmd+Alt letter`,
        );
      }
    }
  });

  it('Accept/Reject: the key and the editor title only on the R1 diff; the palette whenever a proposal is pending', () => {
    const onDiff = `resourceScheme == ${PROPOSED_SCHEME}`;
    const accept = manifest.contributes.keybindings.filter((binding) => binding.command === COMMAND_IDS.acceptEdit);
    assert.equal(accept.length, 1);
    // Ctrl/Cmd+Alt+Enter is also Replace All in the find widget and the Search view.
    assert.equal(accept[0]?.when, `editorTextFocus && ${onDiff}`);
    for (const command of [COMMAND_IDS.acceptEdit, COMMAND_IDS.rejectEdit]) {
      assert.deepEqual(
        manifest.contributes.menus['editor/title']?.filter((item) => item.command === command).map((item) => item.when),
        [onDiff],
      );
      assert.deepEqual(
        manifest.contributes.menus.commandPalette?.filter((item) => item.command === command).map((item) => item.when),
        [ANY_PROPOSAL_CONTEXT_KEY],
      );
    }
  });

  it('activates once the window has started (the status item and the quick fix exist without opening R1), never on "*"', () => {
    assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
  });
});

describe('command IDs', () => {
  const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
  const home = join('host', 'commandIds.ts');
  const sources = readdirSync(srcDir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.ts'));

  it('are spelled only in src/host/commandIds.ts: every other source file imports them', () => {
    assert.ok(sources.includes(home), `${home} is among the ${sources.length} source files`);
    const ids = Object.values(COMMAND_IDS);
    const spelled: string[] = [];
    for (const name of sources) {
      if (name === home) continue;
      const text = readFileSync(join(srcDir, name), 'utf8');
      for (const id of ids) {
        // As a string literal in any quotes; a longer name such as `${id}.x` does not count.
        if (new RegExp(`['"\`]${id.replace('.', '\\.')}['"\`]`).test(text)) spelled.push(`${name}: ${id}`);
      }
    }
    assert.deepEqual(spelled, []);
  });
});

describe('package-lock.json', () => {
  it('records every node-llama-cpp platform package, so `npm ci` accepts the lock on any registry mirror', () => {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string>; os?: string[]; optional?: boolean }>;
    };
    const optional = Object.keys(lock.packages['node_modules/node-llama-cpp']?.optionalDependencies ?? {});
    assert.ok(optional.length >= 10);
    const missing = optional.filter((name) => !lock.packages[`node_modules/${name}`]);
    assert.deepEqual(missing, [], 'run: node scripts/lock-platform-packages.mjs');
    for (const name of optional)
      assert.ok(lock.packages[`node_modules/${name}`]?.os?.length, `${name} is platform-gated`);
  });
});
