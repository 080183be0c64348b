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

/** Waits until the app has hydrated: `hydrate()` marks the body when done. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator("body[data-hydrated=true]").waitFor({ state: "attached" });
}
