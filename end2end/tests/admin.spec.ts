import AxeBuilder from "@axe-core/playwright";
import { test, expect, jsEnabled, logIn, mailTo, waitForHydration } from "./fixtures";

const staffPassword = process.env.STAFF_PASSWORD ?? "";

async function axe(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/** The first Monday of October next year (no public holiday near it), as the date field takes it. */
function octoberMonday(): string {
  const day = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 9, 1));
  while (day.getUTCDay() !== 1) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

test("staff create a course with a weekly series, publish it, and change its price", async ({ page, consoleErrors }, testInfo) => {
  test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
  const js = jsEnabled(testInfo);
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  await logIn(page, js, "staff@lyceum.example", staffPassword);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await expect(page.getByRole("img", { name: "Enrolments per week, last 12 weeks" })).toBeVisible();
  if (js) await axe(page);
  for (const width of [390, 1366]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`dashboard-${width}.png`), fullPage: true });
  }

  // A new course: sent empty first, then filled in.
  await page.getByRole("navigation", { name: "Back office" }).getByRole("link", { name: "Courses" }).click();
  await page.getByRole("link", { name: "New course" }).click();
  await expect(page.getByRole("heading", { name: "New course", level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Create course" }).click();
  await expect(page.getByRole("alert")).toContainText("Please correct the fields marked below.");
  await expect(page.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
  if (js) await axe(page);
  const title = `Data storytelling (${testInfo.project.name})`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Category").selectOption({ index: 1 });
  await page.getByLabel("Summary").fill("Charts that make a point, and the words around them.");
  await page.getByLabel("Description (Markdown)").fill("Two days on **charts**.\n\n- Pick the chart\n- Say the point");
  await page.getByLabel("Hours of teaching").fill("14");
  await page.getByLabel("Price (EUR)").fill("890");
  await page.getByRole("button", { name: "Create course" }).click();
  await expect(page).toHaveURL(/\/admin\/courses\/\d+\?notice=course-created$/);

  // A weekly series of three Mondays, online.
  if (js) await waitForHydration(page);
  await page.getByLabel("First date").fill(octoberMonday());
  await page.getByLabel("Weeks").fill("3");
  await page.getByLabel("Held").selectOption("online");
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page).toHaveURL(/notice=sessions-scheduled/);
  await expect(page.locator("#sessions + ul li")).toHaveCount(3);

  // Published: the public catalogue and its search find it.
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page).toHaveURL(/notice=published/);
  const slug = `data-storytelling-${testInfo.project.name}`;
  await page.goto(`/courses?q=${encodeURIComponent("storytelling")}`);
  await expect(page.getByRole("link", { name: title })).toBeVisible();
  await page.goto(`/courses/${slug}`);
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.locator(".course-text strong")).toHaveText("charts");
  await expect(page.getByText("€890").first()).toBeVisible();

  // The price changes, and the public page shows it at once.
  await page.goBack();
  await page.goto(`/admin/courses?q=${encodeURIComponent("storytelling")}`);
  await page.getByRole("link", { name: title }).click();
  if (js) await waitForHydration(page);
  await page.getByLabel("Price (EUR)").fill("950");
  await page.getByRole("button", { name: "Save course" }).click();
  await expect(page).toHaveURL(/notice=saved/);
  await page.goto(`/courses/${slug}`);
  await expect(page.getByText("€950").first()).toBeVisible();

  // From the first date's roster: the demo learner enrolled by address,
  // then the whole session cancelled (asked first); the learner is told.
  await page.goto(`/admin/courses?q=${encodeURIComponent("storytelling")}`);
  await page.getByRole("link", { name: title }).click();
  await page.locator("#sessions + ul li a").first().click();
  await expect(page.getByRole("heading", { name: "Roster", level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);
  await page.getByLabel("Their account's e-mail address").fill("learner@lyceum.example");
  await page.getByRole("button", { name: "Enrol", exact: true }).click();
  await expect(page).toHaveURL(/notice=enrolled-for/);
  await expect(page.getByRole("list", { name: "Confirmed" })).toContainText("learner@lyceum.example");
  await page.getByRole("link", { name: "Cancel the session…" }).click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Yes, cancel the session" }).click();
  await expect(page).toHaveURL(/notice=session-cancelled/);
  await expect(page.getByText("The academy cancelled this session.")).toBeVisible();
  await mailTo(page, "learner@lyceum.example", `Session cancelled: ${title}`);

  // The trail has every step.
  await page.goto("/admin/audit?entity=course");
  await expect(page.locator(".audit-entry").filter({ hasText: "course.updated" }).first()).toContainText("price_cents");
  if (js) await axe(page);
});

test("a visitor asks about a course and staff answer from the inbox", async ({ page, consoleErrors }, testInfo) => {
  test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
  const js = jsEnabled(testInfo);
  const email = `asker-${testInfo.project.name}-${Date.now()}@example.com`;
  await page.goto("/contact");
  if (js) await waitForHydration(page);
  await page.getByLabel("Your name").fill(`Ada Asker ${testInfo.project.name}`);
  await page.getByLabel("Your e-mail address").fill(email);
  await page.getByLabel("Your message").fill("Is there an evening date for this course?");
  await page.getByRole("button", { name: "Send message" }).click();
  await expect(page.getByRole("status")).toContainText("we have your message");

  await logIn(page, js, "staff@lyceum.example", staffPassword);
  await page.getByRole("navigation", { name: "Back office" }).getByRole("link", { name: "Enquiries" }).click();
  await expect(page.getByRole("heading", { name: "Enquiries", level: 1 })).toBeVisible();
  if (js) await axe(page);
  await page.getByRole("link", { name: `Ada Asker ${testInfo.project.name}` }).click();
  if (js) await waitForHydration(page);
  await page.getByLabel("Your reply").fill("Yes: Tuesdays from 18:00. Shall I book you?");
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page).toHaveURL(/notice=reply-sent/);
  const reply = await mailTo(page, email, "Re: ");
  await expect(reply).toContainText("Tuesdays from 18:00");
});
