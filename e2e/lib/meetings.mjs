// Steps the online-meeting tests share (issue #8): the browser switches for
// a fake camera and microphone, people's display names, and the office
// scheduling a meeting and inviting people through the real forms.
import assert from 'node:assert/strict';
import { signIn } from './auth.mjs';
import { newPage, text, waitForText } from './browser.mjs';

// Only the meeting tests get a fake camera and microphone; WebRTC may use
// the loopback interface, where the SFU (or the LiveKit mock) listens.
export const MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** The names the product shows for `usernames`, read from their own pages. */
export async function displayNames(baseUrl, usernames) {
  const names = [];
  for (const username of usernames) {
    const probe = await newPage('phone');
    await signIn(probe, baseUrl, username);
    names.push((await probe.locator('.who-name').textContent()).trim());
    await probe.context().close();
  }
  return names;
}

/**
 * The day `days` from today in Vietnam, as a date input takes it
 * (meetings cannot be scheduled in the past).
 * @param {number} days
 */
export function daysFromNow(days) {
  const when = new Date(Date.now() + days * 86_400_000);
  return when.toLocaleDateString('sv-SE', { timeZone: 'Asia/Ho_Chi_Minh' });
}

/**
 * The office (signed in on `office`) schedules a meeting through /hop and
 * invites people and halls; resolves with the meeting's address.
 * @param {import('playwright-core').Page} office
 * @param {string} baseUrl
 * @param {{ title: string, kind: string, session?: string, day: string, time: string,
 *           invite?: { name: string, role: string }[], halls?: string[] }} meeting
 */
export async function scheduleMeeting(office, baseUrl, meeting) {
  await office.goto(`${baseUrl}/hop`);
  await office.getByText('Lên lịch cuộc họp').click();
  await office.fill('#meeting-title', meeting.title);
  await office.selectOption('#meeting-kind', meeting.kind);
  if (meeting.session) {
    const sessionOption = office.locator('#meeting-session option', { hasText: meeting.session }).first();
    await office.selectOption('#meeting-session', await sessionOption.getAttribute('value'));
  }
  await office.fill('#meeting-day', meeting.day);
  await office.fill('#meeting-time', meeting.time);
  await office.locator('[data-testid=meeting-form] button[type=submit]').click();
  await office.waitForURL(/\/hop\/\d+$/);
  const meetingUrl = office.url();

  // The invite form is sent by htmx: the list of invitees changes in
  // place, the page is not loaded again (the marker would be gone).
  await office.evaluate(() => {
    window.notReloaded = true;
  });
  for (const { name, role } of meeting.invite ?? []) {
    const option = office.locator('#invite-person option', { hasText: name }).first();
    await office.selectOption('#invite-person', await option.getAttribute('value'));
    await office.selectOption('#invite-role', role);
    await office.locator('[data-testid=invite-form] button[type=submit]').click();
    await waitForText(office, '[data-testid=invitations]', name, `${name} is invited`);
    await waitForText(office, '[data-testid=invite-notice]', `Đã mời ${name}`, 'the form says who was invited');
  }
  for (const hall of meeting.halls ?? []) {
    await office.fill('#invite-hall', hall);
    await office.locator('[data-testid=invite-form] button[type=submit]').click();
    await waitForText(office, '[data-testid=invitations]', hall, `${hall} is invited`);
  }
  assert.equal(office.url(), meetingUrl);
  assert.equal(await office.evaluate(() => window.notReloaded), true, 'inviting does not reload the page');
  const invited = await text(office, '[data-testid=invitations]');
  for (const n of [...(meeting.invite ?? []).map((i) => i.name), ...(meeting.halls ?? [])]) {
    assert.ok(invited.includes(n), invited);
  }
  return meetingUrl;
}
