// Tra cứu in the browser: a deputy types a query without diacritics and
// finds, highlighted, both the demo session document and the demo petition
// answer that hold the accented words; the restricted demo document, shared
// with named deputies only, is found by a deputy on its list and by nobody
// else; a citizen finds published content on the public portal without
// signing in, and nothing restricted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from '../lib/auth.mjs';
import {
  assertNoExternalRequests,
  checkA11y,
  closeContexts,
  newPage,
  saveHtml,
  screenshot,
} from '../lib/browser.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

const RESTRICTED = /Phương án giá đất chi tiết/;

/** Types `q` into the search box and waits for the htmx results. */
async function search(page, q) {
  const box = page.locator('#q');
  await box.fill('');
  await box.pressSequentially(q, { delay: 5 });
  await box.press('Enter');
  await page.waitForFunction(
    (typed) => new URL(location.href).searchParams.get('q') === typed,
    q,
    { timeout: 15_000 },
  );
  await page.waitForLoadState('load');
}

/** The titles of the hits shown, as text. */
async function hitTitles(page) {
  return page.locator('[data-testid=search-hit] > a, [data-testid=search-hit] > .hit-title').allTextContents();
}

/** The indexer runs beside the server: retries the search for a while. */
async function searchUntil(page, q, until) {
  let titles = [];
  for (let i = 0; i < 30; i += 1) {
    await search(page, q);
    titles = await hitTitles(page);
    if (until(titles)) return titles;
    await page.waitForTimeout(500);
  }
  return titles;
}

