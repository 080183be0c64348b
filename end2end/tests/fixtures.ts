import { test as base, expect, Page } from "@playwright/test";

/** Fails the test on any console error or uncaught exception in the page. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(err.message));
    await use(errors);
    expect(errors, "console errors").toEqual([]);
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
