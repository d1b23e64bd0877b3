// The usual frame of a browser test file: the demo server and Chromium,
// started once before its tests and stopped after them.
//
//   const demo = demoSuite();
//   test('…', async () => { await page.goto(`${demo.baseUrl}/ky-hop`); });
//
// `demo.server` is the handle startServer() returned (waitForOutput, …).
import { after, before } from 'node:test';
import { closeBrowser, launchBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

export function demoSuite() {
  const demo = { server: undefined, baseUrl: undefined };
  before(
    async () => {
      demo.server = await startServer();
      demo.baseUrl = demo.server.baseUrl;
      await launchBrowser();
    },
    { timeout: 180_000 },
  );
  after(
    async () => {
      await closeBrowser();
      if (demo.server) await demo.server.stop();
    },
    { timeout: 60_000 },
  );
  return demo;
}