test('a query without diacritics finds the document and the petition, highlighted', { timeout: 180_000 }, async () => {
  const pages = [];
  try {
    const tablet = await newPage('tablet');
    pages.push(tablet);
    await signIn(tablet, demo.baseUrl, 'daibieu3');
    await tablet.goto(`${demo.baseUrl}/tra-cuu`);
    const titles = await searchUntil(
      tablet,
      'chinh quyen dia phuong hai cap',
      (t) => t.some((x) => /Báo cáo tình hình kinh tế - xã hội/.test(x)) && t.some((x) => /^Kiến nghị số/.test(x)),
    );
    assert.ok(titles.some((t) => /Báo cáo tình hình kinh tế - xã hội/.test(t)), `the report is found: ${titles.join(' | ')}`);
    assert.ok(titles.some((t) => /^Kiến nghị số/.test(t)), `a petition is found: ${titles.join(' | ')}`);
    // The accented words are marked in the snippets, as written.
    const marks = await tablet.locator('[data-testid=search-hit] mark').allTextContents();
    for (const word of ['chính', 'quyền', 'địa', 'phương']) {
      assert.ok(marks.some((m) => m.toLowerCase() === word), `"${word}" is highlighted: ${marks.join(',')}`);
    }
    // Facets by kind name both.
    const facets = await tablet.locator('.facets a').allTextContents();
    assert.ok(facets.some((f) => /Tài liệu/.test(f)) && facets.some((f) => /Kiến nghị cử tri/.test(f)), facets.join(' | '));
    await screenshot(tablet, 'search-unaccented-tablet');
    await checkA11y(tablet, 'search-unaccented-tablet');

    // The document hit opens the document.
    await tablet.locator('[data-testid=search-hit] > a', { hasText: /Báo cáo tình hình kinh tế - xã hội/ }).first().click();
    await tablet.waitForURL(/\/tai-lieu\/\d+$/);
    assert.match(await tablet.locator('h1').textContent(), /Báo cáo tình hình kinh tế - xã hội/);

    // On a phone the same search, facets above the hits.
    const phone = await newPage('phone');
    pages.push(phone);
    await signIn(phone, demo.baseUrl, 'daibieu3');
    await phone.goto(`${demo.baseUrl}/tra-cuu?q=${encodeURIComponent('chinh quyen dia phuong hai cap')}`);
    assert.ok((await phone.locator('[data-testid=search-hit]').count()) > 1);
    await screenshot(phone, 'search-unaccented-phone');
    await checkA11y(phone, 'search-unaccented-phone');
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-search-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-search-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});

test('a restricted document is found only by the deputies on its list', { timeout: 180_000 }, async () => {
  const pages = [];
  try {
    const listed = await newPage('tablet');
    pages.push(listed);
    await signIn(listed, demo.baseUrl, 'daibieu2');
    await listed.goto(`${demo.baseUrl}/tra-cuu`);
    const found = await searchUntil(listed, 'phuong an gia dat vung gia tri', (t) => t.some((x) => RESTRICTED.test(x)));
    assert.ok(found.some((t) => RESTRICTED.test(t)), `a deputy on the list finds it: ${found.join(' | ')}`);
    await screenshot(listed, 'search-restricted-listed-tablet');
    await checkA11y(listed, 'search-restricted-listed-tablet');

    const other = await newPage('phone');
    pages.push(other);
    await signIn(other, demo.baseUrl, 'daibieu3');
    await other.goto(`${demo.baseUrl}/tra-cuu`);
    // The same words in a public document prove the index is current for
    // this deputy before the absence is believed.
    const seen = await searchUntil(other, 'bang gia dat', (t) => t.some((x) => /Tờ trình về bảng giá đất/.test(x)));
    assert.ok(seen.some((t) => /Tờ trình về bảng giá đất/.test(t)), seen.join(' | '));
    await search(other, 'phuong an gia dat vung gia tri');
    const hidden = await hitTitles(other);
    assert.ok(!hidden.some((t) => RESTRICTED.test(t)), `a deputy not on the list does not find it: ${hidden.join(' | ')}`);
    const html = await other.content();
    assert.ok(!/Vùng giá trị 14|68 triệu đồng/.test(html), 'no snippet of it either');
    // Nor through the JSON API, nor counted in the facets.
    const api = await other.request.get(`${demo.baseUrl}/api/tra-cuu?q=${encodeURIComponent('vung gia tri trong diem')}`);
    const body = await api.json();
    assert.ok(!body.hits.some((h) => RESTRICTED.test(h.title_html.replace(/<\/?mark>/g, ''))), JSON.stringify(body));
    await screenshot(other, 'search-restricted-hidden-phone');
    await checkA11y(other, 'search-restricted-hidden-phone');
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-search-restricted-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-search-restricted-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});

test('the public portal search finds published content only', { timeout: 180_000 }, async () => {
  const pages = [];
  try {
    const phone = await newPage('phone');
    pages.push(phone);
    await phone.goto(`${demo.baseUrl}/cong-khai/tim-kiem`);
    const titles = await searchUntil(phone, 'chinh quyen dia phuong hai cap', (t) => t.some((x) => /^Kiến nghị số/.test(x)));
    assert.ok(titles.some((t) => /^Kiến nghị số/.test(t)), `a published petition: ${titles.join(' | ')}`);
    assert.ok(titles.some((t) => /Báo cáo tình hình kinh tế - xã hội/.test(t)), `a public session's document: ${titles.join(' | ')}`);
    await screenshot(phone, 'search-portal-phone');
    await checkA11y(phone, 'search-portal-phone');

    await search(phone, 'phuong an gia dat vung gia tri');
    const hidden = await hitTitles(phone);
    assert.ok(!hidden.some((t) => RESTRICTED.test(t)), hidden.join(' | '));

    // A public document opens on its public page, text and download.
    await search(phone, 'chinh quyen dia phuong hai cap');
    await phone.locator('[data-testid=search-hit] > a', { hasText: /Báo cáo tình hình kinh tế - xã hội/ }).first().click();
    await phone.waitForURL(/\/cong-khai\/tai-lieu\/\d+$/);
    assert.match(await phone.getByTestId('public-document').textContent(), /đầu tư công/);
    const file = await phone.request.get(await phone.getByTestId('download').evaluate((a) => a.href));
    assert.equal(file.status(), 200);
    await screenshot(phone, 'search-portal-document-phone');
    await checkA11y(phone, 'search-portal-document-phone');
    for (const page of pages) assertNoExternalRequests(page);
  } catch (err) {
    for (const [i, page] of pages.entries()) {
      await screenshot(page, `FAILED-search-portal-${i}`).catch(() => {});
      await saveHtml(page, `FAILED-search-portal-${i}`).catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});
