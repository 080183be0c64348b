import AxeBuilder from "@axe-core/playwright";
import { test, expect, jsEnabled, logIn, mailTo, newLearner, open, waitForHydration } from "./fixtures";

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

/** The course pages of the whole catalogue, from the sitemap, last first. */
async function coursePaths(page: import("@playwright/test").Page): Promise<string[]> {
  const sitemap = await (await page.request.get("/sitemap.xml")).text();
  return [...sitemap.matchAll(/<loc>[^<]*(\/courses\/[a-z0-9-]+)<\/loc>/g)].map((m) => m[1]).reverse();
}

test("the last seat is taken, the next learner waits, and is promoted when it frees up", async ({ page, consoleErrors }, testInfo) => {
  test.setTimeout(90_000);
  const js = jsEnabled(testInfo);
  // A session with one seat left: the first such for one project, the
  // second for the other, from the end of the catalogue (the other
  // journeys take seats from its start).
  let target: { path: string; when: string } | undefined;
  let seen = 0;
  await page.goto("/courses");
  const taken = await page.locator("article .card-title a").first().getAttribute("href");
  for (const path of await coursePaths(page)) {
    if (path === taken) continue;
    await page.goto(path);
    const row = page.locator("tr", { hasText: "1 seat left" }).first();
    if ((await row.count()) === 0) continue;
    if (seen++ === (js ? 0 : 1)) {
      const label = await row.getByRole("button", { name: /^Enrol in the session of / }).getAttribute("aria-label");
      target = { path, when: label!.replace("Enrol in the session of ", "") };
      break;
    }
  }
  expect(target, "the demo data has sessions with one seat left").toBeTruthy();
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const first = `last-seat-${stamp}@example.com`;
  const second = `next-in-line-${stamp}@example.com`;
  const password = "a quiet evening in mdina";
  const enrolButton = (name: RegExp) => page.getByRole("button", { name });
  const logOut = async () => {
    if (js) await waitForHydration(page);
    await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
  };

  // The first learner takes the last seat.
  await newLearner(page, js, "Rita Zammit", first, password);
  await open(page, target!.path, js);
  await enrolButton(new RegExp(`^Enrol in the session of ${target!.when}$`)).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolled$/);
  await logOut();

  // The second finds it full and joins the waitlist, first in line.
  await newLearner(page, js, "Paul Galea", second, password);
  await open(page, target!.path, js);
  await enrolButton(new RegExp(`^Join the waitlist for ${target!.when}$`)).click();
  await expect(page).toHaveURL(/\/account\?notice=waitlisted$/);
  await expect(page.locator("li.enrolment")).toContainText("On the waitlist, position 1");
  await logOut();

  // The first gives the seat up; the second is promoted, and told.
  await logIn(page, js, first, password);
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: /^Cancel / }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-cancelled$/);
  await logOut();
  const mail = await mailTo(page, second, "A seat freed up");
  await expect(mail).toContainText("it is yours");
  await logIn(page, js, second, password);
  await expect(page.locator("li.enrolment")).toContainText("Seat confirmed");
});
