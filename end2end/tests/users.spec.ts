import AxeBuilder from "@axe-core/playwright";
import { test, expect, jsEnabled, logIn, newLearner, open, waitForHydration } from "./fixtures";

const staffPassword = process.env.STAFF_PASSWORD ?? "";

async function axe(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

test("an administrator finds a learner, changes their role and deactivates them", async ({ page, browser, consoleErrors }, testInfo) => {
  test.slow();
  test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
  const js = jsEnabled(testInfo);
  const project = testInfo.project.name;

  // The learner, in a browser of their own.
  const learnerContext = await browser.newContext({ javaScriptEnabled: js });
  const learner = await learnerContext.newPage();
  const email = `dana.${project}.${Date.now()}@example.com`;
  const name = `Dana Deactivated ${project}`;
  const password = "a long learner passphrase";
  await newLearner(learner, js, name, email, password);

  // The administrator finds them by address.
  await logIn(page, js, "admin@lyceum.example", staffPassword);
  await page.getByRole("navigation", { name: "Back office" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);
  if (js) await axe(page);
  await page.getByLabel("Name or e-mail address").fill(email);
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page).toHaveURL(/\/admin\/users\?q=/);
  await expect(page.getByRole("status")).toHaveText("1 account");
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 2 })).toBeVisible();
  if (js) await waitForHydration(page);
  if (js) await axe(page);

  // A new role: the learner's sessions end with it.
  await page.getByLabel("Role", { exact: true }).selectOption("instructor");
  await page.getByRole("button", { name: "Change role" }).click();
  await expect(page).toHaveURL(/\/admin\/users\/\d+\?notice=role-changed$/);
  await expect(page.getByText("The role is changed.")).toBeVisible();
  await expect(page.locator("dd", { hasText: "Instructor" })).toBeVisible();
  const here = new URL(page.url()).pathname;

  // Deactivated, asked first, seats handed on.
  if (js) await waitForHydration(page);
  await page.getByLabel("Hand on their seats and waitlist places to others").check();
  await page.getByRole("button", { name: "Deactivate…" }).click();
  await expect(page).toHaveURL(/\?confirm=deactivate&hand_on=on$/);
  const question = page.getByRole("alertdialog");
  await expect(question).toContainText(`Deactivate the account of ${name}?`);
  if (js) await waitForHydration(page);
  if (js) await axe(page);
  await question.getByRole("button", { name: "Yes, deactivate" }).click();
  await expect(page).toHaveURL(new RegExp(`${here}\\?notice=account-deactivated$`));
  await expect(page.getByText(/^Deactivated since/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Reactivate the account" })).toBeVisible();
  if (js) await axe(page);

  // The learner is signed out, and told why they cannot sign in again.
  await learner.goto("/account");
  await expect(learner).toHaveURL(/\/login/);
  await open(learner, "/login", js);
  await learner.getByLabel("E-mail address").fill(email);
  await learner.getByLabel("Password").fill(password);
  await learner.getByRole("button", { name: "Log in" }).click();
  await expect(learner.getByRole("alert")).toContainText("This account has been deactivated");
  await learnerContext.close();

  // Screenshots at a phone's width and a desktop's: the table fits.
  await page.goto(`/admin/users?q=${encodeURIComponent("lyceum.example")}`);
  for (const width of [390, 1366]) {
    await page.setViewportSize({ width, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `no sideways scrolling at ${width}px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath(`users-${width}.png`), fullPage: true });
  }
  expect(consoleErrors).toEqual([]);
});
