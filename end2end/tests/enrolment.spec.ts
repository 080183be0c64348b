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

  // Cancel it.
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: new RegExp(`^Cancel ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} on `) }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-cancelled$/);
  await expect(page.getByRole("heading", { name: "No courses yet" })).toBeVisible();
});
