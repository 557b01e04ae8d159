// Keeps Vireo's web UI open in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for the API
// benchmark's "resident memory with the UI open": signs in with a token, opens the VM list (it polls the API and
// draws live graphs), and stays there. Usage: node ui-open.mjs URL TOKEN SECONDS  (prints "ready" once signed in)
import { chromium } from 'playwright-core';

const [url, token, seconds] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(url);
    await page.getByLabel('Token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Host overview', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Virtual machines', exact: true }).first().click();
    await page.getByText('vbench-42', { exact: true }).first().waitFor();
    console.log('ready');
    await page.waitForTimeout(Number(seconds) * 1000);
} finally {
    await browser.close();
}
