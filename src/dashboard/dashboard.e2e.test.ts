// The dashboard end to end: `kcanary up` with real model-server processes, the
// real page in headless Chromium, and the CLI acting on the same rollout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, runCli, sendTraffic, specInTempDir, tinySpec } from '../testing/cli.js';
import { launchBrowser, pageWidth, screenshot, servedCounts, textOf, waitForTestId } from './testing/browser.js';

// Not on a terminal, up prints the address without its token, and where the token is.
const DASHBOARD = /dashboard (http:\/\/127\.0\.0\.1:(\d+))\/ .*token is in (\S+),/;
const GATEWAY = /gateway (http:\/\/127\.0\.0\.1:\d+)/;

async function savedPhase(dir: string): Promise<{ phase: string; canaryWeight: number }> {
  const state = JSON.parse(await readFile(join(dir, '.kcanary', 'tiny.state.json'), 'utf8')) as { status: { phase: string; canaryWeight: number } };
  return state.status;
}

test('the page follows a local rollout, moves with set-weight from the CLI, and promotes on a confirmed click', { timeout: 120_000 }, async () => {
  // A long interval holds the rollout at its first step until someone acts.
  const { dir, file } = await specInTempDir(tinySpec({ spec: { rollout: { steps: [20, 50, 100], interval: '1h' } } }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  const browser = await launchBrowser();
  let traffic: ReturnType<typeof sendTraffic> | undefined;
  try {
    const [, control, , tokenFile] = await up.waitFor(DASHBOARD);
    const token = (await readFile(tokenFile!, 'utf8')).trim();
    const [, gateway] = await up.waitFor(GATEWAY);
    await up.waitFor(/Progressing\s+canary\s+20%/);
    traffic = sendTraffic(gateway!, 'tiny', 50);

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    await page.goto(`${control}/#token=${token}`);
    await waitForTestId(page, 'phase', 'Progressing');
    await waitForTestId(page, 'weight-canary', '20%');
    assert.equal(await textOf(page, 'weight-primary'), '80%');
    assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
    // The charts fill from the live stream.
    await page.locator('[data-testid="chart-rps"] canvas').waitFor();
    for (let i = 0; i < 100 && !((await servedCounts(page))[1]! > 0); i++) await page.waitForTimeout(200);
    assert.ok((await servedCounts(page))[1]! > 0, 'the page counts the canary\'s requests');
    await page.waitForTimeout(2500); // a few points on the charts, for the screenshot
    await screenshot(page, 'dashboard.png');

    const setWeight = await runCli(['set-weight', '40', '--state-dir', join(dir, '.kcanary')]);
    assert.equal(setWeight.code, 0, setWeight.stderr);
    await waitForTestId(page, 'weight-canary', '40%');
    await waitForTestId(page, 'phase', 'Paused');
    assert.equal(await textOf(page, 'weight-primary'), '60%');

    // A request without the token is refused, from the dashboard's own origin too (which then asks for the token).
    const tokenless = await browser.newPage();
    await tokenless.goto(`${control}/`);
    await tokenless.getByRole('textbox', { name: 'token' }).waitFor();
    assert.equal(await tokenless.evaluate(() => fetch('/api/v1/status').then((r) => r.status)), 401);
    await tokenless.close();
    const forged = await fetch(`${control}/api/v1/commands`, { method: 'POST', body: '{"type":"rollback"}' });
    assert.equal(forged.status, 401);
    // A page of another site posting the CSRF way (a simple request, no header) changes nothing.
    const other = await browser.newPage();
    await other.goto(`${gateway}/`);
    await other.evaluate((url) => fetch(`${url}/api/v1/commands`, { method: 'POST', mode: 'no-cors', body: '{"type":"rollback"}' }).catch(() => undefined), control!);
    await other.close();
    assert.deepEqual(await savedPhase(dir), { ...(await savedPhase(dir)), phase: 'Paused', canaryWeight: 40 });

    await page.getByRole('button', { name: 'Promote' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Promote tiny\?/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await savedPhase(dir)).phase, 'Paused', 'cancel does nothing');

    await page.getByRole('button', { name: 'Promote' }).click();
    await page.locator('[data-testid="confirm"]').click();
    await waitForTestId(page, 'outcome', /promoted by hand/);
    await waitForTestId(page, 'phase', /^(Promoting|Succeeded)$/);
    await waitForTestId(page, 'phase', 'Succeeded', 30_000);
    await waitForTestId(page, 'weight-canary', '0%');
    assert.equal((await savedPhase(dir)).phase, 'Succeeded');
    await page.waitForTimeout(600); // the bars' width transition
    await screenshot(page, 'dashboard-promoted.png');
    assert.deepEqual(problems, [], 'no errors in the page');
  } finally {
    await traffic?.stop();
    await browser.close();
    up.child.kill('SIGTERM');
    await up.exited;
  }
});

test('a refused command is shown, not swallowed; a phone-width dark page has no sideways scroll', { timeout: 90_000 }, async () => {
  const { dir, file } = await specInTempDir(tinySpec({ spec: { rollout: { steps: [20, 50, 100], interval: '1h' } } }));
  const up = new CliProcess(['up', '-f', file, '--tick', '200ms'], dir);
  const browser = await launchBrowser({ width: 390, colorScheme: 'dark' });
  try {
    const [, control, , tokenFile] = await up.waitFor(DASHBOARD);
    const token = (await readFile(tokenFile!, 'utf8')).trim();
    await up.waitFor(/Progressing\s+canary\s+20%/);
    const page = await browser.newPage();
    await page.goto(`${control}/#token=${token}`);
    await waitForTestId(page, 'weight-canary', '20%');
    assert.equal(await page.getByRole('button', { name: 'Resume' }).isDisabled(), true, 'resume only applies to a paused rollout');
    const width = await pageWidth(page);
    assert.ok(width <= 390, `no sideways scrolling at phone width (the page is ${width}px wide)`);
    await screenshot(page, 'dashboard-phone-dark.png');

    // Someone rolls back from the CLI while the Promote confirmation is open: the click is refused, and says why.
    await page.getByRole('button', { name: 'Promote' }).click();
    await page.locator('dialog[open]').waitFor();
    const rollback = await runCli(['rollback', '--state-dir', join(dir, '.kcanary')]);
    assert.equal(rollback.code, 0, rollback.stderr);
    await waitForTestId(page, 'phase', /^(RollingBack|RolledBack)$/);
    await page.locator('[data-testid="confirm"]').click();
    await waitForTestId(page, 'outcome', /^Refused: cannot promote a rollout that is (RollingBack|RolledBack)/);
    assert.match((await savedPhase(dir)).phase, /^(RollingBack|RolledBack)$/);

    // A wrong token sends the page back to the token form, with a message.
    const second = await browser.newPage();
    await second.goto(`${control}/#token=${'0'.repeat(48)}`);
    await second.getByRole('alert').filter({ hasText: /token was refused/ }).waitFor();
  } finally {
    await browser.close();
    up.child.kill('SIGTERM');
    await up.exited;
  }
});
