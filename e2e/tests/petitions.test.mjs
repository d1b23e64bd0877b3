// Voter petitions as the people who handle them live it: the office
// records a meeting and types opinions, imports the sheet it keeps, merges
// the duplicates the system proposes, classifies and forwards; the agency
// officer answers; the office grades; a citizen reads the answer on the
// public portal without signing in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, signOut } from '../lib/auth.mjs';
import {
  VIEWPORTS,
  assertNoExternalRequests,
  assertNoSidewaysScroll,
  checkA11y,
  closeContexts,
  newPage,
  saveHtml,
  screenshot,
  text,
} from '../lib/browser.mjs';
import { makePdf } from '../lib/files.mjs';
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

function assertContains(haystack, needle, what) {
  assert.ok(haystack.includes(needle), `${what} should contain ${JSON.stringify(needle)}; it reads:\n${haystack.slice(0, 2000)}`);
}

async function submit(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

const ROAD = 'Đề nghị nâng cấp, sửa chữa Quốc lộ 7 đoạn qua xã Anh Sơn vì mặt đường xuống cấp nghiêm trọng.';
const ROAD_UNACCENTED = 'De nghi nang cap sua chua QL7 doan qua xa Anh Son, mat duong xuong cap nghiem trong.';
const ANSWER = 'Sở Xây dựng đã bố trí vốn duy tu để sửa chữa đoạn tuyến trong quý I năm 2027.';

test('a petition goes from the voters to the published answer', { timeout: 300_000 }, async () => {
  let page;
  try {
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'vanphong');

    // The office opens a round.
    await page.goto(`${demo.baseUrl}/kien-nghi`);
    await checkA11y(page, 'petitions-overview');
    await screenshot(page, 'petitions-overview');
    await page.locator('summary', { hasText: 'Mở đợt tiếp xúc cử tri mới' }).click();
    await page.fill('#round-name', 'Tiếp xúc cử tri trước Kỳ họp thứ 3');
    await submit(page, page.getByRole('button', { name: 'Mở đợt' }));
    const roundUrl = page.url();
    assert.match(new URL(roundUrl).pathname, /^\/kien-nghi\/dot\/\d+$/);

    // The secretary records the meeting and types what voters say.
    await page.locator('summary', { hasText: 'Thêm hội nghị tiếp xúc cử tri' }).click();
    await page.fill('#m-place', 'Hội trường UBND xã Anh Sơn');
    await page.fill('#m-deputies', 'Nguyễn Văn An, Trần Thị Bình');
    await page.fill('#m-voters', '150');
    await submit(page, page.getByRole('button', { name: 'Lưu hội nghị' }));
    assert.match(new URL(page.url()).pathname, /^\/kien-nghi\/hoi-nghi\/\d+$/);
    for (const opinion of [ROAD, ROAD_UNACCENTED]) {
      await page.fill('#op-text', opinion);
      await page.fill('#op-voters', '3');
      await submit(page, page.getByRole('button', { name: 'Lưu ý kiến' }));
    }
    assertContains(await text(page, '[data-testid=petitions]'), 'Quốc lộ 7', 'the meeting\u2019s opinions');
    await checkA11y(page, 'voter-meeting');
    await screenshot(page, 'voter-meeting-tablet');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'voter-meeting-phone');
    await assertNoSidewaysScroll(page, 'voter meeting');
    await page.setViewportSize(VIEWPORTS.tablet);

    // The office imports its sheet: one bad row is named, the rest come in.
    await page.goto(roundUrl);
    await page.locator('summary', { hasText: 'Nhập ý kiến từ tệp' }).click();
    const sheet = 'STT;Nội dung kiến nghị;Số cử tri\n1;Đề nghị cấp thẻ BHYT kịp thời cho người cao tuổi;4\n2;;1\n3;Đề nghị nạo vét kênh tưới tiêu xóm 5;2\n';
    await page.setInputFiles('#import-file', { name: 'y-kien.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet, 'utf8') });
    await page.getByRole('button', { name: 'Kiểm tra tệp' }).click();
    await page.waitForSelector('[data-testid=import-preview]');
    const preview = await text(page, '[data-testid=import-preview]');
    assertContains(preview, 'Dòng 3: thiếu nội dung kiến nghị', 'the import preview');
    await screenshot(page, 'petition-import-preview');
    await page.getByRole('button', { name: /Nhập 2 ý kiến hợp lệ/ }).click();
    await page.waitForSelector('[data-testid=import-done]');
    await page.goto(roundUrl);
    assertContains(await text(page, '[data-testid=petitions]'), 'BHYT', 'the round after import');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'petition-round-phone');
    await assertNoSidewaysScroll(page, 'petition round');
    await checkA11y(page, 'petition-round-phone');
    await page.setViewportSize(VIEWPORTS.tablet);

    // Aggregation proposes the two write-ups of the road petition as one.
    await page.goto(`${roundUrl}/tong-hop`);
    await checkA11y(page, 'petition-aggregate');
    await screenshot(page, 'petition-aggregate');
    await submit(page, page.getByRole('button', { name: 'Đưa tất cả ý kiến mới vào tổng hợp' }));
    const group = page.locator('[data-testid=dup-group]').filter({ hasText: 'QL7' });
    assert.equal(await group.count(), 1, 'one proposed group holds the unaccented write-up');
    await submit(page, group.getByRole('button', { name: /Gộp/ }));

    // Classify the merged petition for Sở Xây dựng and forward it.
    await page.goto(roundUrl);
    const row = page.locator('[data-testid=petition-row]').filter({ hasText: 'Quốc lộ 7' });
    assert.equal(await row.count(), 1, 'the merged petition is one row');
    assert.equal((await row.locator('td').nth(3).textContent()).trim(), '6', 'the merged petition keeps the voters of both');
    await submit(page, row.getByRole('link').first());
    const petitionUrl = page.url();
    await page.selectOption('#c-field', 'kinh_te_ngan_sach');
    await page.selectOption('#c-topic', 'giao_thong');
    await page.selectOption('#c-comp', 'tinh');
    await page.selectOption('#c-agency', { label: 'Sở Xây dựng tỉnh Nghệ An' });
    await checkA11y(page, 'petition-detail');
    await submit(page, page.getByRole('button', { name: 'Lưu phân loại' }));
    assertContains(await text(page, '[data-testid=petition-status]'), 'Đã phân loại', 'the petition status');
    await page.goto(roundUrl);
    await page.selectOption('#fw-agency', { label: 'Sở Xây dựng tỉnh Nghệ An' });
    await page.fill('#fw-number', '321/HĐND-VP');
    await submit(page, page.getByRole('button', { name: 'Chuyển', exact: true }));
    assertContains(await text(page, '[data-testid=letters]'), '321/HĐND-VP', 'the letters of the round');
    await screenshot(page, 'petition-round');
    await signOut(page);

    // The agency officer answers.
    await signIn(page, demo.baseUrl, 'coquan');
    await page.goto(`${demo.baseUrl}/kien-nghi`);
    assert.equal(new URL(page.url()).pathname, '/kien-nghi/duoc-giao');
    await checkA11y(page, 'petitions-assigned');
    await screenshot(page, 'petitions-assigned');
    await page.goto(petitionUrl);
    await page.fill('#a-number', '88/SXD-KH');
    await page.fill('#a-summary', ANSWER);
    // A file that only calls itself a PDF is refused beside the form, and
    // what was typed stays for the next try.
    await page.setInputFiles('#a-file', {
      name: 'tra-loi.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('MZ\x90\x00 not a letter at all', 'latin1'),
    });
    const answerForm = page.getByTestId('answer-form');
    const answerUrl = page.url();
    await answerForm.getByRole('button', { name: 'Gửi trả lời' }).click();
    const refusal = answerForm.locator('[data-form-error] [role=alert]');
    await refusal.waitFor({ state: 'visible' });
    assert.equal(page.url(), answerUrl, 'a refused answer stays on the petition');
    assert.ok((await refusal.textContent()).trim().length > 10, 'the refusal says why');
    assert.equal(await page.inputValue('#a-number'), '88/SXD-KH', 'the number typed stays');
    assert.equal(await page.inputValue('#a-summary'), ANSWER, 'the answer typed stays');
    await screenshot(page, 'petition-answer-refused');
    await page.setInputFiles('#a-file', {
      name: '88-SXD-KH.pdf',
      mimeType: 'application/pdf',
      buffer: makePdf(['SO XAY DUNG TINH NGHE AN', 'So: 88/SXD-KH', 'Tra loi kien nghi cu tri ve Quoc lo 7']),
    });
    await checkA11y(page, 'petition-answer-form');
    await screenshot(page, 'petition-answer-form');
    await submit(page, page.getByRole('button', { name: 'Gửi trả lời' }));
    assertContains(await text(page, '[data-testid=answer]'), 'bố trí vốn duy tu', 'the answer');
    assertContains(await text(page, '[data-testid=answer-files]'), '88-SXD-KH.pdf', 'the answer letter');
    await signOut(page);

    // The office grades it.
    await signIn(page, demo.baseUrl, 'vanphong');
    await page.goto(petitionUrl);
    await page.selectOption('#e-result', 'dang_giai_quyet');
    await page.fill('#e-note', 'Có lộ trình sửa chữa trong quý I/2027.');
    await submit(page, page.getByRole('button', { name: 'Lưu đánh giá' }));
    assertContains(await text(page, '[data-testid=evaluation]'), 'Đang giải quyết', 'the evaluation');
    await screenshot(page, 'petition-graded');
    await signOut(page);

    // A citizen finds it on the portal, typing without diacritics.
    await page.goto(`${demo.baseUrl}/cong-khai/kien-nghi?q=quoc+lo+7+anh+son`);
    const portal = await text(page, 'main');
    assertContains(portal, 'bố trí vốn duy tu', 'the public portal');
    const letterHref = await page.getByRole('link', { name: '(văn bản trả lời)' }).first().getAttribute('href');
    const letter = await page.request.get(`${demo.baseUrl}${letterHref}`);
    assert.equal(letter.status(), 200, 'a citizen opens the answer letter');
    assert.equal(letter.headers()['content-type'], 'application/pdf');
    await checkA11y(page, 'portal-petitions');
    await screenshot(page, 'portal-petitions-tablet');
    await page.setViewportSize(VIEWPORTS.phone);
    await checkA11y(page, 'portal-petitions-phone');
    await screenshot(page, 'portal-petitions-phone');
    assertNoExternalRequests(page);
  } catch (err) {
    if (page) {
      await screenshot(page, 'FAILED-petitions').catch(() => {});
      await saveHtml(page, 'FAILED-petitions').catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});

test('the petitions of a round read as cards on a 360 px phone', { timeout: 120_000 }, async () => {
  let page;
  try {
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'vanphong');
    await page.goto(`${demo.baseUrl}/kien-nghi`);
    await submit(page, page.getByRole('link', { name: /Kỳ họp thứ 2 \(dữ liệu mẫu\)/ }).first());
    await page.setViewportSize({ width: 360, height: 740 });
    const rows = page.locator('[data-testid=petition-row]');
    const count = await rows.count();
    assert.ok(count >= 10, `the demo round lists its petitions (${count})`);

    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no sideways scroll at 360 px: scrollWidth ${widths[0]} > innerWidth ${widths[1]}`);
    await assertNoSidewaysScroll(page, 'petition list on a phone');

    // Every field of every row is on the screen, with its column's name.
    const problems = await page.evaluate(() => {
      const out = [];
      const headers = [...document.querySelectorAll('[data-testid=petitions] thead th')].map((th) => th.textContent.trim());
      for (const [i, tr] of [...document.querySelectorAll('[data-testid=petition-row]')].entries()) {
        const cells = [...tr.querySelectorAll('td')];
        if (cells.length !== headers.length) out.push(`row ${i}: ${cells.length} cells`);
        for (const [j, td] of cells.entries()) {
          const box = td.getBoundingClientRect();
          const style = getComputedStyle(td);
          const label = getComputedStyle(td, '::before').content;
          if (style.display === 'none' || style.visibility === 'hidden' || box.width < 100 || box.height < 10) {
            out.push(`row ${i} ${headers[j]}: hidden (${Math.round(box.width)}×${Math.round(box.height)})`);
          }
          if (box.left < 0 || box.right > window.innerWidth) out.push(`row ${i} ${headers[j]}: off screen`);
          if (label !== `"${headers[j]}"`) out.push(`row ${i} ${headers[j]}: label ${label}`);
        }
        // Stacked: the row is one card taller than wide-row height.
        if (cells.length > 1 && cells[1].getBoundingClientRect().top <= cells[0].getBoundingClientRect().top) {
          out.push(`row ${i}: cells side by side`);
        }
      }
      return out;
    });
    assert.deepEqual(problems.slice(0, 10), [], 'each row is a card with every field visible');
    await checkA11y(page, 'petition-list-phone');
    await screenshot(page, 'petition-list-phone');

    // On a tablet it is still a table, one row per petition.
    await page.setViewportSize(VIEWPORTS.tablet);
    const sideBySide = await rows.first().evaluate((tr) => {
      const [a, b] = tr.querySelectorAll('td');
      return Math.abs(a.getBoundingClientRect().top - b.getBoundingClientRect().top) < 2;
    });
    assert.ok(sideBySide, 'a tablet shows the table');
    assertNoExternalRequests(page);
  } catch (err) {
    if (page) {
      await screenshot(page, 'FAILED-petition-list-phone').catch(() => {});
      await saveHtml(page, 'FAILED-petition-list-phone').catch(() => {});
    }
    throw err;
  } finally {
    await closeContexts();
  }
});
