import AxeBuilder from "@axe-core/playwright";
import { test, expect } from "./fixtures";

// axe-core runs inside the page, so it needs JavaScript; the pages are the
// same markup either way, as they are rendered on the server.
test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "axe-core needs JavaScript in the page");

for (const path of [
  "/",
  "/courses",
  "/courses?q=cloud&mode=online",
  "/courses/__first__",
  "/courses/no-such-course",
  "/signup",
  "/check-email",
  "/forgot-password",
  "/verify-email",
  "/reset-password?token=expired",
  "/contact",
  "/terms",
  "/privacy",
  "/api/docs",
]) {
  test(`no serious or critical accessibility violations on ${path}`, async ({ page }) => {
    let target = path;
    if (path === "/courses/__first__") {
      await page.goto("/courses?sort=title");
      target = (await page.locator(".card-title a").first().getAttribute("href"))!;
    }
    await page.goto(target);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
  });
}
