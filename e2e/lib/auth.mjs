// Signing in and out through the real login form.

export const DEMO_PASSWORD = 'NghiTruong@2026';

/**
 * Opens /dang-nhap, fills the form and submits it, resolving once the
 * navigation that the submit starts has loaded (to / on success, back to
 * /dang-nhap on failure).
 */
export async function signIn(page, baseUrl, username, password = DEMO_PASSWORD) {
  await page.goto(`${baseUrl}/dang-nhap`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
}

/** Clicks the "Đăng xuất" button (a form submit) and waits for the navigation. */
export async function signOut(page) {
  const button = page.locator('form button', { hasText: 'Đăng xuất' }).first();
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
}
