/** Headless Debian Chromium driven by playwright-core (never `playwright install`: no downloads here). */
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(executablePath: string): Promise<Browser> {
  // Playwright adds --headless and a fresh profile itself; a --user-data-dir here would break it.
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
