import { test as base, expect, Page } from "@playwright/test";

/**
 * Fails the test on any console error or uncaught exception in the page.
 * Chromium also logs every 4xx answer to a fetch as an error; a test that
 * submits bad input on purpose names the statuses it expects with an
 * `expected-http-status` annotation, and only those are let through.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use, testInfo) => {
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(err.message));
    await use(errors);
    const expected = testInfo.annotations
      .filter((a) => a.type === "expected-http-status")
      .map((a) => `Failed to load resource: the server responded with a status of ${a.description}`);
    const unexpected = errors.filter((e) => !expected.some((prefix) => e.startsWith(prefix)));
    expect(unexpected, "console errors").toEqual([]);
  },
});

export { expect };

/** True when the page runs with JavaScript (the "js" project). */
export function jsEnabled(testInfo: { project: { name: string } }): boolean {
  return testInfo.project.name === "js";
}

/**
 * Shows intent the way a visitor does (the pointer comes over the page, a
 * key is pressed), which is when a page loads its bundle, then waits until
 * the app has hydrated: `hydrate()` marks the body when done. Intent shown
 * while a navigation is still under way reaches the page being left, so,
 * as a visitor would, it is shown again until the page responds.
 */
export async function waitForHydration(page: Page): Promise<void> {
  const hydrated = page.locator("body[data-hydrated=true]");
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    await page.mouse.move(1, 1);
    await page.mouse.move(8, 8);
    await page.keyboard.press("Shift");
    try {
      await hydrated.waitFor({ state: "attached", timeout: 1_000 });
      return;
    } catch {
      // Not yet: the bundle may still be loading, or the intent was lost.
    }
  }
  await hydrated.waitFor({ state: "attached" });
}

/**
 * What sticks out past the screen's right edge in the page's main content,
 * named (tag, class, right edge), so a failure says what to fix: empty
 * when everything fits.
 */
export async function stickingOut(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("main *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)}px)`),
  );
}

/** The course pages of the whole catalogue, in the sitemap's order. */
export async function coursePaths(page: Page): Promise<string[]> {
  const sitemap = await (await page.request.get("/sitemap.xml")).text();
  return [...sitemap.matchAll(/<loc>[^<]*(\/courses\/[a-z0-9-]+)<\/loc>/g)].map((m) => m[1]);
}

/** Opens `path` and, with JavaScript on, waits until the page is interactive. */
export async function open(page: Page, path: string, js: boolean): Promise<void> {
  await page.goto(path);
  if (js) await waitForHydration(page);
}

/** The newest message to `email` in the development mailbox, once the worker has delivered it. */
export async function mailTo(page: Page, email: string, subject: string) {
  const message = page.locator("article.mail", { hasText: email }).filter({ hasText: subject }).first();
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(message).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return message;
}

/** Fills in and sends the signup form on the current page. */
export async function signUp(page: Page, name: string, email: string, password: string): Promise<void> {
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** A new learner, signed up, confirmed from the mailbox and logged in. */
export async function newLearner(page: Page, js: boolean, name: string, email: string, password: string) {
  await open(page, "/signup", js);
  await signUp(page, name, email, password);
  await expect(page).toHaveURL(/\/check-email$/);
  const message = await mailTo(page, email, "Confirm your e-mail address");
  const link = await message.getByRole("link", { name: /verify-email\?token=/ }).getAttribute("href");
  await open(page, link!, js);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page).toHaveURL(/\/login\?notice=verified$/);
  await logIn(page, js, email, password, false);
}

/** Logs out from the page's banner, and waits to be logged out. */
export async function logOut(page: Page, js: boolean): Promise<void> {
  if (js) await waitForHydration(page);
  await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
}

/** Logs in from the login page (opening it first unless already there), and waits to land on /account. */
export async function logIn(page: Page, js: boolean, email: string, password: string, navigate = true) {
  if (navigate) await open(page, "/login", js);
  else if (js) await waitForHydration(page);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  // Learners land on their courses, staff in the back office.
  await expect(page).toHaveURL(/\/(account|admin)$/);
}

