// The signing page as an applicant's phone gets it on a slow mobile network (Lighthouse's slow 4G:
// 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up), in Debian's Chromium at 390 x 844 against the real
// service: when the contract text is on screen, how many bytes the page took, and the PDF view on demand.
import { chromium } from 'playwright-core';
import { available, CHROMIUM } from '../test/support/checkers.js';
import { startTestService } from '../test/support/harness.js';

const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

export async function benchSignPage(): Promise<Record<string, unknown>> {
  if (!available('chromium')) return { skipped: 'chromium is not installed' };
  const svc = await startTestService({ objectStore: 'folder' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const example = (await (await svc.call('workflow', 'GET', '/api/v1/templates/water-supply-contract')).json()).example;
    const contract = await (await svc.call('workflow', 'POST', '/api/v1/contracts', { templateId: 'water-supply-contract', reference: `BENCH-${Date.now()}`, variables: example, autoSign: false })).json();
    const runs: Record<string, number>[] = [];
    for (let i = 0; i < 3; i++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
      let bytes = 0;
      cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
      const start = performance.now();
      await page.goto(contract.signers[0].signingUrl, { waitUntil: 'commit' });
      await page.waitForSelector('#contract-text .clause', { state: 'visible' });
      const textMs = performance.now() - start;
      await page.waitForLoadState('load');
      const loadMs = performance.now() - start;
      const pageBytes = bytes;
      const pdfStart = performance.now();
      await page.click('#show-pdf');
      await page.waitForSelector('#pdf[aria-busy="false"] canvas');
      runs.push({ textVisibleMs: Math.round(textMs), loadedMs: Math.round(loadMs), pageKiB: Math.round(pageBytes / 1024), pdfViewMs: Math.round(performance.now() - pdfStart), withPdfKiB: Math.round(bytes / 1024) });
      await context.close();
    }
    const median = (k: string) => runs.map((r) => r[k]).sort((a, b) => a - b)[1];
    return {
      network: 'slow 4G (150 ms, 1.6 Mbit/s down)', viewport: '390x844', runs: runs.length,
      textVisibleMs: median('textVisibleMs'), loadedMs: median('loadedMs'), pageKiB: median('pageKiB'),
      pdfViewMs: median('pdfViewMs'), withPdfKiB: median('withPdfKiB'),
    };
  } finally {
    await browser.close();
    await svc.stop();
  }
}
