import AxeBuilder from "@axe-core/playwright";
import { test, expect, jsEnabled, newLearner, open, waitForHydration } from "./fixtures";

test("a visitor is sent to log in before enrolling, and comes back to the course", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  await open(page, "/courses", js);
  await page.locator("article .card-title a").first().click();
  await expect(page).toHaveURL(/\/courses\/[a-z0-9-]+$/);
  const course = new URL(page.url()).pathname;
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: /^(Enrol in|Join the waitlist for)/ }).first().click();
  await expect(page).toHaveURL(new RegExp(`/login\\?next=${course}$`));
});

test("a learner enrols in a session, finds it on their account page, and cancels it", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  const email = `enrols-${testInfo.project.name}-${Date.now()}@example.com`;
  await newLearner(page, js, "Karl Vella", email, "a walk along the bastions");
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "No courses yet" })).toBeVisible();

  // Find a course and take a seat (or a waitlist place when it is full).
  await open(page, "/courses", js);
  await page.locator("article .card-title a").first().click();
  await expect(page).toHaveURL(/\/courses\/[a-z0-9-]+$/);
  const title = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: /^(Enrol in|Join the waitlist for)/ }).first().click();
  await expect(page).toHaveURL(/\/account\?notice=(enrolled|waitlisted)$/);
  await expect(page.getByRole("status")).toContainText(/Your seat is confirmed|on its waitlist/);
  await expect(page.locator("li.enrolment")).toHaveCount(1);
  await expect(page.locator("li.enrolment")).toContainText(title);

  // Its calendar entry, when the seat is confirmed.
  const calendar = page.locator("li.enrolment").getByRole("link", { name: /^Add to calendar: / });
  if (await calendar.count()) {
    const answer = await page.request.get((await calendar.getAttribute("href"))!);
    expect(answer.headers()["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(await answer.text()).toContain("BEGIN:VEVENT");
  }
  // The private calendar address, made on request.
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Get my calendar address" }).click();
  await expect(page.getByLabel("Calendar address")).toHaveValue(/\/calendar\/[A-Za-z0-9_-]+\.ics$/);
  const feed = await page.request.get(new URL(await page.getByLabel("Calendar address").inputValue()).pathname);
  expect(await feed.text()).toContain(title.split(",")[0].slice(0, 20));
  if (js) {
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
  }

  // Cancel it.
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: new RegExp(`^Cancel ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} on `) }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-cancelled$/);
  await expect(page.getByRole("heading", { name: "No courses yet" })).toBeVisible();
});
