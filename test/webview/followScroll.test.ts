// FollowScroll in real Chromium: real layout, real scroll events, real wheel input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleForBrowser, launchChromium, openPage, type TestPage } from './harness';
import type { RendererApi } from './rendererEntry';

declare const r1: RendererApi;

interface Probe {
  follow: InstanceType<RendererApi['FollowScroll']>;
  scroller: HTMLElement;
  grow(lines: number): void;
  state(): { following: boolean; top: number; distance: number };
}

declare const probe: Probe;

describe('FollowScroll (Chromium)', () => {
  let browser: Browser;
  let t: TestPage;

  before(async () => {
    browser = await launchChromium();
    t = await openPage(browser, { script: await bundleForBrowser('test/webview/rendererEntry.ts') });
    await t.page.evaluate(() => {
      const scroller = document.createElement('div');
      scroller.id = 'scroller';
      document.body.append(scroller);
      // No inline styles under the CSP: size it through the CSSOM.
      Object.assign(scroller.style, { height: '200px', width: '300px', overflowY: 'auto' });
      const content = document.createElement('div');
      scroller.append(content);
      const follow = new r1.FollowScroll(scroller);
      (window as unknown as { probe: Probe }).probe = {
        follow,
        scroller,
        grow(lines: number) {
          for (let i = 0; i < lines; i++)
            content.append(Object.assign(document.createElement('p'), { textContent: `line ${i}` }));
          follow.update();
        },
        state: () => ({
          following: follow.following,
          top: scroller.scrollTop,
          distance: scroller.scrollHeight - scroller.clientHeight - scroller.scrollTop,
        }),
      };
    });
  });

  after(async () => {
    await browser?.close();
  });

  /** Lets scroll events of the last change fire. */
  const settle = () =>
    t.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

  it('follows growing content', async () => {
    await t.page.evaluate(() => probe.grow(50));
    await settle();
    await t.page.evaluate(() => probe.grow(50));
    await settle();
    const state = await t.page.evaluate(() => probe.state());
    assert.equal(state.following, true);
    assert.ok(state.top > 0);
    assert.equal(state.distance, 0);
  });

  it('stops following when the user scrolls up with the wheel, and stays put as content grows', async () => {
    const box = (await t.page.locator('#scroller').boundingBox())!;
    await t.page.mouse.move(box.x + 50, box.y + 50);
    await t.page.mouse.wheel(0, -300);
    await settle();
    const scrolledTo = await t.page.evaluate(() => probe.state());
    assert.equal(scrolledTo.following, false);
    await t.page.evaluate(() => probe.grow(30));
    await settle();
    const after = await t.page.evaluate(() => probe.state());
    assert.equal(after.following, false);
    assert.equal(after.top, scrolledTo.top, 'the view did not move');
    assert.ok(after.distance > 300);
  });

  it('follows again once the user scrolls back to the bottom', async () => {
    const box = (await t.page.locator('#scroller').boundingBox())!;
    await t.page.mouse.move(box.x + 50, box.y + 50);
    await t.page.mouse.wheel(0, 100_000);
    await settle();
    assert.equal((await t.page.evaluate(() => probe.state())).following, true);
    await t.page.evaluate(() => probe.grow(10));
    await settle();
    assert.equal((await t.page.evaluate(() => probe.state())).distance, 0);
  });

  it('keeps following when content shrinks (e.g. reclassified text), and resume() jumps back', async () => {
    await t.page.evaluate(() => {
      const content = probe.scroller.firstElementChild!;
      for (let i = 0; i < 40; i++) content.lastElementChild!.remove();
    });
    await settle();
    assert.equal((await t.page.evaluate(() => probe.state())).following, true);

    await t.page.evaluate(() => (probe.scroller.scrollTop = 0));
    await settle();
    assert.equal(
      (await t.page.evaluate(() => probe.state())).following,
      false,
      'a scroll to the top (keyboard, scrollbar) stops following',
    );
    await t.page.evaluate(() => probe.follow.resume());
    await settle();
    const resumed = await t.page.evaluate(() => probe.state());
    assert.equal(resumed.following, true);
    assert.equal(resumed.distance, 0);
  });
});
