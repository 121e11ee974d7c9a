// Headless Chromium (Debian's package, installed by scripts/setup-test-deps.sh) driven by playwright-core.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../testing/cli.js';

/** The little of the DOM the functions run inside the page use (this project compiles without the DOM types). */
interface PageElement { readonly textContent: string | null }
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): ArrayLike<PageElement>; readonly documentElement: { readonly scrollWidth: number } };

export const CHROMIUM = process.env.KCANARY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** A fresh profile each time; flags that work as root in a container with no GPU. */
export async function launchBrowser(options: { width?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/setup-test-deps.sh (or set KCANARY_CHROMIUM)`);
  const profile = await mkdtemp(join(tmpdir(), 'kcanary-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
}

/** Waits until the element with this data-testid shows exactly `text`. */
export async function waitForTestId(page: Page, testId: string, text: string | RegExp, timeoutMs = 20_000): Promise<void> {
  const pattern = typeof text === 'string' ? `^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : text.source;
  try {
    await page.waitForFunction(([id, source]) => {
      const element = document.querySelector(`[data-testid="${id}"]`);
      return element !== null && new RegExp(source!).test(element.textContent?.trim() ?? '');
    }, [testId, pattern], { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    const shown = await textOf(page, testId).catch(() => '(not found)');
    throw new Error(`[data-testid=${testId}] never showed ${String(text)}; it shows "${shown}"`, { cause: error });
  }
}

export async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.locator(`[data-testid="${testId}"]`).first().textContent())?.trim() ?? '';
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** How many requests the page says each variant has served. */
export async function servedCounts(page: Page): Promise<number[]> {
  return page.evaluate(() => Array.from(document.querySelectorAll('.served'), (e) => parseInt(e.textContent ?? '', 10)));
}

/** The page's full width: wider than the viewport means sideways scrolling. */
export async function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}
