// Supervision as the people who do it live it: the office sets up a
// delegation and looks at the register of resolutions; the head of the
// delegation sends the plan, closes the fieldwork and issues the
// conclusion; the office hands the recommendations out as tasks; the
// agency officer sees only their agency's tasks, reports progress and asks
// for more time; the chair reads the dashboard and grants the extension.
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
import { demoSuite } from '../lib/suite.mjs';

const demo = demoSuite();

function assertContains(haystack, needle, what) {
  assert.ok(haystack.includes(needle), `${what} should contain ${JSON.stringify(needle)}; it reads:\n${haystack.slice(0, 2000)}`);
}

async function submit(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

/** Looks at the page on a phone too, with axe, then back to the tablet. */
async function onBothScreens(page, name) {
  await screenshot(page, `${name}-tablet`);
  await checkA11y(page, `${name}-tablet`);
  await page.setViewportSize(VIEWPORTS.phone);
  await screenshot(page, `${name}-phone`);
  await checkA11y(page, `${name}-phone`);
  await assertNoSidewaysScroll(page, name);
  await page.setViewportSize(VIEWPORTS.tablet);
}

const TOPIC = 'Việc quản lý, sử dụng nhà ở công vụ trên địa bàn tỉnh';
const RECOMMENDATION = 'Rà soát, thu hồi nhà ở công vụ sử dụng sai mục đích';

test('a supervision goes from the decision to the agency and the chair', { timeout: 300_000 }, async () => {
  let page;
  try {
    // Who the demo deputy is (they will head the delegation).
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'daibieu');
    const deputyName = await text(page, '.who-name');
    await signOut(page);
    await closeContexts();

    // The office: the register, then a new delegation.
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'vanphong');
    await page.goto(`${demo.baseUrl}/nghi-quyet`);
    let body = await text(page);
    assertContains(body, '05/2021/NQ-HĐND', 'the register');
    assertContains(body, 'Bị thay thế bởi 18/2025/NQ-HĐND', 'the register shows relations');
    await onBothScreens(page, 'giam-sat-01-so-nghi-quyet');
    await page.selectOption('#r-status', 'het_hieu_luc_toan_bo');
    await submit(page, page.locator('form.search button[type=submit]'));
    assert.equal(await text(page, '[data-testid=resolution-count]'), '4');

    await page.goto(`${demo.baseUrl}/giam-sat`);
    body = await text(page);
    assertContains(body, 'chính sách hỗ trợ đất ở, nhà ở cho đồng bào dân tộc thiểu số', 'the demo delegation');
    await onBothScreens(page, 'giam-sat-02-chuong-trinh');
    await page.locator('summary', { hasText: 'Lập đoàn giám sát mới' }).click();
    await page.fill('#d-topic', TOPIC);
    await page.fill('#d-scope', 'Toàn tỉnh, giai đoạn 2021–2025');
    await submit(page, page.locator('[data-testid=new-delegation] button[type=submit]'));
    const delegationUrl = page.url();
    await page.fill('#e-number', '40/QĐ-HĐND');
    // The demo deputy (account daibieu) heads it; Sở Xây dựng is supervised.
    const head = await page.evaluate(() => {
      const opts = [...document.querySelectorAll('#e-p1 option')];
      return opts.map((o) => ({ value: o.value, label: o.textContent.trim() }));
    });
    assert.ok(head.length > 1, 'deputies to choose from');
    const choice = head.find((o) => o.label === deputyName);
    assert.ok(choice, `${deputyName} is among the deputies`);
    await page.selectOption('#e-p1', choice.value);
    await page.locator('label.check', { hasText: 'Sở Xây dựng' }).first().locator('input').check();
    await screenshot(page, 'giam-sat-03-thanh-lap');
    await submit(page, page.locator('[data-testid=establish-form] button[type=submit]'));
    assertContains(await text(page, '[data-testid=delegation-status]'), 'Đã thành lập', 'the delegation');
    await signOut(page);
    await closeContexts();

    // The head of the delegation: plan, fieldwork, conclusion.
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'daibieu');
    await page.goto(delegationUrl);
    const planForm = page.locator('[data-testid=plan-form]');
    if ((await planForm.count()) === 0) {
      await saveHtml(page, 'giam-sat-head-no-plan-form');
      assert.fail(`the head of the delegation (${choice.label}) should see the plan form`);
    }
    await page.fill('#k-number', '15/KH-ĐGS');
    const day = (offset) => {
      const d = new Date(Date.now() + offset * 86_400_000);
      return d.toISOString().slice(0, 10);
    };
    await page.fill('#k-due', day(10));
    await page.fill('#k-from', day(12));
    await page.fill('#k-to', day(40));
    await submit(page, planForm.locator('button[type=submit]'));
    assertContains(await text(page, '[data-testid=delegation-status]'), 'Đang giám sát', 'after the plan');
    await page.fill('#v-place', 'Trụ sở Sở Xây dựng');
    await submit(page, page.locator('[data-testid=visit-form] button[type=submit]'));
    assertContains(await text(page, '[data-testid=visits]'), 'Trụ sở Sở Xây dựng', 'the visit');
    await onBothScreens(page, 'giam-sat-04-doan-dang-giam-sat');
    await submit(page, page.locator('button', { hasText: 'xây dựng báo cáo kết quả' }));
    await page.fill('#c-number', '50/KL-HĐND');
    const agencyValue = await page.evaluate(() => {
      const o = [...document.querySelectorAll('#c-b1 option')].find((x) => x.textContent.includes('Sở Xây dựng'));
      return o?.value;
    });
    await page.selectOption('#c-b1', agencyValue);
    await page.fill('#c-t1', RECOMMENDATION);
    await submit(page, page.locator('[data-testid=conclusion-form] button[type=submit]'));
    assertContains(await text(page, '[data-testid=recommendations]'), RECOMMENDATION, 'the conclusion');
    await signOut(page);
    await closeContexts();

    // The office hands the recommendation out as a task.
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'vanphong');
    await page.goto(delegationUrl);
    await page.fill('#f-ev1', 'Báo cáo kết quả rà soát, quyết định thu hồi');
    await screenshot(page, 'giam-sat-05-giao-nhiem-vu');
    await submit(page, page.locator('[data-testid=follow-up-form] button[type=submit]'));
    assertContains(await text(page, '[data-testid=delegation-tasks]'), RECOMMENDATION, 'the new task');
    await signOut(page);
    await closeContexts();

    // The agency officer: only Sở Xây dựng's tasks; progress and extension.
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'coquan');
    assert.ok(Number(await text(page, '[data-testid=unread-count]')) >= 1, 'the bell shows the new task');
    await page.click('[data-testid=bell]');
    await page.waitForLoadState('load');
    assertContains(await text(page, '[data-testid=notifications]'), 'Nhiệm vụ mới', 'the notifications');
    await onBothScreens(page, 'giam-sat-05b-thong-bao');
    await page.goto(`${demo.baseUrl}/giam-sat`);
    assert.ok(page.url().endsWith('/giam-sat/nhiem-vu'), 'an agency lands on its tasks');
    body = await text(page, '[data-testid=tasks]');
    assertContains(body, RECOMMENDATION, "the agency's list");
    assert.ok(!body.includes('Công khai danh sách hộ được hỗ trợ'), "another agency's task is not listed");
    await onBothScreens(page, 'giam-sat-06-co-quan-danh-sach');
    await page.locator('[data-testid=tasks] a', { hasText: RECOMMENDATION }).first().click();
    await page.waitForLoadState('load');
    const taskUrl = page.url();
    await page.fill('#r-text', 'Đã rà soát 42/60 căn nhà công vụ.');
    await page.fill('#r-number', '201/BC-SXD');
    await submit(page, page.locator('[data-testid=report-form] button[type=submit]'));
    assertContains(await text(page, '[data-testid=progress]'), 'Đã rà soát 42/60 căn nhà công vụ.', 'the progress');
    await page.locator('summary', { hasText: 'Đề nghị gia hạn' }).click();
    await page.fill('#x-due', day(150));
    await page.fill('#x-reason', 'Chờ kết quả thanh tra về nhà công vụ.');
    await submit(page, page.locator('[data-testid=extension-form] button[type=submit]'));
    assertContains(await text(page, '[data-testid=extension-request]'), 'Chờ kết quả thanh tra', 'the request');
    await onBothScreens(page, 'giam-sat-07-co-quan-nhiem-vu');
    await signOut(page);
    await closeContexts();

    // The chair: the dashboard, then the extension granted.
    page = await newPage('tablet');
    await signIn(page, demo.baseUrl, 'chutich');
    await page.goto(`${demo.baseUrl}/giam-sat/tong-quan`);
    assert.equal(await text(page, '[data-testid=total]'), '11', 'ten demo tasks and the new one');
    assert.ok(Number(await text(page, '[data-testid=overdue-count]')) >= 3, 'the demo overdue tasks');
    assertContains(await text(page, '[data-testid=chart-status]'), 'Quá hạn', 'the status chart');
    assertContains(await text(page, '[data-testid=chart-body]'), 'Sở Xây dựng', 'the body chart');
    assertContains(await text(page, '[data-testid=on-time]'), '(100%)', 'the on-time rate');
    await onBothScreens(page, 'giam-sat-08-tong-quan');
    await page.goto(taskUrl);
    await page.selectOption('#d-action', 'gia-han');
    await page.fill('#d-note', 'Đồng ý gia hạn.');
    await submit(page, page.locator('[data-testid=decide-form] button[type=submit]'));
    assert.equal(await page.locator('[data-testid=extension-request]').count(), 0, 'the request is answered');
    assertContains(await text(page, '[data-testid=task-due]'), day(150).split('-').reverse().join('/'), 'the new due date');
    await onBothScreens(page, 'giam-sat-09-chu-tich-gia-han');
    assert.deepEqual(page.pageErrors, []);
    assertNoExternalRequests(page);
  } catch (err) {
    if (page) await saveHtml(page, 'giam-sat-failure');
    throw err;
  }
});
